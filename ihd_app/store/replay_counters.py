"""Replay counters kept in the IHD's database, so a restart cannot re-open a replay window."""

from __future__ import annotations

from ihd_app.store.database import Database

# SQLite integers are signed 64-bit; counters are uint64, so they are stored shifted down by 2^63
# (order is preserved).
_OFFSET = 1 << 63


class SqliteReplayCounters:
    """:class:`ihd_app.protocol.replay.ReplayCounters` on the ``replay_counters`` table."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def last_counter(self, originator: str) -> int | None:
        row = self._db.connection.execute(
            "SELECT last_counter FROM replay_counters WHERE originator = ?", (originator,)
        ).fetchone()
        return None if row is None else int(row[0]) + _OFFSET

    def advance(self, originator: str, counter: int) -> bool:
        # Check-and-set under the write lock (BEGIN IMMEDIATE); inside a caller's
        # Database.transaction() it joins that transaction, so accepting an envelope and
        # storing what it carries can commit together.
        stored = counter - _OFFSET
        with self._db.transaction() as connection:
            row = connection.execute(
                "SELECT last_counter FROM replay_counters WHERE originator = ?", (originator,)
            ).fetchone()
            if row is not None and stored <= int(row[0]):
                return False
            connection.execute(
                "INSERT INTO replay_counters (originator, last_counter) VALUES (?, ?) "
                "ON CONFLICT(originator) DO UPDATE SET last_counter = excluded.last_counter, "
                "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                (originator, stored),
            )
        return True
