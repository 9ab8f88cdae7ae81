"""The durable outbox: IHD-signed envelopes kept until the meter confirms them (DESIGN.md §7).

Receipts, "displayed" notices, acknowledgements and error notifications are queued here and
resent, byte for byte, until the meter confirms delivery. Each logical item has a dedupe key
(``confirmation:<message key>``...) that is UNIQUE in the table, so one item is queued at most
once, whatever crashes, retries or repeated button presses happen; delivered rows are kept (not
deleted) so a late duplicate still finds its key taken. Queue an item in the same
:meth:`Database.transaction` as the state change that causes it, and neither can exist without
the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ihd_app.core.model import OutboxItem, OutboxKind
from ihd_app.store._codec import datetime_of, optional_datetime_of, text_of
from ihd_app.store.database import Database

_COLUMNS = "id, kind, dedupe_key, envelope, created_at, attempts, delivered_at, last_error"


class Outbox:
    """The ``outbox`` table.

    Args:
        database: The open database.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    def enqueue(
        self, kind: OutboxKind, dedupe_key: str, envelope: bytes, at: datetime
    ) -> OutboxItem | None:
        """Queue an envelope for delivery, unless its logical item is already queued.

        Args:
            kind: What it is.
            dedupe_key: Unique per logical item.
            envelope: The signed bytes to send.
            at: When it was queued.

        Returns:
            The new item, or ``None`` if an item with ``dedupe_key`` exists (pending or
            delivered; :meth:`get` returns it). Never two rows for one key.
        """
        with self._db.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO outbox (kind, dedupe_key, envelope, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (dedupe_key) DO NOTHING",
                (kind.value, dedupe_key, bytes(envelope), text_of(at)),
            )
            if cursor.rowcount == 0:
                return None
            row_id = cursor.lastrowid
        return OutboxItem(
            id=int(row_id or 0),
            kind=kind,
            dedupe_key=dedupe_key,
            envelope=bytes(envelope),
            created_at=at,
        )

    def get(self, dedupe_key: str) -> OutboxItem | None:
        """The item with ``dedupe_key`` (pending or delivered), or ``None``."""
        row = self._db.connection.execute(_select("WHERE dedupe_key = ?"), (dedupe_key,)).fetchone()
        return None if row is None else _item(row)

    def by_id(self, item_id: int) -> OutboxItem | None:
        """The item with row id ``item_id``, or ``None``."""
        row = self._db.connection.execute(_select("WHERE id = ?"), (item_id,)).fetchone()
        return None if row is None else _item(row)

    def pending(self, limit: int | None = None) -> list[OutboxItem]:
        """Items not yet delivered, in the order queued (delivery order).

        Args:
            limit: At most this many (``None``: all).
        """
        rows = self._db.connection.execute(
            _select("WHERE delivered_at IS NULL ORDER BY id LIMIT ?"),
            (-1 if limit is None else limit,),
        ).fetchall()
        return [_item(row) for row in rows]

    def pending_count(self) -> int:
        """How many items wait for delivery."""
        row = self._db.connection.execute(
            "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL"
        ).fetchone()
        return int(row[0])

    def mark_attempt(self, item_id: int, error: str = "") -> None:
        """Count a delivery attempt of a pending item and why it failed (delivered: no-op).

        Args:
            item_id: The item's id.
            error: Why the attempt failed (empty if the outcome is not known yet).
        """
        with self._db.transaction() as connection:
            connection.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? "
                "WHERE id = ? AND delivered_at IS NULL",
                (error, item_id),
            )

    def mark_delivered(self, item_id: int, at: datetime) -> bool:
        """Record that the meter confirmed an item. Idempotent: the first time is kept.

        Args:
            item_id: The item's id.
            at: When the meter confirmed it.

        Returns:
            Whether this call marked it (``False``: already delivered, or no such item).
        """
        with self._db.transaction() as connection:
            cursor = connection.execute(
                "UPDATE outbox SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL",
                (text_of(at), item_id),
            )
            return cursor.rowcount == 1

    def delivered(self, dedupe_key: str) -> bool:
        """Whether the item with ``dedupe_key`` has been delivered."""
        row = self._db.connection.execute(
            "SELECT delivered_at IS NOT NULL FROM outbox WHERE dedupe_key = ?", (dedupe_key,)
        ).fetchone()
        return row is not None and bool(row[0])


def _select(clauses: str) -> str:
    # Only this module's constant text is ever interpolated; values are always bound.
    return f"SELECT {_COLUMNS} FROM outbox {clauses}"  # noqa: S608


def _item(row: Sequence[Any]) -> OutboxItem:
    item_id, kind, dedupe_key, envelope, created_at, attempts, delivered_at, last_error = row
    return OutboxItem(
        id=item_id,
        kind=OutboxKind(kind),
        dedupe_key=dedupe_key,
        envelope=bytes(envelope),
        created_at=datetime_of(created_at),
        attempts=attempts,
        delivered_at=optional_datetime_of(delivered_at),
        last_error=last_error,
    )
