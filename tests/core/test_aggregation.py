"""Intervals from readings, calendar buckets (DST-safe), comparisons and chart decimation."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ihd_app.core.aggregation import (
    Period,
    PeriodKind,
    aggregate,
    bucket,
    bucket_arrays,
    by_half_hour,
    compare,
    downsample,
    interval_arrays,
    intervals_from_readings,
    total_kwh,
)
from ihd_app.core.model import Interval
from ihd_app.core.readings import Fuel, Reading

E, G = Fuel.ELECTRICITY, Fuel.GAS
HALF_HOUR = timedelta(minutes=30)
T0 = datetime(2026, 11, 20, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def reading(seconds: float, wh: float | None, fuel: Fuel = E) -> Reading:
    return Reading(fuel, T0 + timedelta(seconds=seconds), 500.0, wh)


# -- intervals from readings --------------------------------------------------------------------


def test_intervals_between_register_readings() -> None:
    intervals = intervals_from_readings(
        [reading(0, 1000), reading(10, 1002), reading(20, 1002), reading(30, 1007.5)]
    )
    assert [(i.start, i.duration, i.kwh) for i in intervals] == [
        (T0, timedelta(seconds=10), pytest.approx(0.002)),
        (T0 + timedelta(seconds=10), timedelta(seconds=10), 0.0),
        (T0 + timedelta(seconds=20), timedelta(seconds=10), pytest.approx(0.0055)),
    ]
    assert all(i.fuel is E for i in intervals)


def test_reset_gap_missing_and_fuels() -> None:
    readings = [
        reading(30, 20),  # out of order on purpose
        reading(0, 1000),
        reading(10, 1500),
        reading(15, None),  # no register in this report
        reading(20, 5),  # register reset: no interval, count again from 5
        reading(3620, 120),  # an hour's gap: kept, its energy spread evenly
        reading(0, 10, G),
        reading(10, 30, G),
    ]
    intervals = intervals_from_readings(readings)
    electricity = [(i.start, i.duration, i.kwh) for i in intervals if i.fuel is E]
    assert electricity == [
        (T0, timedelta(seconds=10), 0.5),
        (T0 + timedelta(seconds=20), timedelta(seconds=10), pytest.approx(0.015)),
        (T0 + timedelta(seconds=30), timedelta(seconds=3590), pytest.approx(0.1)),
    ]
    gas = [(i.duration, i.kwh) for i in intervals if i.fuel is G]
    assert gas == [(timedelta(seconds=10), pytest.approx(0.02))]
    dropped = intervals_from_readings(readings, max_gap=timedelta(minutes=5))
    assert len(dropped) == len(intervals) - 1
    assert all(i.duration <= timedelta(minutes=5) for i in dropped)


def test_sums_equal_the_register_difference() -> None:
    rng = random.Random(3)
    value, at, readings = 50_000.0, 0.0, []
    for _ in range(2000):
        readings.append(reading(at, value))
        at += rng.choice([10, 10, 10, 11, 600])
        value += rng.uniform(0, 30)
    intervals = intervals_from_readings(readings)
    assert sum(i.kwh for i in intervals) == pytest.approx(
        (readings[-1].summation_wh - readings[0].summation_wh) / 1000  # type: ignore[operator]
    )
    _, durations, kwh = interval_arrays(
        [(r.at - T0).total_seconds() for r in readings], [r.summation_wh for r in readings]
    )
    assert len(kwh) == len(intervals)
    assert kwh.sum() == pytest.approx(sum(i.kwh for i in intervals))
    assert durations.sum() == pytest.approx(sum(i.duration.total_seconds() for i in intervals))


def test_interval_arrays_handle_resets_and_gaps() -> None:
    start, duration, kwh = interval_arrays(
        [0, 10, 20, 30, 1000], [100, 200, 50, 60, 70], max_gap_s=60
    )
    assert start.tolist() == [0, 20]
    assert duration.tolist() == [10, 10]
    assert kwh.tolist() == pytest.approx([0.1, 0.01])


# -- buckets ------------------------------------------------------------------------------------


def test_dst_days_have_46_and_50_half_hours() -> None:
    spring = Period.containing(PeriodKind.DAY, utc(2026, 3, 29, 12))
    autumn = Period.containing(PeriodKind.DAY, utc(2026, 10, 25, 12))
    ordinary = Period.containing(PeriodKind.DAY, utc(2026, 11, 20, 12))
    assert len(spring.edges()) - 1 == 46
    assert len(autumn.edges()) - 1 == 50
    assert len(ordinary.edges()) - 1 == 48
    # Local midnight to local midnight.
    assert autumn.start == utc(2026, 10, 24, 23)
    assert autumn.end == utc(2026, 10, 26)
    summer = Period.containing(PeriodKind.DAY, utc(2026, 7, 14, 23, 30))
    assert summer.first_day == date(2026, 7, 15), "23:30 UTC is already tomorrow in BST"


def test_a_dst_day_buckets_every_half_hour() -> None:
    period = Period.containing(PeriodKind.DAY, utc(2026, 10, 25, 12))
    intervals = [
        Interval(E, period.start + k * HALF_HOUR, HALF_HOUR, 0.1 * (k + 1)) for k in range(50)
    ]
    buckets = aggregate(intervals, period, E)
    assert len(buckets) == 50
    assert [b.kwh for b in buckets] == pytest.approx([0.1 * (k + 1) for k in range(50)])
    assert all(b.duration == HALF_HOUR for b in buckets)
    assert sum(b.kwh for b in buckets) == pytest.approx(sum(i.kwh for i in intervals))


def test_week_month_and_year_buckets() -> None:
    moment = utc(2026, 3, 29, 12)  # a Sunday, the day clocks go forward
    week = Period.containing(PeriodKind.WEEK, moment)
    assert week.first_day == date(2026, 3, 23)  # Monday
    assert len(week.edges()) == 8
    assert week.edges()[-1] - week.edges()[0] == timedelta(days=7, hours=-1)
    month = Period.containing(PeriodKind.MONTH, moment)
    assert len(month.edges()) - 1 == 31
    assert month.edges()[-1] == utc(2026, 3, 31, 23), "1 April 00:00 BST"
    year = Period.containing(PeriodKind.YEAR, moment)
    edges = year.edges()
    assert len(edges) - 1 == 12
    assert edges[0] == utc(2026, 1, 1)
    assert edges[6] == utc(2026, 6, 30, 23), "1 July 00:00 BST"


def test_previous_periods() -> None:
    assert Period(PeriodKind.DAY, date(2026, 3, 1)).previous().first_day == date(2026, 2, 28)
    assert Period(PeriodKind.WEEK, date(2026, 3, 23)).previous().first_day == date(2026, 3, 16)
    assert Period(PeriodKind.MONTH, date(2026, 1, 1)).previous().first_day == date(2025, 12, 1)
    assert Period(PeriodKind.YEAR, date(2026, 1, 1)).previous().first_day == date(2025, 1, 1)
    assert Period(PeriodKind.MONTH, date(2026, 11, 1)).shifted(3).first_day == date(2027, 2, 1)


def test_compare_with_the_same_point_of_the_previous_period() -> None:
    # Constant 1 kWh per half hour for four days; "today so far" at 10:00 is 20 kWh and so
    # is "yesterday to 10:00".
    intervals = [Interval(E, T0 + k * HALF_HOUR, HALF_HOUR, 1.0) for k in range(4 * 48)]
    period = Period.containing(PeriodKind.DAY, utc(2026, 11, 22, 10))
    assert period.previous_to_date(utc(2026, 11, 22, 10)) == (
        utc(2026, 11, 21),
        utc(2026, 11, 21, 10),
    )
    result = compare(intervals, period, utc(2026, 11, 22, 10), E)
    assert result.current_kwh == pytest.approx(20)
    assert result.previous_kwh == pytest.approx(20)
    assert result.change == pytest.approx(0)
    # On the short spring day, 10:00 BST is 9 hours in; "yesterday to 10:00" is 10 hours.
    spring = Period.containing(PeriodKind.DAY, utc(2026, 3, 29, 9))
    start, end = spring.previous_to_date(utc(2026, 3, 29, 9))
    assert (start, end) == (utc(2026, 3, 28), utc(2026, 3, 28, 10))
    # A month compared with a shorter previous month stops at its end.
    march = Period.containing(PeriodKind.MONTH, utc(2026, 3, 31, 12))
    assert march.previous_to_date(utc(2026, 3, 31, 12))[1] == utc(2026, 3, 1)
    assert compare([], period, utc(2026, 11, 22, 10), E).change is None


def test_bucket_splits_intervals_across_edges_and_ignores_other_fuels() -> None:
    edges = [T0, T0 + HALF_HOUR, T0 + 2 * HALF_HOUR]
    intervals = [
        Interval(E, T0 + timedelta(minutes=15), HALF_HOUR, 1.0),  # half in each bucket
        Interval(E, T0 - HALF_HOUR, HALF_HOUR, 5.0),  # before the range
        Interval(G, T0, HALF_HOUR, 9.0),
        Interval(E, T0 + timedelta(minutes=50), timedelta(0), 0.25),  # a point
    ]
    result = bucket(intervals, edges, E)
    assert [b.kwh for b in result] == pytest.approx([0.5, 0.75])
    assert total_kwh(intervals, T0, T0 + 2 * HALF_HOUR, E) == pytest.approx(1.25)
    assert bucket([], edges, E)[0].kwh == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 3_000), st.floats(0, 10)),
        max_size=60,
    ),
    st.lists(st.integers(1, 2_000), min_size=1, max_size=20),
)
def test_bucket_arrays_match_a_direct_sum(
    raw: list[tuple[int, int, float]], widths: list[int]
) -> None:
    edges = np.concatenate(([-500.0], -500.0 + np.cumsum(widths)))
    start = np.array([r[0] for r in raw], dtype=float)
    duration = np.array([r[1] for r in raw], dtype=float)
    kwh = np.array([r[2] for r in raw], dtype=float)
    got = bucket_arrays(start, duration, kwh, edges)
    expected = np.zeros(len(edges) - 1)
    for s, d, k in raw:
        for b in range(len(edges) - 1):
            low, high = edges[b], edges[b + 1]
            if d == 0:
                expected[b] += k if low <= s < high else 0
            else:
                expected[b] += k * max(0.0, min(s + d, high) - max(s, low)) / d
    assert got == pytest.approx(expected, abs=1e-6)
    # Edges around everything: every kWh is counted exactly once.
    assert bucket_arrays(start, duration, kwh, [-1, 20_000]).sum() == pytest.approx(kwh.sum())


def test_bucket_arrays_refuse_bad_edges() -> None:
    with pytest.raises(ValueError, match="increasing"):
        bucket_arrays([0], [1], [1], [5, 5])
    with pytest.raises(ValueError, match="same length"):
        bucket_arrays([0, 1], [1], [1], [0, 5])


def test_a_year_of_live_readings_sums_to_the_register() -> None:
    # A year of 10-second register readings through the array path into months.
    rng = np.random.default_rng(5)
    count = 3_153_600
    times = T0.timestamp() + np.arange(count) * 10.0
    register = 1e6 + np.cumsum(rng.uniform(0, 2, count))
    register[count // 2 :] -= register[count // 2] - 10  # a meter exchange half way
    start, duration, kwh = interval_arrays(times, register)
    first, last = times[0], times[-1] + 10
    month_edges = [
        e.timestamp()
        for e in Period.containing(PeriodKind.YEAR, T0 + timedelta(days=200)).edges()
        if first < e.timestamp() < last
    ]
    months = bucket_arrays(start, duration, kwh, [first, *month_edges, last])
    assert len(months) == 12
    assert months.sum() == pytest.approx(kwh.sum())
    expected = (register[count // 2 - 1] - register[0] + register[-1] - register[count // 2]) / 1000
    assert kwh.sum() == pytest.approx(expected)


# -- downsample ---------------------------------------------------------------------------------


def test_downsample_keeps_the_min_and_max_of_each_slice() -> None:
    rng = np.random.default_rng(1)
    x = np.arange(10_001, dtype=float)
    y = rng.normal(size=10_001)
    y[5_000] = 50.0  # a spike
    y[7_777] = -50.0
    out_x, out_y = downsample(x, y, 200)
    assert len(out_x) <= 200
    assert np.all(np.diff(out_x) > 0), "order kept"
    assert 50.0 in out_y
    assert -50.0 in out_y
    size = -(-len(x) // 100)
    for start in range(0, len(x), size):
        chunk = y[start : start + size]
        assert chunk.max() in out_y
        assert chunk.min() in out_y
    assert np.array_equal(out_y, y[out_x.astype(int)]), "points are real samples"


def test_downsample_short_series_gaps_and_ranges() -> None:
    x, y = np.arange(10.0), np.arange(10.0) ** 2
    same_x, same_y = downsample(x, y, 100)
    assert np.array_equal(same_x, x)
    assert np.array_equal(same_y, y)
    gappy = np.ones(1000)
    gappy[100:300] = np.nan
    _, out = downsample(np.arange(1000.0), gappy, 50)
    assert np.isnan(out).any(), "a gap stays a gap"
    assert np.nanmax(out) == 1
    visible_x, _ = downsample(np.arange(1000.0), np.arange(1000.0), 500, x_min=100, x_max=200)
    assert visible_x[0] == 99
    assert visible_x[-1] == 201
    with pytest.raises(ValueError, match="same length"):
        downsample([1, 2], [1], 10)
    with pytest.raises(ValueError, match="at least 2"):
        downsample([1, 2], [1, 2], 1)


def test_downsample_a_year_of_ten_second_readings() -> None:
    count = 3_200_000
    rng = np.random.default_rng(2)
    x = 1.7e9 + np.arange(count) * 10.0
    y = rng.gamma(2.0, 200.0, count)
    y[123_456] = 25_000.0
    out_x, out_y = downsample(x, y, 4000)
    assert len(out_x) <= 4000
    assert out_y.max() == 25_000.0
    assert out_y.min() == y.min()


# -- splitting over half hours ------------------------------------------------------------------


def test_a_half_hourly_gas_report_belongs_to_the_half_hour_it_ends() -> None:
    # Reported at 10:00:01 and 10:30:01 (a second after each half hour): 2 kWh of gas.
    pieces = by_half_hour(Interval(G, utc(2026, 11, 20, 10, 0, 1), HALF_HOUR, 2.0))
    assert [(p.start, p.duration) for p in pieces] == [
        (utc(2026, 11, 20, 10, 0), HALF_HOUR),
        (utc(2026, 11, 20, 10, 30), HALF_HOUR),
    ]
    assert pieces[0].kwh == pytest.approx(2.0 * 1799 / 1800)
    assert pieces[1].kwh == pytest.approx(2.0 / 1800)
    assert all(p.fuel is G for p in pieces)


def test_energy_is_split_in_proportion_to_time_and_none_is_lost() -> None:
    # 10:20 to 11:05 (a late report): 10 minutes, 30 minutes and 5 minutes of 4.5 kWh.
    pieces = by_half_hour(Interval(G, utc(2026, 11, 20, 10, 20), timedelta(minutes=45), 4.5))
    assert [p.start.time().isoformat() for p in pieces] == ["10:00:00", "10:30:00", "11:00:00"]
    assert [p.kwh for p in pieces] == pytest.approx([1.0, 3.0, 0.5])


def test_an_interval_inside_one_half_hour_stays_in_it() -> None:
    inside = by_half_hour(Interval(E, utc(2026, 11, 20, 10, 31), timedelta(seconds=10), 0.01))
    assert [(p.start, p.kwh) for p in inside] == [(utc(2026, 11, 20, 10, 30), pytest.approx(0.01))]
    # Ending exactly on the half hour: nothing spills into the next one.
    ending = by_half_hour(Interval(G, utc(2026, 11, 20, 10, 0), HALF_HOUR, 1.5))
    assert [(p.start, p.kwh) for p in ending] == [(utc(2026, 11, 20, 10, 0), pytest.approx(1.5))]
    instant = by_half_hour(Interval(E, utc(2026, 11, 20, 10, 45), timedelta(0), 0.2))
    assert [(p.start, p.kwh) for p in instant] == [(utc(2026, 11, 20, 10, 30), pytest.approx(0.2))]


@settings(max_examples=200, deadline=None)
@given(
    start_s=st.integers(0, 7 * 24 * 3600),
    length_s=st.integers(0, 3 * 3600),
    kwh=st.floats(0, 50, allow_nan=False),
)
def test_the_half_hours_add_up_to_the_interval(start_s: int, length_s: int, kwh: float) -> None:
    interval = Interval(G, T0 + timedelta(seconds=start_s), timedelta(seconds=length_s), kwh)
    pieces = by_half_hour(interval)
    assert sum(p.kwh for p in pieces) == pytest.approx(kwh, abs=1e-9)
    assert all(p.duration == HALF_HOUR and p.start.minute in (0, 30) for p in pieces)
    assert pieces[0].start <= interval.start < pieces[-1].start + HALF_HOUR
