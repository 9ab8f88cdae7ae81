"""Verified messages and their state history, in the ``messages`` and ``message_history`` tables.

A message row holds every field of :class:`~ihd_app.core.model.InboxMessage` but its history,
which is append-only in ``message_history`` (one row per :class:`StateChange`, oldest first).
The inbox state machine lives in the core; this repository only stores what it decides, and
:meth:`MessageRepository.transition` makes one decision (new state plus its history row) atomic.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from ihd_app.core.model import Importance, InboxMessage, MessageState, StateChange
from ihd_app.core.readings import Fuel
from ihd_app.store._codec import (
    datetime_of,
    json_text,
    json_value,
    micros_of,
    optional_datetime_of,
    optional_text_of,
    text_of,
)
from ihd_app.store.database import Database

#: States listed by :meth:`MessageRepository.current`: not yet final.
CURRENT_STATES = (MessageState.SCHEDULED, MessageState.RECEIVED, MessageState.DISPLAYED)

_COLUMNS = (
    "key, message_id, type, title, text, importance, confirmation_required, originator_id, "
    "originator_name, role, fuel, received_at, start_at, end_at, state, details, envelope"
)


class MessageRepository:
    """Messages by key (the envelope's ``cti`` in hex), with their history.

    Every write runs in :meth:`Database.transaction`, so it may be part of a caller's larger
    transaction (e.g. a state change and the outbox item it causes).

    Args:
        database: The open database.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    def upsert(self, message: InboxMessage) -> None:
        """Store ``message``, inserting it or replacing every field of the stored one.

        History is append-only: the changes of ``message.history`` not already stored are
        appended, in their order; stored changes are never removed or rewritten. Pass the
        message's whole history (as :meth:`get` returns it plus new steps) or only the new steps.

        Args:
            message: The message to store.
        """
        with self._db.transaction() as connection:
            connection.execute(
                "INSERT INTO messages (key, message_id, type, title, text, importance, "
                "confirmation_required, originator_id, originator_name, role, fuel, received_at, "
                "start_at, end_at, state, details, envelope, received_us) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET message_id = excluded.message_id, "
                "type = excluded.type, title = excluded.title, text = excluded.text, "
                "importance = excluded.importance, "
                "confirmation_required = excluded.confirmation_required, "
                "originator_id = excluded.originator_id, "
                "originator_name = excluded.originator_name, role = excluded.role, "
                "fuel = excluded.fuel, received_at = excluded.received_at, "
                "received_us = excluded.received_us, start_at = excluded.start_at, "
                "end_at = excluded.end_at, state = excluded.state, details = excluded.details, "
                "envelope = excluded.envelope",
                (
                    message.key,
                    message.message_id,
                    message.type,
                    message.title,
                    message.text,
                    message.importance.value,
                    int(message.confirmation_required),
                    message.originator_id,
                    message.originator_name,
                    message.role,
                    message.fuel.value,
                    text_of(message.received_at),
                    text_of(message.start_at),
                    optional_text_of(message.end_at),
                    message.state.value,
                    json_text(dict(message.details)),
                    bytes(message.envelope),
                    micros_of(message.received_at),
                ),
            )
            unstored = list(_history(connection, message.key))
            new: list[StateChange] = []
            for change in message.history:
                if change in unstored:
                    unstored.remove(change)
                else:
                    new.append(change)
            _append_history(connection, message.key, new)

    def transition(
        self,
        key: str,
        state: MessageState,
        at: datetime,
        note: str = "",
        *,
        only_from: Collection[MessageState] | None = None,
    ) -> InboxMessage | None:
        """Move a message to ``state`` and record the step in its history, atomically.

        Args:
            key: The message's key.
            state: The state entered.
            at: When.
            note: Why, in a few words.
            only_from: If given, change only a message currently in one of these states (a
                compare-and-set: a second acknowledgement of the same message changes nothing).

        Returns:
            The message as now stored, or ``None`` if ``only_from`` excluded its state (then
            nothing was written).

        Raises:
            KeyError: No message has this key.
        """
        with self._db.transaction() as connection:
            row = connection.execute("SELECT state FROM messages WHERE key = ?", (key,)).fetchone()
            if row is None:
                raise KeyError(key)
            if only_from is not None and MessageState(row[0]) not in only_from:
                return None
            connection.execute("UPDATE messages SET state = ? WHERE key = ?", (state.value, key))
            _append_history(connection, key, [StateChange(state, at, note)])
            message = self.get(key)
        assert message is not None
        return message

    def get(self, key: str) -> InboxMessage | None:
        """The message with ``key``, or ``None``."""
        return self._one(_select("WHERE key = ?"), (key,))

    def by_message_id(self, originator_id: str, message_id: int) -> InboxMessage | None:
        """The most recently received message of an originator with a ZCL message id.

        An originator may reuse a message id (the newer message supersedes the older one);
        acknowledgements and cancellations refer to the newest.
        """
        return self._one(
            _select(
                "WHERE originator_id = ? AND message_id = ? "
                "ORDER BY received_us DESC, rowid DESC LIMIT 1"
            ),
            (originator_id, message_id),
        )

    def current(self) -> list[InboxMessage]:
        """Messages not yet final (scheduled, received or displayed), newest first."""
        return self._many(
            _select("WHERE state IN (?, ?, ?) ORDER BY received_us DESC, rowid DESC"),
            tuple(state.value for state in CURRENT_STATES),
        )

    def past(self, limit: int | None = None) -> list[InboxMessage]:
        """Final messages (acknowledged, expired, superseded, cancelled), newest first.

        Args:
            limit: At most this many (``None``: all).
        """
        return self._many(
            _select("WHERE state NOT IN (?, ?, ?) ORDER BY received_us DESC, rowid DESC LIMIT ?"),
            (*(state.value for state in CURRENT_STATES), -1 if limit is None else limit),
        )

    def all(self) -> list[InboxMessage]:
        """Every message, in the order received (oldest first)."""
        return self._many(_select("ORDER BY received_us, rowid"), ())

    def count(self) -> int:
        """How many messages are stored."""
        return int(self._db.connection.execute("SELECT COUNT(*) FROM messages").fetchone()[0])

    def _one(self, query: str, parameters: Sequence[object]) -> InboxMessage | None:
        row = self._db.connection.execute(query, parameters).fetchone()
        return None if row is None else self._message(row)

    def _many(self, query: str, parameters: Sequence[object]) -> list[InboxMessage]:
        rows = self._db.connection.execute(query, parameters).fetchall()
        return [self._message(row) for row in rows]

    def _message(self, row: Sequence[Any]) -> InboxMessage:
        (key, message_id, type_, title, text, importance, confirmation_required) = row[:7]
        (originator_id, originator_name, role, fuel, received_at, start_at) = row[7:13]
        (end_at, state, details, envelope) = row[13:]
        return InboxMessage(
            key=key,
            message_id=message_id,
            type=type_,
            title=title,
            text=text,
            importance=Importance(importance),
            confirmation_required=bool(confirmation_required),
            originator_id=originator_id,
            originator_name=originator_name,
            role=role,
            fuel=Fuel(fuel),
            received_at=datetime_of(received_at),
            start_at=datetime_of(start_at),
            end_at=optional_datetime_of(end_at),
            state=MessageState(state),
            history=tuple(_history(self._db.connection, key)),
            details=json_value(details),
            envelope=bytes(envelope),
        )


def _select(clauses: str) -> str:
    # Only this module's constant text is ever interpolated; values are always bound.
    return f"SELECT {_COLUMNS} FROM messages {clauses}"  # noqa: S608


def _history(connection: sqlite3.Connection, key: str) -> list[StateChange]:
    rows = connection.execute(
        "SELECT state, at, note FROM message_history WHERE message_key = ? ORDER BY id", (key,)
    ).fetchall()
    return [StateChange(MessageState(state), datetime_of(at), note) for state, at, note in rows]


def _append_history(
    connection: sqlite3.Connection, key: str, changes: Sequence[StateChange]
) -> None:
    connection.executemany(
        "INSERT INTO message_history (message_key, state, at, note) VALUES (?, ?, ?, ?)",
        [(key, change.state.value, text_of(change.at), change.note) for change in changes],
    )
