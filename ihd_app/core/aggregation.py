"""Energy over time: intervals from register readings, chart buckets, and chart decimation.

* :func:`intervals_from_readings` (and :func:`interval_arrays` for large arrays) turns
  successive register readings (``summation_wh``) into :class:`Interval` values: the energy
  between two readings, over the time between them. A register that goes down (meter reset or
  replaced) gives no interval for that step, and counting resumes from the new value. A gap
  (the display was off) gives one long interval whose energy is spread evenly over it, so no
  energy is lost; pass ``max_gap`` to drop such intervals instead.
* :class:`Period` is a local calendar day, ISO week (Monday to Sunday), month or year, with its
  chart buckets (:meth:`Period.edges`): half hours for a day, days for a week or month, months
  for a year, all in local time (Europe/London unless injected). The edges are UTC instants,
  so a day has 46 half hours when clocks go forward and 50 when they go back.
* :func:`bucket` sums intervals into buckets, splitting an interval across bucket edges in
  proportion to time, so bucket totals always add up to the energy in range;
  :func:`by_half_hour` splits one interval over the half hours it covers (a gas meter's
  half-hourly report holds the energy of the half hour just ended, not of the one it arrives in).
* :func:`downsample` keeps the minimum and maximum of each of ``max_points / 2`` slices of a
  series, so a year of 10-second readings (3.2 million points) draws as a few thousand points
  with every peak and trough still visible.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from itertools import groupby
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from ihd_app.core.model import Interval
from ihd_app.core.readings import Fuel, Reading

#: The zone periods are calendar periods of, unless another is injected.
LONDON = ZoneInfo("Europe/London")
HALF_HOUR = timedelta(minutes=30)
_DAY = timedelta(days=1)

FloatArray = npt.NDArray[np.float64]


# -- intervals from readings --------------------------------------------------------------------


def intervals_from_readings(
    readings: Iterable[Reading], *, max_gap: timedelta | None = None
) -> list[Interval]:
    """The energy between successive register readings of each fuel, oldest first.

    Readings without a register value are skipped; readings are taken in time order per fuel.
    A reading at the same instant as the previous one replaces it. A register that decreases is
    a reset: no interval, counting resumes from the new value.

    Args:
        readings: Live readings (any order, any fuels).
        max_gap: Drop intervals longer than this (their energy is then not counted); ``None``
            keeps them, spreading their energy evenly over the gap.
    """
    usable = sorted(
        (
            (r.fuel, r.at, r.summation_wh)
            for r in readings
            if r.summation_wh is not None and math.isfinite(r.summation_wh)
        ),
        key=lambda r: (r[0], r[1]),
    )
    intervals: list[Interval] = []
    for fuel, group in groupby(usable, key=lambda r: r[0]):
        previous: tuple[datetime, float] | None = None
        for _, at, wh in group:
            if previous is not None:
                elapsed = at - previous[0]
                delta = wh - previous[1]
                if (
                    elapsed > timedelta(0)
                    and delta >= 0
                    and (max_gap is None or elapsed <= max_gap)
                ):
                    intervals.append(Interval(fuel, previous[0], elapsed, delta / 1000))
            previous = (at, wh)
    intervals.sort(key=lambda i: (i.start, i.fuel.value))
    return intervals


def interval_arrays(
    times_s: npt.ArrayLike, summation_wh: npt.ArrayLike, *, max_gap_s: float | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:func:`intervals_from_readings` for one fuel's arrays (POSIX seconds, watt-hours).

    Returns:
        ``(start_s, duration_s, kwh)``, one entry per interval.
    """
    t = np.asarray(times_s, dtype=np.float64)
    s = np.asarray(summation_wh, dtype=np.float64)
    if t.shape != s.shape or t.ndim != 1:
        raise ValueError("times and register values must be 1-D arrays of the same length")
    keep = np.isfinite(t) & np.isfinite(s)
    t, s = t[keep], s[keep]
    order = np.argsort(t, kind="stable")
    t, s = t[order], s[order]
    elapsed, delta = np.diff(t), np.diff(s)
    mask = (elapsed > 0) & (delta >= 0)
    if max_gap_s is not None:
        mask &= elapsed <= max_gap_s
    return t[:-1][mask], elapsed[mask], delta[mask] / 1000


# -- summing into buckets -----------------------------------------------------------------------


def bucket_arrays(
    start_s: npt.ArrayLike,
    duration_s: npt.ArrayLike,
    kwh: npt.ArrayLike,
    edges_s: npt.ArrayLike,
) -> FloatArray:
    """Energy per bucket ``[edges[k], edges[k+1])``, each interval's energy spread evenly over
    its duration (a zero-length interval counts where it starts). Intervals may overlap.

    Vectorised: the cumulative energy up to each edge is computed from prefix sums, so millions
    of intervals take milliseconds.
    """
    s = np.asarray(start_s, dtype=np.float64)
    d = np.asarray(duration_s, dtype=np.float64)
    k = np.asarray(kwh, dtype=np.float64)
    edges = np.asarray(edges_s, dtype=np.float64)
    if not (s.shape == d.shape == k.shape) or s.ndim != 1:
        raise ValueError("start, duration and kwh must be 1-D arrays of the same length")
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("edges must be at least two strictly increasing instants")
    if len(s) == 0:
        return np.zeros(len(edges) - 1)
    origin = edges[0]  # work near zero so large POSIX times do not cost precision
    s = s - origin
    t = edges - origin
    e = s + np.maximum(d, 0)
    rate = np.divide(k, d, out=np.zeros_like(k), where=d > 0)
    by_start = np.argsort(s, kind="stable")
    by_end = np.argsort(e, kind="stable")
    cum_rate_s = np.concatenate(([0.0], np.cumsum(rate[by_start])))
    cum_rs_s = np.concatenate(([0.0], np.cumsum((rate * s)[by_start])))
    cum_rate_e = np.concatenate(([0.0], np.cumsum(rate[by_end])))
    cum_rs_e = np.concatenate(([0.0], np.cumsum((rate * s)[by_end])))
    cum_k_e = np.concatenate(([0.0], np.cumsum(k[by_end])))
    started = np.searchsorted(s[by_start], t, side="right")
    ended = np.searchsorted(e[by_end], t, side="left")
    # Energy before t: whole intervals that ended before t, plus the elapsed share of those
    # that started but had not ended.
    cumulative = (
        cum_k_e[ended]
        + (t * cum_rate_s[started] - cum_rs_s[started])
        - (t * cum_rate_e[ended] - cum_rs_e[ended])
    )
    return np.diff(cumulative)


def _seconds(moments: Iterable[datetime]) -> FloatArray:
    return np.fromiter((m.timestamp() for m in moments), dtype=np.float64)


def bucket(intervals: Iterable[Interval], edges: Sequence[datetime], fuel: Fuel) -> list[Interval]:
    """``fuel``'s energy in each bucket between successive ``edges``, as intervals (a bucket
    with no data is 0 kWh). Intervals of other fuels are ignored."""
    mine = [i for i in intervals if i.fuel is fuel]
    energy = bucket_arrays(
        _seconds(i.start for i in mine),
        np.fromiter((i.duration.total_seconds() for i in mine), dtype=np.float64),
        np.fromiter((i.kwh for i in mine), dtype=np.float64),
        _seconds(edges),
    )
    return [
        Interval(fuel, start.astimezone(UTC), end - start, float(kwh))
        for start, end, kwh in zip(edges, edges[1:], energy, strict=False)
    ]


def half_hour_floor(moment: datetime) -> datetime:
    """The start of the half hour holding ``moment`` (GB local half hours are UTC half hours:
    the offsets are whole hours)."""
    return moment.replace(minute=0 if moment.minute < 30 else 30, second=0, microsecond=0)


def by_half_hour(interval: Interval) -> list[Interval]:
    """``interval``'s energy split over the half hours it covers, in proportion to time, oldest
    first: one half-hour :class:`Interval` per half hour touched (an instant's energy counts in
    the half hour holding it).

    Energy measured between 10:00 and 10:30:01 belongs almost wholly to the 10:00 half hour, so
    a reading that arrives just after the half hour does not move the half hour's use into the
    next one.
    """
    first = half_hour_floor(interval.start)
    end = interval.start + max(interval.duration, timedelta(0))
    edges = [first, first + HALF_HOUR]
    while edges[-1] < end:
        edges.append(edges[-1] + HALF_HOUR)
    return bucket([interval], edges, interval.fuel)


def total_kwh(intervals: Iterable[Interval], start: datetime, end: datetime, fuel: Fuel) -> float:
    """``fuel``'s energy in [start, end) (intervals split in proportion to time)."""
    if end <= start:
        return 0.0
    return bucket(intervals, [start, end], fuel)[0].kwh


# -- calendar periods ---------------------------------------------------------------------------


class PeriodKind(StrEnum):
    """Chart ranges with calendar buckets (values match the service's ``UsageRange``)."""

    DAY = "day"  # by half hour
    WEEK = "week"  # Monday to Sunday, by day
    MONTH = "month"  # by day
    YEAR = "year"  # by month


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A local calendar day, week, month or year.

    Attributes:
        kind: Which.
        first_day: Its first local day (a Monday for weeks, the 1st for months, 1 January for
            years).
        tz: The zone its days are in.
    """

    kind: PeriodKind
    first_day: date
    tz: tzinfo = LONDON

    @classmethod
    def containing(cls, kind: PeriodKind, moment: datetime, tz: tzinfo = LONDON) -> Period:
        """The period of ``kind`` that ``moment`` falls in (local time)."""
        day = moment.astimezone(tz).date()
        if kind is PeriodKind.WEEK:
            day -= timedelta(days=day.weekday())
        elif kind is PeriodKind.MONTH:
            day = day.replace(day=1)
        elif kind is PeriodKind.YEAR:
            day = day.replace(month=1, day=1)
        return cls(kind, day, tz)

    @property
    def end_day(self) -> date:
        """The local day after the period."""
        if self.kind is PeriodKind.DAY:
            return self.first_day + _DAY
        if self.kind is PeriodKind.WEEK:
            return self.first_day + timedelta(days=7)
        if self.kind is PeriodKind.MONTH:
            return _add_months(self.first_day, 1)
        return _add_months(self.first_day, 12)

    @property
    def start(self) -> datetime:
        """Its first instant (UTC)."""
        return _midnight(self.first_day, self.tz)

    @property
    def end(self) -> datetime:
        """The instant after it (UTC)."""
        return _midnight(self.end_day, self.tz)

    def shifted(self, count: int) -> Period:
        """The period ``count`` periods later (earlier if negative)."""
        if self.kind is PeriodKind.DAY:
            return Period(self.kind, self.first_day + count * _DAY, self.tz)
        if self.kind is PeriodKind.WEEK:
            return Period(self.kind, self.first_day + timedelta(days=7 * count), self.tz)
        months = count if self.kind is PeriodKind.MONTH else 12 * count
        return Period(self.kind, _add_months(self.first_day, months), self.tz)

    def previous(self) -> Period:
        """Yesterday, last week, last month or last year: what a chart compares with."""
        return self.shifted(-1)

    def edges(self) -> list[datetime]:
        """Bucket edges (UTC), one more than the buckets: half hours for a day (46, 48 or 50
        of them), days for a week or month, months for a year."""
        if self.kind is PeriodKind.DAY:
            start, end = self.start, self.end
            count = round((end - start) / HALF_HOUR)
            return [start + k * HALF_HOUR for k in range(count + 1)]
        if self.kind is PeriodKind.YEAR:
            return [_midnight(_add_months(self.first_day, m), self.tz) for m in range(13)]
        days = (self.end_day - self.first_day).days
        return [_midnight(self.first_day + timedelta(days=d), self.tz) for d in range(days + 1)]

    def wall_offset(self, moment: datetime) -> timedelta:
        """How far into the period ``moment`` is by the wall clock (clamped to the period)."""
        local = moment.astimezone(self.tz).replace(tzinfo=None)
        first = datetime.combine(self.first_day, time(0))
        last = datetime.combine(self.end_day, time(0))
        return min(max(local, first), last) - first

    def to_date(self, now: datetime) -> tuple[datetime, datetime]:
        """[start, now) clamped to the period: "so far"."""
        return self.start, min(max(now, self.start), self.end)

    def previous_to_date(self, now: datetime) -> tuple[datetime, datetime]:
        """The previous period up to the same wall-clock point: a fair "so far" comparison
        (yesterday until this time of day, last week until this weekday and time, ...),
        clamped to the previous period's end."""
        previous = self.previous()
        wall = datetime.combine(previous.first_day, time(0)) + self.wall_offset(now)
        wall = min(wall, datetime.combine(previous.end_day, time(0)))
        end = wall.replace(tzinfo=self.tz).astimezone(UTC)
        return previous.start, min(max(end, previous.start), previous.end)


def aggregate(intervals: Iterable[Interval], period: Period, fuel: Fuel) -> list[Interval]:
    """``fuel``'s energy in each bucket of ``period`` (see :meth:`Period.edges`)."""
    return bucket(intervals, period.edges(), fuel)


@dataclass(frozen=True)
class Comparison:
    """This period so far against the previous period to the same point.

    Attributes:
        current_kwh: Energy in this period until now.
        previous_kwh: Energy in the previous period until the same wall-clock point.
    """

    current_kwh: float
    previous_kwh: float

    @property
    def change(self) -> float | None:
        """Relative change (0.1 = 10 % more), ``None`` when there is nothing to compare with."""
        if self.previous_kwh <= 0:
            return None
        return self.current_kwh / self.previous_kwh - 1


def compare(intervals: Iterable[Interval], period: Period, now: datetime, fuel: Fuel) -> Comparison:
    """``fuel``'s energy in ``period`` so far against the previous period to the same point."""
    items = list(intervals)
    current = total_kwh(items, *period.to_date(now), fuel)
    previous = total_kwh(items, *period.previous_to_date(now), fuel)
    return Comparison(current, previous)


# -- chart decimation ---------------------------------------------------------------------------


def downsample(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    max_points: int,
    *,
    x_min: float | None = None,
    x_max: float | None = None,
) -> tuple[npt.NDArray[np.float64], FloatArray]:
    """At most ``max_points`` points of (x, y) that keep every peak: the series is cut into
    ``max_points // 2`` slices of equal point count and each slice's minimum and maximum are
    kept, in their original order. A slice of NaN (a gap) stays NaN, so gaps still show.

    Args:
        x: Ascending x values (e.g. POSIX seconds).
        y: Values.
        max_points: The most points to return (at least 2); a series this short is returned
            whole.
        x_min: Only this part of the series (the visible range), plus one point either side so
            lines reach the edges.
        x_max: As ``x_min``.

    Raises:
        ValueError: Mismatched or non-1-D arrays, or ``max_points`` below 2.
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.shape != ys.shape or xs.ndim != 1:
        raise ValueError("x and y must be 1-D arrays of the same length")
    if max_points < 2:
        raise ValueError("max_points must be at least 2")
    if x_min is not None or x_max is not None:
        low = 0 if x_min is None else max(int(np.searchsorted(xs, x_min, side="left")) - 1, 0)
        high = (
            len(xs)
            if x_max is None
            else min(int(np.searchsorted(xs, x_max, side="right")) + 1, len(xs))
        )
        xs, ys = xs[low:high], ys[low:high]
    count = len(xs)
    if count <= max_points:
        return xs, ys
    size = -(-count // (max_points // 2))  # points per slice
    slices = -(-count // size)
    padded = ys
    if slices * size != count:
        padded = np.concatenate((ys, np.full(slices * size - count, np.nan)))
    grid = padded.reshape(slices, size)
    gaps = np.isnan(grid)
    if gaps.any():
        lows = np.where(gaps, np.inf, grid).argmin(axis=1)
        highs = np.where(gaps, -np.inf, grid).argmax(axis=1)
    else:
        lows = grid.argmin(axis=1)
        highs = grid.argmax(axis=1)
    base = np.arange(slices) * size
    index = np.sort(np.stack((base + lows, base + highs), axis=1), axis=1).ravel()
    index = index[np.concatenate(([True], index[1:] != index[:-1]))]
    return xs[index], ys[index]


__all__ = [
    "HALF_HOUR",
    "LONDON",
    "Comparison",
    "Period",
    "PeriodKind",
    "aggregate",
    "bucket",
    "bucket_arrays",
    "by_half_hour",
    "compare",
    "downsample",
    "half_hour_floor",
    "interval_arrays",
    "intervals_from_readings",
    "total_kwh",
]
