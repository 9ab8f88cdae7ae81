"""The ambient light: green, amber or red from how much power the home draws now.

GB IHDs show consumption at a glance with a traffic light (the Metering cluster even has an
AmbientConsumptionIndicator attribute: low, medium, high). The level comes from demand against
two thresholds, by default 0.3 kW (amber from here) and 1.5 kW (red from here).

Hysteresis
----------
Demand hovering at a threshold (a fridge cycling, a kettle's thermostat) would make the light
flicker. So the light goes **up** as soon as demand reaches a threshold, but comes **down** only
when demand falls below the threshold less a margin, ``hysteresis`` x threshold (10 % by
default: amber back to green below 270 W, red back to amber below 1,350 W). The first reading
(no previous level) is classified without hysteresis. Export (negative demand) is green.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class AmbientLevel(StrEnum):
    """How much power is being used, as the light shows it."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def colour(self) -> str:
        """``green``, ``amber`` or ``red``."""
        return _COLOURS[self]

    @property
    def rank(self) -> int:
        """0 (low) to 2 (high)."""
        return _ORDER.index(self)


_ORDER = (AmbientLevel.LOW, AmbientLevel.MEDIUM, AmbientLevel.HIGH)
_COLOURS = {AmbientLevel.LOW: "green", AmbientLevel.MEDIUM: "amber", AmbientLevel.HIGH: "red"}


@dataclass(frozen=True)
class AmbientThresholds:
    """Where the light changes colour.

    Attributes:
        medium_w: Demand (watts) from which the light is amber.
        high_w: Demand from which it is red.
        hysteresis: Fraction of a threshold demand must fall below it before the light goes
            back down (0 disables hysteresis).

    Raises:
        ValueError: Thresholds not positive and increasing, or hysteresis outside [0, 1).
    """

    medium_w: float = 300.0
    high_w: float = 1500.0
    hysteresis: float = 0.1

    def __post_init__(self) -> None:
        if not (
            math.isfinite(self.medium_w)
            and math.isfinite(self.high_w)
            and 0 < self.medium_w < self.high_w
        ):
            raise ValueError(
                f"ambient thresholds must satisfy 0 < medium < high, got {self.medium_w} W "
                f"and {self.high_w} W"
            )
        if not 0 <= self.hysteresis < 1:
            raise ValueError(f"hysteresis must be in [0, 1), got {self.hysteresis}")

    def classify(self, demand_w: float, scale: float = 1.0) -> AmbientLevel:
        """The level for ``demand_w`` with both thresholds multiplied by ``scale``."""
        if demand_w >= self.high_w * scale:
            return AmbientLevel.HIGH
        if demand_w >= self.medium_w * scale:
            return AmbientLevel.MEDIUM
        return AmbientLevel.LOW


#: 0.3 kW and 1.5 kW, 10 % hysteresis.
DEFAULT_THRESHOLDS = AmbientThresholds()


def ambient_level(
    demand_w: float,
    previous: AmbientLevel | None = None,
    thresholds: AmbientThresholds = DEFAULT_THRESHOLDS,
) -> AmbientLevel:
    """The light for ``demand_w``, given the level it shows now (``None``: first reading).

    Up at once when a threshold is reached; down only below threshold x (1 - hysteresis).
    A NaN demand keeps the previous level (low if none).
    """
    if math.isnan(demand_w):
        return previous or AmbientLevel.LOW
    rising = thresholds.classify(demand_w, 1.0)
    if previous is None:
        return rising
    falling = thresholds.classify(demand_w, 1.0 - thresholds.hysteresis)
    held = min(previous, falling, key=lambda level: level.rank)
    return max(rising, held, key=lambda level: level.rank)


class AmbientIndicator:
    """Remembers the level shown, for callers that feed readings one by one.

    Args:
        thresholds: Where the light changes colour.
    """

    def __init__(self, thresholds: AmbientThresholds = DEFAULT_THRESHOLDS) -> None:
        self.thresholds = thresholds
        self.level: AmbientLevel | None = None

    def update(self, demand_w: float) -> AmbientLevel:
        """The level after a new demand reading."""
        self.level = ambient_level(demand_w, self.level, self.thresholds)
        return self.level


__all__ = [
    "DEFAULT_THRESHOLDS",
    "AmbientIndicator",
    "AmbientLevel",
    "AmbientThresholds",
    "ambient_level",
]
