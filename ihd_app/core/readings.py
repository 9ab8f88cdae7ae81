"""Turning the meter's Metering attribute reports into readings people understand.

The meter reports raw ZCL attributes per endpoint (fuel): InstantaneousDemand and
CurrentSummationDelivered, scaled by Multiplier / Divisor in the unit given by UnitOfMeasure.
This module keeps the latest formatting per fuel and produces :class:`Reading` values in watts
and watt-hours for both fuels, as a GB IHD shows gas in kWh.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ihd_app.protocol.zcl import (
    Endpoint,
    MeteringAttribute,
    ReportAttributes,
    SupplyStatus,
    UnitOfMeasure,
)

#: GB gas conversion: volume correction factor x calorific value (MJ/m3) / 3.6 MJ per kWh.
GAS_KWH_PER_M3 = 1.02264 * 39.5 / 3.6


class Fuel(StrEnum):
    """Electricity or gas (the unit's endpoint)."""

    ELECTRICITY = "electricity"
    GAS = "gas"

    @classmethod
    def of(cls, endpoint: Endpoint) -> Fuel:
        """The fuel of a unit's endpoint."""
        return cls.GAS if endpoint is Endpoint.GAS else cls.ELECTRICITY


@dataclass
class _Formatting:
    unit: UnitOfMeasure = UnitOfMeasure.KWH
    multiplier: int = 1
    divisor: int = 1000

    def kwh(self, raw: int) -> float:
        """A raw register value in kWh (gas volumes converted with the GB factor)."""
        value = raw * self.multiplier / (self.divisor or 1)
        return value * GAS_KWH_PER_M3 if self.unit == UnitOfMeasure.M3 else value


@dataclass(frozen=True)
class Reading:
    """The latest known state of one fuel.

    Attributes:
        fuel: Electricity or gas.
        at: When the report arrived.
        demand_w: Instantaneous demand in watts (negative: export), if reported yet.
        summation_wh: Register reading in watt-hours, if reported yet.
        supply: Supply status (switch or valve), if reported yet.
    """

    fuel: Fuel
    at: datetime
    demand_w: float | None
    summation_wh: float | None
    supply: SupplyStatus | None = None

    def to_event(self) -> dict[str, object]:
        """The fields of a ``reading`` event (DESIGN.md §8)."""
        return {
            "fuel": self.fuel.value,
            "demand_w": None if self.demand_w is None else round(self.demand_w, 1),
            "summation_wh": None if self.summation_wh is None else round(self.summation_wh, 1),
        }


@dataclass
class ReadingTracker:
    """Folds attribute reports into the latest :class:`Reading` per fuel."""

    _formatting: dict[Fuel, _Formatting] = field(default_factory=dict)
    _latest: dict[Fuel, Reading] = field(default_factory=dict)

    def latest(self, fuel: Fuel) -> Reading | None:
        """The latest reading of ``fuel``."""
        return self._latest.get(fuel)

    def apply(self, endpoint: Endpoint, report: ReportAttributes, at: datetime) -> Reading | None:
        """Fold ``report`` in; returns the new reading when demand or summation changed."""
        fuel = Fuel.of(endpoint)
        formatting = self._formatting.setdefault(fuel, _Formatting())
        unit = report.get(MeteringAttribute.UNIT_OF_MEASURE)
        if unit is not None and unit in (UnitOfMeasure.KWH, UnitOfMeasure.M3):
            formatting.unit = UnitOfMeasure(unit)
        multiplier = report.get(MeteringAttribute.MULTIPLIER)
        if multiplier:
            formatting.multiplier = multiplier
        divisor = report.get(MeteringAttribute.DIVISOR)
        if divisor:
            formatting.divisor = divisor
        previous = self._latest.get(fuel)
        demand_raw = report.get(MeteringAttribute.INSTANTANEOUS_DEMAND)
        summation_raw = report.get(MeteringAttribute.CURRENT_SUMMATION_DELIVERED)
        supply_raw = report.get(MeteringAttribute.SUPPLY_STATUS)
        demand_w = (
            formatting.kwh(demand_raw) * 1000
            if demand_raw is not None
            else (previous.demand_w if previous else None)
        )
        summation_wh = (
            formatting.kwh(summation_raw) * 1000
            if summation_raw is not None
            else (previous.summation_wh if previous else None)
        )
        supply = (
            SupplyStatus(supply_raw)
            if supply_raw is not None and supply_raw in {s.value for s in SupplyStatus}
            else (previous.supply if previous else None)
        )
        reading = Reading(fuel, at, demand_w, summation_wh, supply)
        self._latest[fuel] = reading
        changed = demand_raw is not None or summation_raw is not None
        return reading if changed else None
