"""The ambient (traffic-light) level of the present electricity demand.

GB IHDs show green / amber / red for low / medium / high use. The thresholds are the consumer's
to change (Settings). When ``ihd_app.core.ambient`` exists the UI may use it instead; the rule is
the same: below ``low_kw`` is green, from ``high_kw`` up is red, amber in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ihd_app.protocol.zcl import SupplyStatus


class AmbientLevel(StrEnum):
    """Traffic-light level."""

    UNKNOWN = "unknown"
    #: The electricity supply is off (a power cut, or the meter's switch open): no lamp is lit,
    #: for no use is not low use.
    SUPPLY_OFF = "supply-off"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def label(self) -> str:
        """How the level is named on screen."""
        return _LABELS[self]


_LABELS = {
    AmbientLevel.UNKNOWN: "No reading yet",
    AmbientLevel.SUPPLY_OFF: "Supply off",
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


def ambient_level(
    demand_kw: float | None, thresholds: AmbientThresholds, supply: SupplyStatus | None = None
) -> AmbientLevel:
    """The level of ``demand_kw`` (``None``: no reading yet), with the supply switch's state as
    the meter last reported it."""
    if supply in (SupplyStatus.OFF, SupplyStatus.ARMED):
        return AmbientLevel.SUPPLY_OFF
    if demand_kw is None:
        return AmbientLevel.UNKNOWN
    if demand_kw < thresholds.low_kw:
        return AmbientLevel.LOW
    if demand_kw < thresholds.high_kw:
        return AmbientLevel.MEDIUM
    return AmbientLevel.HIGH
