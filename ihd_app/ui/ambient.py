"""The ambient (traffic-light) level of the present electricity demand.

GB IHDs show green / amber / red for low / medium / high use. The thresholds are the consumer's
to change (Settings). When ``ihd_app.core.ambient`` exists the UI may use it instead; the rule is
the same: below ``low_kw`` is green, from ``high_kw`` up is red, amber in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AmbientLevel(StrEnum):
    """Traffic-light level."""

    UNKNOWN = "unknown"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def label(self) -> str:
        """How the level is named on screen."""
        return _LABELS[self]


_LABELS = {
    AmbientLevel.UNKNOWN: "No reading yet",
    AmbientLevel.LOW: "Low use",
    AmbientLevel.MEDIUM: "Medium use",
    AmbientLevel.HIGH: "High use",
}


@dataclass(frozen=True)
class AmbientThresholds:
    """Where the levels change, in kW.

    Attributes:
        low_kw: Demand below this is low (green).
        high_kw: Demand at or above this is high (red).
    """

    low_kw: float = 0.3
    high_kw: float = 1.5


def ambient_level(demand_kw: float | None, thresholds: AmbientThresholds) -> AmbientLevel:
    """The level of ``demand_kw`` (``None``: no reading yet)."""
    if demand_kw is None:
        return AmbientLevel.UNKNOWN
    if demand_kw < thresholds.low_kw:
        return AmbientLevel.LOW
    if demand_kw < thresholds.high_kw:
        return AmbientLevel.MEDIUM
    return AmbientLevel.HIGH
