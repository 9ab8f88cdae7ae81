"""A fuel the meter reports once a half hour, as GB displays show gas: use and cost so far today,
the last half hour reported, and when the figures were updated and will be next.

A GB gas meter runs on a battery: it wakes each half hour and sends its register, and it
measures no instantaneous demand. A display that showed "0.00 kW" between those reports would
say no gas is being used while the boiler fires, so a fuel whose meter reports no demand shows
energy and cost so far instead, with the half-hour cadence in plain sight. Qt-free: Home's tile
and the spoken summary both say what is worked out here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ihd_app.core.aggregation import HALF_HOUR, half_hour_floor
from ihd_app.core.readings import Fuel, Reading
from ihd_app.service.api import IhdServiceApi, UsageRange
from ihd_app.ui import periods

#: A half-hourly report counts for the half hour about to end when it comes this early: the
#: meter reports on its own clock, which may be a few seconds ahead of the display's (the
#: display takes the meter's time only beyond ten seconds).
EARLY_REPORT = timedelta(minutes=1)


def is_half_hourly(fuel: Fuel, reading: Reading | None) -> bool:
    """Whether ``fuel`` is shown as half-hourly use rather than demand: gas whose meter reports
    no demand, as GB gas meters do (and gas before its first report). Electricity meters report
    every few seconds: one without demand still shows its (unknown) demand."""
    return fuel is Fuel.GAS and (reading is None or reading.demand_w is None)


@dataclass(frozen=True)
class HalfHourlyUse:
    """What a half-hourly fuel's figures are now.

    Attributes:
        updated_at: When the meter's last report arrived.
        next_at: When the next report is due (the next half hour).
        half_hour_start: The start of the last half hour the meter reported.
        half_hour_kwh: Its energy.
        half_hour_pounds: Its cost (``None`` without a tariff).
        today_kwh: Energy so far today (``None`` without history).
        today_pounds: Cost so far today (``None`` without history or tariff).
    """

    updated_at: datetime
    next_at: datetime
    half_hour_start: datetime
    half_hour_kwh: float
    half_hour_pounds: float | None
    today_kwh: float | None
    today_pounds: float | None

    @property
    def half_hour_end(self) -> datetime:
        """The end of the last half hour reported."""
        return self.half_hour_start + HALF_HOUR


def reported_half_hour(updated_at: datetime) -> datetime:
    """The start of the last whole half hour a report at ``updated_at`` covers: a report on
    the half hour (10:30, or a moment either side of it) ends the half hour before it (10:00);
    one in between (at subscription, 10:12) the half hour before that began (09:30)."""
    return half_hour_floor(updated_at + EARLY_REPORT) - HALF_HOUR


def half_hourly_use(
    service: IhdServiceApi,
    fuel: Fuel,
    today: tuple[float, float] | None,
) -> HalfHourlyUse | None:
    """``fuel``'s half-hourly figures (``None`` before its first reading).

    Args:
        service: The IHD service.
        fuel: The fuel.
        today: Today's kWh and pounds as Home works them out (``None`` without history).
    """
    reading = service.latest_reading(fuel)
    if reading is None:
        return None
    start = reported_half_hour(reading.at)
    day = [
        i
        for i in service.usage(fuel, UsageRange.DAY, periods.period_end(UsageRange.DAY, start))
        if i.start == start
    ]
    kwh = sum(i.kwh for i in day)
    pounds = service.cost_pence(fuel, day) / 100 if service.tariff(fuel) else None
    return HalfHourlyUse(
        updated_at=reading.at,
        next_at=start + 2 * HALF_HOUR,
        half_hour_start=start,
        half_hour_kwh=kwh,
        half_hour_pounds=pounds,
        today_kwh=today[0] if today else None,
        today_pounds=today[1] if today and service.tariff(fuel) else None,
    )
