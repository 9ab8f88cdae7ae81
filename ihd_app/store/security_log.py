"""The security log: every refused envelope or unit, in the ``security_log`` table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ihd_app.core.model import SecurityEvent
from ihd_app.store._codec import datetime_of, micros_of, text_of
from ihd_app.store.database import Database


class SecurityLog:
    """Append-only log of :class:`SecurityEvent` values.

    Args:
        database: The open database.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    def append(self, event: SecurityEvent) -> int:
        """Record ``event``; returns its row id."""
        with self._db.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO security_log (at, reason, detail, explanation, claimed_originator, "
                "claimed_type, size, notified, at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    text_of(event.at),
                    event.reason,
                    event.detail,
                    event.explanation,
                    event.claimed_originator,
                    event.claimed_type,
                    event.size,
                    int(event.notified),
                    micros_of(event.at),
                ),
            )
            return int(cursor.lastrowid or 0)

    def events(self, limit: int | None = None, reason: str | None = None) -> list[SecurityEvent]:
        """Logged events, newest first.

        Args:
            limit: At most this many (``None``: all).
            reason: Only events with this reason code.
        """
        rows = self._db.connection.execute(
            "SELECT at, reason, detail, explanation, claimed_originator, claimed_type, size, "
            "notified FROM security_log WHERE ? IS NULL OR reason = ? "
            "ORDER BY at_us DESC, id DESC LIMIT ?",
            (reason, reason, -1 if limit is None else limit),
        ).fetchall()
        return [_event(row) for row in rows]

    def count(self) -> int:
        """How many events are logged."""
        return int(self._db.connection.execute("SELECT COUNT(*) FROM security_log").fetchone()[0])

    def count_by_reason(self) -> dict[str, int]:
        """How many events per reason code (most frequent first)."""
        rows = self._db.connection.execute(
            "SELECT reason, COUNT(*) AS n FROM security_log GROUP BY reason ORDER BY n DESC, reason"
        ).fetchall()
        return {reason: int(n) for reason, n in rows}


def _event(row: Sequence[Any]) -> SecurityEvent:
    at, reason, detail, explanation, claimed_originator, claimed_type, size, notified = row
    return SecurityEvent(
        at=datetime_of(at),
        reason=reason,
        detail=detail,
        explanation=explanation,
        claimed_originator=claimed_originator,
        claimed_type=claimed_type,
        size=size,
        notified=bool(notified),
    )
