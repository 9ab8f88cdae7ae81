"""Today's live figures between backfills: the energy between register readings goes to the half
hours it was used in, for electricity every few seconds and for gas every half hour."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ihd_app.core.model import Interval
from ihd_app.core.readings import Fuel, Reading
from ihd_app.service.live_totals import HALF_HOUR, LiveTotals
from ihd_app.store.database import Database
from ihd_app.store.readings import ReadingsRepository

T10 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ReadingsRepository]:
    with Database.in_data_dir(tmp_path) as database:
        yield ReadingsRepository(database)


def gas(at: datetime, wh: float) -> Reading:
    """A gas report as a GB gas meter sends it: register, no demand."""
    return Reading(Fuel.GAS, at, None, wh)


def half_hours(store: ReadingsRepository, fuel: Fuel) -> dict[str, float]:
    """Each live half hour's kWh, by its local start time (UTC here)."""
    return {
        f"{i.start:%H:%M}": round(i.kwh, 4)
        for i in store.intervals(fuel, T10 - timedelta(hours=2), T10 + timedelta(hours=3), "live")
    }


def test_a_half_hourly_gas_report_counts_for_the_half_hour_it_ends(
    store: ReadingsRepository,
) -> None:
    totals = LiveTotals(store)
    second = timedelta(seconds=1)
    totals.add(gas(T10 + 12 * timedelta(minutes=1), 1_000_000))  # at subscription, 10:12
    totals.add(gas(T10 + HALF_HOUR + 2 * second, 1_001_080))  # 10:30:02, 18 min later
    totals.add(gas(T10 + 2 * HALF_HOUR + 3 * second, 1_003_080))  # 11:00:03: a whole half hour
    shown = half_hours(store, Fuel.GAS)
    # The 1.08 kWh of 10:12-10:30 is the 10:00 half hour's (save two seconds' worth), and the
    # 2 kWh reported at 11:00 the 10:30 half hour's: not the half hour each report arrived in.
    assert shown["10:00"] == pytest.approx(1.08 * 1080 / 1082, abs=1e-4)
    assert shown["10:30"] == pytest.approx(1.08 * 2 / 1082 + 2.0 * 1798 / 1801, abs=1e-4)
    assert shown["11:00"] == pytest.approx(2.0 * 3 / 1801, abs=1e-4)
    assert sum(shown.values()) == pytest.approx(3.08)


def test_a_report_a_little_late_is_the_next_one_but_an_hour_later_is_a_gap(
    store: ReadingsRepository,
) -> None:
    totals = LiveTotals(store)
    totals.add(gas(T10, 500_000))
    totals.add(gas(T10 + HALF_HOUR + timedelta(minutes=4), 502_000))  # the link was slow
    assert sum(half_hours(store, Fuel.GAS).values()) == pytest.approx(2.0)
    # The display was off for an hour: that energy is the meter's history to place.
    totals.add(gas(T10 + 3 * HALF_HOUR + timedelta(minutes=5), 507_000))
    assert sum(half_hours(store, Fuel.GAS).values()) == pytest.approx(2.0)
    # ... and counting carries on from the reading after the gap.
    totals.add(gas(T10 + 4 * HALF_HOUR + timedelta(minutes=5), 508_000))
    assert sum(half_hours(store, Fuel.GAS).values()) == pytest.approx(3.0)


def test_electricity_every_few_seconds_fills_each_half_hour_with_its_own_energy(
    store: ReadingsRepository,
) -> None:
    totals = LiveTotals(store)
    start = T10 + HALF_HOUR - timedelta(seconds=20)
    for step in range(5):  # 10:29:40 to 10:30:20, 10 s and 5 Wh apart
        totals.add(Reading(Fuel.ELECTRICITY, start + step * timedelta(seconds=10), 800, 5 * step))
    assert half_hours(store, Fuel.ELECTRICITY) == {"10:00": 0.01, "10:30": 0.01}


def test_a_restart_carries_on_from_the_half_hour_kept(store: ReadingsRepository) -> None:
    first = LiveTotals(store)
    first.add(gas(T10 + timedelta(minutes=12), 1_000_000))
    first.add(gas(T10 + HALF_HOUR, 1_001_000))
    store.save_latest(gas(T10 + HALF_HOUR, 1_001_000))
    again = LiveTotals(store)
    again.resume()
    again.add(gas(T10 + 2 * HALF_HOUR, 1_003_000))
    assert half_hours(store, Fuel.GAS) == {"10:00": 1.0, "10:30": 2.0}


def test_history_is_not_overwritten_by_a_late_live_share(store: ReadingsRepository) -> None:
    totals = LiveTotals(store)
    totals.add(gas(T10, 1_000_000))
    store.add_intervals([Interval(Fuel.GAS, T10, HALF_HOUR, 1.9)], "history")
    totals.add(gas(T10 + HALF_HOUR + timedelta(seconds=1), 1_002_000))
    assert store.intervals(Fuel.GAS, T10, T10 + HALF_HOUR) == [
        Interval(Fuel.GAS, T10, HALF_HOUR, 1.9)
    ]
