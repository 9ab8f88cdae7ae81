"""The household's data-access log, in ``data_access_log``: one row per data request the meter
told the display about (its key is the request's, so a notice delivered twice is kept once)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from ihd_app.core.data_access import DataAccess, export_csv
from ihd_app.store._codec import datetime_of, micros_of, text_of
from ihd_app.store.database import Database


class DataAccessLog:
    """Adds and lists :class:`DataAccess` records.

    Args:
        database: The open database.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    def add(self, entry: DataAccess) -> bool:
        """Keep ``entry`` (joins the caller's transaction); ``False`` if it was kept already."""
        with self._db.transaction() as connection:
            cursor = connection.execute(
                "INSERT OR IGNORE INTO data_access_log (key, at, at_us, party, organisation,"
                " purpose, fuel, asked, given, period_start, period_end, value_count, reason)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.key,
                    text_of(entry.at),
                    micros_of(entry.at),
                    entry.party,
                    entry.organisation,
                    entry.purpose,
                    entry.fuel,
                    entry.asked,
                    entry.given,
                    text_of(entry.period_start),
                    text_of(entry.period_end),
                    entry.values,
                    entry.reason,
                ),
            )
        return cursor.rowcount == 1

    def entries(self, limit: int | None = None) -> list[DataAccess]:
        """The newest first (``limit`` of them, or all)."""
        rows = self._db.connection.execute(
            "SELECT key, at, party, organisation, purpose, fuel, asked, given, period_start,"
            " period_end, value_count, reason FROM data_access_log ORDER BY at_us DESC, key"
            " LIMIT ?",
            (-1 if limit is None else limit,),  # SQLite: a negative limit means none
        ).fetchall()
        return [
            DataAccess(
                key=row[0],
                at=datetime_of(row[1]),
                party=row[2],
                organisation=row[3],
                purpose=row[4],
                fuel=row[5],
                asked=row[6],
                given=row[7],
                period_start=datetime_of(row[8]),
                period_end=datetime_of(row[9]),
                values=row[10],
                reason=row[11],
            )
            for row in rows
        ]

    def export(self, path: Path) -> int:
        """Write the whole log to ``path`` as CSV, readable by its owner only (it tells who
        read the household's data); how many requests it lists.

        Raises:
            OSError: The file cannot be written.
        """
        entries = self.entries()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as file:
            file.write(export_csv(entries))
        return len(entries)

    def count(self) -> int:
        """How many requests are logged."""
        (n,) = self._db.connection.execute("SELECT COUNT(*) FROM data_access_log").fetchone()
        return int(n)

    def prune(self, before: datetime) -> int:
        """Delete the entries older than ``before``; how many were deleted."""
        with self._db.transaction() as connection:
            return connection.execute(
                "DELETE FROM data_access_log WHERE at_us < ?", (micros_of(before),)
            ).rowcount
