"""Intervals: exact round trips, resumable backfills, SQL aggregates over 13 months, retention."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from ihd_app.core.model import Interval
from ihd_app.core.readings import Fuel, Reading
from ihd_app.protocol.zcl import SupplyStatus
from ihd_app.store.database import Database
from ihd_app.store.readings import Bucket, ReadingsRepository, retention_cutoff

HALF_HOUR = timedelta(minutes=30)
YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR_END = datetime(2026, 2, 1, tzinfo=UTC)  # 13 months: 396 days, 19,008 half hours


def _half_hours(fuel: Fuel, start: datetime, end: datetime, seed: int) -> list[Interval]:
    rng = random.Random(seed)
    count = (end - start) // HALF_HOUR
    return [
        Interval(fuel, start + i * HALF_HOUR, HALF_HOUR, round(rng.uniform(0.01, 2.5), 3))
        for i in range(count)
    ]


def _expected(intervals: list[Interval], bucket: str, tz: tzinfo) -> dict[date, float]:
    sums: dict[date, float] = defaultdict(float)
    for interval in intervals:
        day = interval.start.astimezone(tz).date()
        if bucket == "week":
            day -= timedelta(days=day.weekday())
        elif bucket == "month":
            day = day.replace(day=1)
        sums[day] += interval.kwh
    return dict(sums)


@pytest.fixture(scope="module")
def year(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Database, dict[Fuel, list[Interval]]]]:
    """13 months of half hours of both fuels (2 x 19,008 rows), shared by the module's tests."""
    data = {fuel: _half_hours(fuel, YEAR_START, YEAR_END, seed) for seed, fuel in enumerate(Fuel)}
    with Database.in_data_dir(tmp_path_factory.mktemp("year")) as db:
        repository = ReadingsRepository(db)
        for intervals in data.values():
            repository.add_intervals(intervals, "history")
        yield db, data


def test_intervals_round_trip_exactly(db: Database) -> None:
    repository = ReadingsRepository(db)
    odd = Interval(
        Fuel.GAS, datetime(2026, 3, 1, 10, 0, 7, 123456, tzinfo=UTC), timedelta(0, 61, 5), 0.1
    )
    intervals = [*_half_hours(Fuel.GAS, YEAR_START, YEAR_START + timedelta(days=1), 3), odd]
    assert repository.add_intervals(intervals, "history") == 49
    assert repository.intervals(Fuel.GAS, YEAR_START, YEAR_END + timedelta(days=60)) == intervals
    assert repository.intervals(Fuel.ELECTRICITY, YEAR_START, YEAR_END) == []
    assert repository.count(Fuel.GAS) == 49


def test_range_is_half_open(db: Database) -> None:
    repository = ReadingsRepository(db)
    intervals = _half_hours(Fuel.ELECTRICITY, YEAR_START, YEAR_START + timedelta(hours=3), 1)
    repository.add_intervals(intervals, "history")
    got = repository.intervals(Fuel.ELECTRICITY, intervals[1].start, intervals[4].start)
    assert got == intervals[1:4]


def test_backfill_can_be_resent_and_resumed_without_duplicates(db: Database) -> None:
    repository = ReadingsRepository(db)
    day = _half_hours(Fuel.ELECTRICITY, YEAR_START, YEAR_START + timedelta(days=1), 5)
    repository.add_intervals(day[:30], "history")  # the link drops after 30 half hours
    resume_after = repository.latest_interval_start(Fuel.ELECTRICITY)
    assert resume_after == day[29].start
    repository.add_intervals(day[25:], "history")  # resent with some overlap
    repository.add_intervals(day, "history")  # or all of it again
    assert repository.count(Fuel.ELECTRICITY) == 48
    assert repository.intervals(Fuel.ELECTRICITY, YEAR_START, YEAR_END) == day
    assert repository.latest_interval_start(Fuel.GAS) is None


def test_history_replaces_live_but_not_the_reverse(db: Database) -> None:
    repository = ReadingsRepository(db)
    start = YEAR_START
    live = Interval(Fuel.ELECTRICITY, start, HALF_HOUR, 0.4)
    history = Interval(Fuel.ELECTRICITY, start, HALF_HOUR, 0.5)
    later_live = Interval(Fuel.ELECTRICITY, start + HALF_HOUR, HALF_HOUR, 0.3)
    repository.add_intervals([live, later_live], "live")
    assert repository.add_intervals([history], "history") == 1
    assert repository.add_intervals([live], "live") == 0
    assert repository.intervals(Fuel.ELECTRICITY, start, YEAR_END) == [history, later_live]
    assert repository.count(Fuel.ELECTRICITY, "live") == 1
    assert repository.latest_interval_start(Fuel.ELECTRICITY) == start
    assert repository.latest_interval_start(Fuel.ELECTRICITY, None) == start + HALF_HOUR
    assert repository.intervals(Fuel.ELECTRICITY, start, YEAR_END, "live") == [later_live]


def test_a_profile_is_stored_as_its_intervals(db: Database) -> None:
    """add_profile (a GetProfileResponse: newest first, ending at ``end``) stores exactly what
    add_intervals stores for the same intervals, and history still replaces live."""
    repository = ReadingsRepository(db)
    end = YEAR_START + timedelta(days=6)
    kwh = [round(0.01 * n, 3) for n in range(255)]
    live = Interval(Fuel.GAS, end - HALF_HOUR, HALF_HOUR, 9.0)
    repository.add_intervals([live], "live")
    assert repository.add_profile(Fuel.GAS, end, HALF_HOUR, kwh, "history") == 255
    expected = [
        Interval(Fuel.GAS, end - HALF_HOUR * (n + 1), HALF_HOUR, value)
        for n, value in enumerate(kwh)
    ]
    assert repository.intervals(Fuel.GAS, YEAR_START, YEAR_END) == expected[::-1]
    assert repository.count(Fuel.GAS, "live") == 0
    assert repository.add_profile(Fuel.GAS, end, HALF_HOUR, [1.0], "live") == 0


@pytest.mark.parametrize(("fuel", "wh_per_unit"), [(Fuel.GAS, 11.2203), (Fuel.ELECTRICITY, 1.0)])
def test_a_raw_profile_is_stored_as_the_same_kwh_to_the_last_bit(
    db: Database, fuel: Fuel, wh_per_unit: float
) -> None:
    """add_raw_profiles (wire values; SQLite computes each start and kWh) stores exactly what
    add_profiles stores for the kWh computed in Python, and history still replaces live."""
    rng = random.Random(3)
    end = YEAR_START + timedelta(days=20)
    blocks = [
        (fuel, end - HALF_HOUR * 255 * n, [rng.randrange(1 << 24) for _ in range(255)])
        for n in range(3)
    ]
    blocks.append((fuel, end - HALF_HOUR * 765, [0, 1, 999, (1 << 24) - 1]))
    raw = ReadingsRepository(db)
    python_kwh = Database(db.path.with_name("python-kwh.sqlite3"))
    scaled = ReadingsRepository(python_kwh)
    live = Interval(fuel, end - HALF_HOUR, HALF_HOUR, 9.0)
    raw.add_intervals([live], "live")
    profiles = [(fuel, end_, values, wh_per_unit) for fuel, end_, values in blocks]
    assert raw.add_raw_profiles(profiles, HALF_HOUR, "history") == 769
    kwh = [(f, e, [value * wh_per_unit / 1000 for value in values]) for f, e, values in blocks]
    scaled.add_profiles(kwh, HALF_HOUR, "history")
    stored = raw.intervals(fuel, YEAR_START, YEAR_END)
    assert len(stored) == 769
    assert stored == scaled.intervals(fuel, YEAR_START, YEAR_END)
    assert [i.kwh.hex() for i in stored] == [
        i.kwh.hex() for i in scaled.intervals(fuel, YEAR_START, YEAR_END)
    ]
    assert raw.count(fuel, "live") == 0
    assert raw.add_raw_profiles([(fuel, end, [5], 1.0)], HALF_HOUR, "live") == 0
    python_kwh.close()


def test_a_year_of_half_hours_is_written_in_one_transaction(db: Database) -> None:
    intervals = _half_hours(Fuel.ELECTRICITY, YEAR_START, YEAR_END, 0)
    assert len(intervals) == 19_008
    statements: list[str] = []
    db.connection.set_trace_callback(statements.append)
    try:
        written = ReadingsRepository(db).add_intervals(intervals, "history")
    finally:
        db.connection.set_trace_callback(None)
    assert written == 19_008
    assert statements.count("BEGIN IMMEDIATE") == 1
    assert statements.count("COMMIT") == 1
    assert ReadingsRepository(db).count(Fuel.ELECTRICITY) == 19_008


@pytest.mark.parametrize("bucket", ["day", "week", "month"])
def test_aggregates_sum_per_utc_bucket(
    year: tuple[Database, dict[Fuel, list[Interval]]], bucket: Bucket
) -> None:
    db, data = year
    repository = ReadingsRepository(db)
    for fuel in Fuel:
        got = repository.aggregates(fuel, YEAR_START, YEAR_END, bucket)
        expected = _expected(data[fuel], bucket, UTC)
        assert [interval.start.date() for interval in got] == sorted(expected)
        for interval in got:
            assert interval.fuel is fuel
            assert interval.start.tzinfo is UTC
            assert interval.kwh == pytest.approx(expected[interval.start.date()], abs=1e-9)
    assert len(repository.aggregates(Fuel.GAS, YEAR_START, YEAR_END, "day")) == 396
    months = repository.aggregates(Fuel.GAS, YEAR_START, YEAR_END, "month")
    assert len(months) == 13
    assert months[1].duration == timedelta(days=28)  # February 2025
    assert months[-1].duration == timedelta(days=31)  # January 2026
    weeks = repository.aggregates(Fuel.GAS, YEAR_START, YEAR_END, "week")
    assert weeks[0].start == datetime(2024, 12, 30, tzinfo=UTC)  # the Monday before 1 Jan 2025
    assert all(week.duration == timedelta(days=7) for week in weeks)
    total = sum(interval.kwh for interval in data[Fuel.GAS])
    assert sum(month.kwh for month in months) == pytest.approx(total)


def test_aggregates_in_local_time_follow_daylight_saving(
    year: tuple[Database, dict[Fuel, list[Interval]]],
) -> None:
    try:
        london = ZoneInfo("Europe/London")
    except ZoneInfoNotFoundError:  # pragma: no cover - a system without time zone data
        pytest.skip("no time zone data")
    db, data = year
    repository = ReadingsRepository(db)
    start, end = datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 12, 1, tzinfo=UTC)
    inside = [i for i in data[Fuel.ELECTRICITY] if start <= i.start < end]
    buckets: tuple[Bucket, ...] = ("day", "week", "month")
    for bucket in buckets:
        got = repository.aggregates(Fuel.ELECTRICITY, start, end, bucket, tz=london)
        expected = _expected(inside, bucket, london)
        assert [i.start.astimezone(london).date() for i in got] == sorted(expected)
        for interval in got:
            local = interval.start.astimezone(london)
            assert (local.hour, local.minute) == (0, 0)
            assert interval.kwh == pytest.approx(expected[local.date()], abs=1e-9)
    days = {
        i.start.astimezone(london).date(): i.duration
        for i in repository.aggregates(Fuel.ELECTRICITY, start, end, "day", tz=london)
    }
    assert days[date(2025, 3, 30)] == timedelta(hours=23)  # clocks go forward
    assert days[date(2025, 10, 26)] == timedelta(hours=25)  # clocks go back
    assert days[date(2025, 6, 1)] == timedelta(hours=24)


def test_aggregates_of_an_empty_range(db: Database) -> None:
    assert ReadingsRepository(db).aggregates(Fuel.GAS, YEAR_START, YEAR_END, "day") == []


def test_maintenance_keeps_thirteen_months(db: Database) -> None:
    repository = ReadingsRepository(db)
    old_start = datetime(2024, 1, 1, tzinfo=UTC)
    for fuel in Fuel:
        repository.add_intervals(_half_hours(fuel, old_start, YEAR_END, 9), "history")
    now = datetime(2026, 1, 31, 12, tzinfo=UTC)
    cutoff = retention_cutoff(now)
    assert cutoff == datetime(2024, 12, 31, 12, tzinfo=UTC)
    before = {fuel: repository.count(fuel) for fuel in Fuel}
    deleted = repository.maintain(now)
    kept = (YEAR_END - cutoff) // HALF_HOUR
    assert deleted == sum(before.values()) - 2 * kept
    for fuel in Fuel:
        assert repository.count(fuel) == kept
        remaining = repository.intervals(fuel, old_start, YEAR_END)
        assert remaining[0].start == cutoff
    assert repository.maintain(now) == 0
    assert repository.prune(YEAR_END) == 2 * kept


@pytest.mark.parametrize(
    ("now", "cutoff"),
    [
        (datetime(2026, 3, 31, tzinfo=UTC), datetime(2025, 2, 28, tzinfo=UTC)),
        (datetime(2026, 1, 15, 8, 30, tzinfo=UTC), datetime(2024, 12, 15, 8, 30, tzinfo=UTC)),
        (datetime(2025, 12, 1, tzinfo=UTC), datetime(2024, 11, 1, tzinfo=UTC)),
        (datetime(2025, 3, 29, tzinfo=UTC), datetime(2024, 2, 29, tzinfo=UTC)),
    ],
)
def test_retention_cutoff_is_thirteen_calendar_months(now: datetime, cutoff: datetime) -> None:
    assert retention_cutoff(now) == cutoff


def test_latest_reading_round_trips_per_fuel(db: Database) -> None:
    repository = ReadingsRepository(db)
    at = datetime(2026, 1, 1, 12, 0, 0, 5, tzinfo=UTC)
    electricity = Reading(Fuel.ELECTRICITY, at, -350.5, 1_234_567.8, SupplyStatus.ON)
    gas = Reading(Fuel.GAS, at, None, None)
    assert repository.latest(Fuel.GAS) is None
    repository.save_latest(electricity)
    repository.save_latest(gas)
    assert repository.latest(Fuel.ELECTRICITY) == electricity
    assert repository.latest(Fuel.GAS) == gas
    newer = Reading(Fuel.GAS, at + timedelta(seconds=10), 800.0, 5.0, SupplyStatus.ARMED)
    repository.save_latest(newer)
    assert repository.latest(Fuel.GAS) == newer
