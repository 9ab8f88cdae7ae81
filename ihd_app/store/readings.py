"""Energy intervals kept 13 months, their day / week / month totals, and the latest readings.

Intervals (``intervals`` table) come from the meter's half-hourly history (``source`` =
``"history"``) or are accumulated from live readings (``"live"``); the key is (fuel, start,
duration), so re-sending or resuming a backfill rewrites rows instead of duplicating them. The
meter's history is authoritative: a history row replaces a live row of the same key, never the
reverse. Starts are stored as UTC epoch microseconds and read back as aware UTC datetimes (a
naive start is taken as UTC).

Aggregates are summed in SQL (``GROUP BY``) per calendar day, ISO week (Monday to Sunday) or
month. Buckets are UTC by default; pass ``tz`` (e.g. ``ZoneInfo("Europe/London")``) for the
consumer's local days, whose edges follow daylight saving (days of 23 and 25 hours). An interval
counts wholly in the bucket of its start (half hours never straddle a day edge).
"""

from __future__ import annotations

import calendar
import itertools
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Literal

from ihd_app.core.model import Interval
from ihd_app.core.readings import Fuel, Reading
from ihd_app.protocol.zcl import SupplyStatus
from ihd_app.store._codec import (
    datetime_of,
    json_text,
    micros_of,
    micros_of_duration,
    text_of,
    utc_of_micros,
)
from ihd_app.store.database import Database

#: Where an interval came from: the meter's stored history, or live readings.
IntervalSource = Literal["history", "live"]
#: A GetProfileResponse as received: its fuel, the end of its newest interval, its wire values
#: newest first (each ending where the next began) and Wh per wire unit (1 for electricity's Wh;
#: gas is in dm³). Stored as kWh = value × Wh per unit / 1000.
RawProfile = tuple[Fuel, datetime, Sequence[int], float]
#: An aggregate's bucket.
Bucket = Literal["day", "week", "month"]

#: How long intervals are kept (GB IHDs show 13 months of history).
RETENTION_MONTHS = 13

#: Intervals of one fuel in a range, optionally of one source (parameters from :func:`_range`).
_IN_RANGE = "fuel = ? AND start_us >= ? AND start_us < ? AND (? IS NULL OR source = ?)"

_SECOND_US = 1_000_000
_DAY_US = 86_400 * _SECOND_US

# SQL giving the bucket's local date ('YYYY-MM-DD') from ``local_s``, local epoch seconds.
_BUCKET_SQL: dict[str, str] = {
    "day": "date(local_s, 'unixepoch')",
    "week": "date(local_s, 'unixepoch', '-6 days', 'weekday 1')",
    "month": "strftime('%Y-%m-01', local_s, 'unixepoch')",
}


class ReadingsRepository:
    """Intervals per fuel, their aggregates, and the latest live reading per fuel.

    Args:
        database: The open database.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    def add_intervals(self, intervals: Iterable[Interval], source: IntervalSource) -> int:
        """Store intervals in one transaction, replacing rows of the same fuel, start, duration.

        A history row replaces a live one of the same key; a live row never replaces history.

        Args:
            intervals: The intervals (any number: one ``executemany``, one transaction).
            source: Where they came from.

        Returns:
            How many rows were inserted or replaced.
        """
        rows = [
            (
                interval.fuel.value,
                micros_of(interval.start),
                micros_of_duration(interval.duration),
                interval.kwh,
                source,
            )
            for interval in intervals
        ]
        return self._upsert(rows)

    def add_profile(
        self,
        fuel: Fuel,
        end: datetime,
        duration: timedelta,
        kwh_newest_first: Sequence[float],
        source: IntervalSource,
    ) -> int:
        """Store consecutive intervals ending at ``end``, newest first (a GetProfileResponse),
        like :meth:`add_intervals` of the same intervals but without building them one by one.

        Returns:
            How many rows were inserted or replaced.
        """
        return self.add_profiles([(fuel, end, kwh_newest_first)], duration, source)

    def add_profiles(
        self,
        profiles: Sequence[tuple[Fuel, datetime, Sequence[float]]],
        duration: timedelta,
        source: IntervalSource,
    ) -> int:
        """Store several GetProfileResponse blocks (fuel, end, kWh newest first) as
        :meth:`add_profile` does, in one transaction: one commit for all of them.

        Returns:
            How many rows were inserted or replaced.
        """
        duration_us = micros_of_duration(duration)
        rows = [
            (fuel.value, end_us - duration_us * (n + 1), duration_us, kwh, source)
            for fuel, end, kwh_newest_first in profiles
            for end_us in (micros_of(end),)
            for n, kwh in enumerate(kwh_newest_first)
        ]
        return self._upsert(rows)

    def add_raw_profiles(
        self, profiles: Sequence[RawProfile], duration: timedelta, source: IntervalSource
    ) -> int:
        """Store GetProfileResponse blocks as received (see :data:`RawProfile`), as
        :meth:`add_profiles` stores the same blocks in kWh, in one transaction.

        Returns:
            How many rows were inserted or replaced.
        """
        with self._db.transaction() as connection:
            return upsert_raw_profiles(connection, profiles, duration, source)

    def _upsert(self, rows: Sequence[tuple[str, int, int, float, str]]) -> int:
        """Insert or replace ``(fuel, start_us, duration_us, kwh, source)`` rows: one
        ``executemany`` in one transaction; history replaces live, never the reverse."""
        with self._db.transaction() as connection:
            before = connection.total_changes
            connection.executemany(
                "INSERT INTO intervals (fuel, start_us, duration_us, kwh, source) "
                "VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (fuel, start_us, duration_us) DO UPDATE "
                "SET kwh = excluded.kwh, source = excluded.source "
                "WHERE excluded.source = 'history' OR intervals.source = 'live'",
                rows,
            )
            return connection.total_changes - before

    def intervals(
        self,
        fuel: Fuel,
        start: datetime,
        end: datetime,
        source: IntervalSource | None = None,
    ) -> list[Interval]:
        """Intervals of ``fuel`` starting in ``[start, end)``, oldest first.

        Args:
            fuel: Electricity or gas.
            start: First start included.
            end: First start excluded.
            source: Only intervals from this source (``None``: both).
        """
        rows = self._db.connection.execute(
            "SELECT start_us, duration_us, kwh FROM intervals "
            "WHERE fuel = ? AND start_us >= ? AND start_us < ? AND (? IS NULL OR source = ?) "
            "ORDER BY start_us, duration_us",
            _range(fuel, start, end, source),
        ).fetchall()
        return [
            Interval(fuel, utc_of_micros(start_us), timedelta(microseconds=duration_us), kwh)
            for start_us, duration_us, kwh in rows
        ]

    def aggregates(
        self,
        fuel: Fuel,
        start: datetime,
        end: datetime,
        bucket: Bucket,
        *,
        tz: tzinfo = UTC,
        source: IntervalSource | None = None,
    ) -> list[Interval]:
        """Energy of ``fuel`` summed per day, ISO week or month, oldest bucket first.

        Only intervals starting in ``[start, end)`` count, so a bucket cut by the range holds
        part of its energy; buckets without intervals are left out.

        Args:
            fuel: Electricity or gas.
            start: First interval start included.
            end: First interval start excluded.
            bucket: ``"day"``, ``"week"`` (Monday to Sunday) or ``"month"``.
            tz: Time zone whose calendar defines the buckets (default UTC).
            source: Only intervals from this source (``None``: both).

        Returns:
            One interval per bucket: its start (local midnight, as a UTC datetime), its length
            (a local day may last 23 or 25 hours) and the summed kWh.
        """
        parameters = _range(fuel, start, end, source)
        bounds = self._db.connection.execute(
            "SELECT MIN(start_us), MAX(start_us) FROM intervals "
            "WHERE fuel = ? AND start_us >= ? AND start_us < ? AND (? IS NULL OR source = ?)",
            parameters,
        ).fetchone()
        if bounds[0] is None:
            return []
        offset_sql, offset_parameters = _offset_case(tz, int(bounds[0]), int(bounds[1]))
        # Only this module's constant SQL is interpolated; every value is bound.
        query = (
            f"SELECT bucket, SUM(kwh) FROM ("  # noqa: S608
            f"SELECT {_BUCKET_SQL[bucket]} AS bucket, kwh FROM ("
            f"SELECT (start_us + {offset_sql}) / {_SECOND_US} AS local_s, kwh "
            f"FROM intervals WHERE {_IN_RANGE})) GROUP BY bucket ORDER BY bucket"
        )
        rows = self._db.connection.execute(query, (*offset_parameters, *parameters)).fetchall()
        result = []
        for label, kwh in rows:
            first = date.fromisoformat(label)
            bucket_start = _local_midnight(first, tz)
            bucket_end = _local_midnight(_next_bucket(first, bucket), tz)
            result.append(Interval(fuel, bucket_start, bucket_end - bucket_start, kwh))
        return result

    def latest_interval_start(
        self, fuel: Fuel, source: IntervalSource | None = "history"
    ) -> datetime | None:
        """Start of the newest stored interval, to resume a backfill after it.

        Args:
            fuel: Electricity or gas.
            source: Only this source; the default, ``"history"``, is what a backfill of the
                meter's history resumes from (live intervals may be newer). ``None``: both.
        """
        query = "SELECT MAX(start_us) FROM intervals WHERE fuel = ?"
        parameters: tuple[str, ...] = (fuel.value,)
        if source is not None:
            query += " AND source = ?"
            parameters = (fuel.value, source)
        row = self._db.connection.execute(query, parameters).fetchone()
        return None if row[0] is None else utc_of_micros(int(row[0]))

    def count(self, fuel: Fuel, source: IntervalSource | None = None) -> int:
        """How many intervals of ``fuel`` are stored (of ``source``; ``None``: both)."""
        query = "SELECT COUNT(*) FROM intervals WHERE fuel = ?"
        parameters: tuple[str, ...] = (fuel.value,)
        if source is not None:
            query += " AND source = ?"
            parameters = (fuel.value, source)
        return int(self._db.connection.execute(query, parameters).fetchone()[0])

    def prune(self, older_than: datetime) -> int:
        """Delete intervals (of both fuels) that start before ``older_than``.

        Returns:
            How many were deleted.
        """
        cutoff = micros_of(older_than)
        with self._db.transaction() as connection:
            # One range of the primary key per fuel (there is no index by start alone).
            return sum(
                connection.execute(
                    "DELETE FROM intervals WHERE fuel = ? AND start_us < ?", (fuel.value, cutoff)
                ).rowcount
                for fuel in Fuel
            )

    def maintain(self, now: datetime) -> int:
        """Apply the retention: keep intervals of the last :data:`RETENTION_MONTHS` months.

        Run it at start-up and once a day.

        Args:
            now: The current time.

        Returns:
            How many intervals were deleted.
        """
        return self.prune(retention_cutoff(now))

    def save_latest(self, reading: Reading) -> None:
        """Keep ``reading`` as its fuel's latest (shown at start-up, before the first report)."""
        with self._db.transaction() as connection:
            connection.execute(
                "INSERT INTO latest_readings (fuel, at, demand_w, summation_wh, supply) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (fuel) DO UPDATE SET at = excluded.at, "
                "demand_w = excluded.demand_w, summation_wh = excluded.summation_wh, "
                "supply = excluded.supply",
                (
                    reading.fuel.value,
                    text_of(reading.at),
                    reading.demand_w,
                    reading.summation_wh,
                    None if reading.supply is None else int(reading.supply),
                ),
            )

    def latest(self, fuel: Fuel) -> Reading | None:
        """The latest reading saved for ``fuel``, or ``None``."""
        row = self._db.connection.execute(
            "SELECT at, demand_w, summation_wh, supply FROM latest_readings WHERE fuel = ?",
            (fuel.value,),
        ).fetchone()
        if row is None:
            return None
        at, demand_w, summation_wh, supply = row
        return Reading(
            fuel,
            datetime_of(at),
            demand_w,
            summation_wh,
            None if supply is None else SupplyStatus(supply),
        )


def upsert_raw_profiles(
    connection: sqlite3.Connection,
    profiles: Sequence[RawProfile],
    duration: timedelta,
    source: IntervalSource,
) -> int:
    """Insert or replace the intervals of ``profiles`` in the open transaction of
    ``connection`` (history replaces live, never the reverse); how many rows changed.

    One statement for all of them: SQLite expands the blocks (a JSON array of fuel, end, scale
    and values) into rows and computes each start and kWh itself, with the same IEEE
    operations as :meth:`ReadingsRepository.add_profiles` (``value * wh_per_unit / 1000``;
    each Wh per unit is bound as a float, never through JSON text), so the rows are equal to
    the last bit. This costs half as much as binding 255 rows a block from Python.
    """
    if not profiles:
        return 0
    scales = sorted({wh_per_unit for _, _, _, wh_per_unit in profiles})
    blocks = json_text(
        [
            [fuel.value, micros_of(end), scales.index(wh_per_unit), list(values)]
            for fuel, end, values, wh_per_unit in profiles
        ]
    )
    scale = " ".join(f"WHEN {n} THEN ?{n + 4}" for n in range(len(scales)))
    before = connection.total_changes
    # Only this module's SQL and numbers are interpolated; every value is bound.
    connection.execute(
        "WITH block AS MATERIALIZED (SELECT json_extract(value, '$[0]') AS fuel, "  # noqa: S608
        "json_extract(value, '$[1]') AS end_us, json_extract(value, '$[2]') AS scale, "
        "json_extract(value, '$[3]') AS intervals FROM json_each(?1)) "
        "INSERT INTO intervals (fuel, start_us, duration_us, kwh, source) "
        "SELECT block.fuel, block.end_us - ?2 * (interval.key + 1), ?2, "
        f"interval.value * (CASE block.scale {scale} END) / 1000.0, ?3 "
        "FROM block, json_each(block.intervals) AS interval "
        "WHERE true "  # an upsert after SELECT needs a WHERE (SQLite's parsing rule)
        "ON CONFLICT (fuel, start_us, duration_us) DO UPDATE "
        "SET kwh = excluded.kwh, source = excluded.source "
        "WHERE excluded.source = 'history' OR intervals.source = 'live'",
        (blocks, micros_of_duration(duration), source, *scales),
    )
    return connection.total_changes - before


def retention_cutoff(now: datetime) -> datetime:
    """``now`` minus :data:`RETENTION_MONTHS` calendar months (day clamped to the month's end)."""
    year, month_index = divmod(now.year * 12 + now.month - 1 - RETENTION_MONTHS, 12)
    month = month_index + 1
    day = min(now.day, calendar.monthrange(year, month)[1])
    return now.replace(year=year, month=month, day=day)


def _range(
    fuel: Fuel, start: datetime, end: datetime, source: IntervalSource | None
) -> tuple[Any, ...]:
    """The parameters of :data:`_IN_RANGE`."""
    return (fuel.value, micros_of(start), micros_of(end), source, source)


def _offset_us(tz: tzinfo, micros: int) -> int:
    offset = utc_of_micros(micros).astimezone(tz).utcoffset()
    return 0 if offset is None else micros_of_duration(offset)


def _offset_case(tz: tzinfo, first_us: int, last_us: int) -> tuple[str, Sequence[int]]:
    """SQL for the UTC offset of ``start_us`` in ``tz`` over ``[first_us, last_us]``.

    The offset is constant between transitions (daylight saving), so it is a ``CASE`` over the
    few transitions in the range, found by sampling daily and bisecting to the microsecond.
    """
    segments = [(first_us, _offset_us(tz, first_us))]
    cursor = first_us
    while cursor < last_us:
        following = min(cursor + _DAY_US, last_us)
        if _offset_us(tz, following) != segments[-1][1]:
            low, high = cursor, following  # offset(low) is the old one, offset(high) the new
            while high - low > 1:
                middle = (low + high) // 2
                if _offset_us(tz, middle) == segments[-1][1]:
                    low = middle
                else:
                    high = middle
            segments.append((high, _offset_us(tz, high)))
        cursor = following
    if len(segments) == 1:
        return "?", (segments[0][1],)
    sql = "CASE"
    parameters: list[int] = []
    for (_, offset), (next_start, _) in itertools.pairwise(segments):
        sql += " WHEN start_us < ? THEN ?"
        parameters += [next_start, offset]
    sql += " ELSE ? END"
    parameters.append(segments[-1][1])
    return sql, parameters


def _local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def _next_bucket(first: date, bucket: Bucket) -> date:
    if bucket == "day":
        return first + timedelta(days=1)
    if bucket == "week":
        return first + timedelta(days=7)
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)
