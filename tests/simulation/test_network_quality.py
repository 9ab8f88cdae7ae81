"""The household simulation's network side (seed 01-07, 11): voltage within the statutory range
with sags when large loads start, export only in daylight with panels, power-quality events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from meter_emulator.simulation.household import Household, appliance_starts
from meter_emulator.simulation.network_quality import (
    SAG_BELOW_V,
    half_hour_export_wh,
    half_hour_voltage,
    quality_events,
)
from meter_emulator.simulation.voltage import HIGH_LIMIT_V, LOW_LIMIT_V

HALF_HOUR = timedelta(minutes=30)
MIDSUMMER = datetime(2026, 6, 20, tzinfo=UTC)
MIDWINTER = datetime(2026, 12, 15, tzinfo=UTC)


def halves(day: datetime) -> list[datetime]:
    return [day + i * HALF_HOUR for i in range(48)]


def test_every_half_hour_of_a_summer_and_a_winter_day_is_within_the_statutory_range() -> None:
    household = Household(seed=3, solar_peak_w=4000)
    for day in (MIDSUMMER, MIDWINTER):
        for start in halves(day):
            summary = half_hour_voltage(household, start)
            assert LOW_LIMIT_V <= summary.min_v <= summary.mean_v <= summary.max_v <= HIGH_LIMIT_V
            assert 225 <= summary.mean_v <= 236, "around 230 V"


def test_the_shower_starting_pulls_the_voltage_down_and_is_recorded_as_a_sag() -> None:
    household = Household(seed=1)
    start = next(
        slot
        for slot in (MIDWINTER + i * HALF_HOUR for i in range(48 * 14))
        if any(a.name == "shower" for a, _ in appliance_starts(household, slot))
    )
    summary = half_hour_voltage(household, start)
    assert summary.mean_v - summary.min_v > 3, "8.5 kW through the service cable shows"
    sags = [e for e in quality_events(household, start, start + HALF_HOUR) if e.kind == "sag"]
    shower = [e for e in sags if e.cause == "appliance start (shower)"]
    assert len(shower) == 1
    assert shower[0].volts < SAG_BELOW_V
    assert shower[0].volts > LOW_LIMIT_V - 10, "a dip, not an outage"


def test_export_only_with_panels_and_only_in_daylight() -> None:
    without = Household(seed=2)
    with_panels = Household(seed=2, solar_peak_w=4000)
    assert all(half_hour_export_wh(without, s) == 0 for s in halves(MIDSUMMER))
    night = [half_hour_export_wh(with_panels, s) for s in halves(MIDSUMMER)[:6]]
    noon = [half_hour_export_wh(with_panels, s) for s in halves(MIDSUMMER)[22:28]]
    assert night == [0] * 6
    assert sum(noon) > 1000, "a sunny June midday exports kilowatt-hours"


def test_power_quality_events_are_in_range_in_order_and_repeatable() -> None:
    household = Household(seed=5)
    end = MIDWINTER + timedelta(days=30)
    events = quality_events(household, MIDWINTER, end)
    assert events == quality_events(household, MIDWINTER, end)
    assert events, "a month has sags"
    assert all(MIDWINTER <= e.at < end for e in events)
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert {e.kind for e in events} <= {"sag", "swell"}
    assert all(e.volts < SAG_BELOW_V for e in events if e.kind == "sag")
