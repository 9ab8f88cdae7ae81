"""The display's inbox kept durably: each inbox update stored together with the signed replies it
owes, cancellations waiting for their time kept across restarts, and messages shown as soon as
they are due (the screen is always on)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ihd_app.core.inbox import Inbox, InboxUpdate, PendingCancelAll
from ihd_app.service.replies import ReplySigner
from ihd_app.store.database import Database
from ihd_app.store.messages import MessageRepository
from ihd_app.store.outbox import Outbox
from ihd_app.store.settings import JsonValue, Settings

PENDING_CANCELS_SETTING = "inbox.pending_cancellations"


class InboxKeeper:
    """Holds the current :class:`Inbox` and applies every update to it durably.

    Args:
        db: The database (one transaction per update).
        messages: Where messages are stored.
        outbox: Where replies wait for delivery.
        settings: Where waiting cancellations are kept.
        signer: The display's reply signer, once a meter is known.
        emit: Where DESIGN.md §8 events go.
        changed: Called when the inbox changed.
        wake: Wakes the delivery loop.
        clock: Current time.
        auto_ack: Acknowledge every displayed message that asks for it (headless tests).
    """

    def __init__(
        self,
        db: Database,
        messages: MessageRepository,
        outbox: Outbox,
        settings: Settings,
        *,
        signer: Callable[[], ReplySigner | None],
        emit: Callable[..., Any],
        changed: Callable[[], None],
        wake: Callable[[], None],
        clock: Callable[[], datetime],
        auto_ack: bool,
    ) -> None:
        self._db = db
        self._messages = messages
        self._outbox = outbox
        self._settings = settings
        self._signer = signer
        self._emit = emit
        self._changed = changed
        self._wake = wake
        self._clock = clock
        self._auto_ack = auto_ack
        self.inbox = self._stored_inbox()

    def reload(self) -> None:
        """Forget what memory holds and take the inbox as stored (after a failed write)."""
        self.inbox = self._stored_inbox()

    def _stored_inbox(self) -> Inbox:
        """The inbox as stored: messages, and cancellations waiting for their time."""
        saved = self._settings.get(PENDING_CANCELS_SETTING, [])
        pending = [_pending_from_json(p) for p in saved] if isinstance(saved, list) else []
        return Inbox(self._messages.all(), [p for p in pending if p is not None])

    def owner_of(self, message_id: int) -> str | None:
        """Who sent message ``message_id``, for the verifier's check of a cancel."""
        # Ask the inbox as it is when the cancel arrives: it is replaced on every change.
        return self.inbox.owner_of(message_id)

    def apply(self, update: InboxUpdate) -> None:
        """Persist an inbox update and queue its replies, atomically; then tell everyone."""
        pending = update.inbox.pending_cancellations
        if pending != self.inbox.pending_cancellations:
            # A CancelAllMessages waiting for its ImplementationTime must survive a restart.
            self._settings.set(PENDING_CANCELS_SETTING, [_pending_to_json(p) for p in pending])
        if update.empty:
            self.inbox = update.inbox
            return
        with self._db.transaction():
            for message in update.changed:
                self._messages.upsert(message)
            for reply in update.replies:
                signer = self._signer()
                if signer is None:
                    continue
                envelope = signer.sign(reply.request())
                self._outbox.enqueue(reply.kind, reply.dedupe_key, envelope, reply.at)
        self.inbox = update.inbox
        for event in update.events:
            self._emit(event.name, **event.to_event())
        if update.replies:
            self._wake()
        self._changed()
        if self._auto_ack:
            for event in update.events:
                message = event.message
                if event.name == "message.displayed" and message.confirmation_required:
                    self.apply(self.inbox.acknowledge(message.key, self._clock()))

    def display_due(self, now: datetime) -> None:
        """Show every message that is ready (the screen is always on)."""
        for message in list(self.inbox.current()):
            if message.state.value == "received":
                self.apply(self.inbox.mark_displayed(message.key, now))

    def tick(self, now: datetime) -> None:
        """Start and expire messages on the clock, then show what is due."""
        self.apply(self.inbox.tick(now))
        self.display_due(now)

    def acknowledge(self, key: str, now: datetime) -> None:
        """The consumer acknowledged message ``key``."""
        self.apply(self.inbox.acknowledge(key, now))

    def acknowledge_displayed(self) -> None:
        """``--auto-ack`` at start: acknowledge what was left on display unacknowledged."""
        for message in list(self.inbox.current()):
            if message.state.value == "displayed" and message.confirmation_required:
                self.apply(self.inbox.acknowledge(message.key, self._clock()))


def _pending_to_json(pending: PendingCancelAll) -> JsonValue:
    return {
        "originator_id": pending.originator_id,
        "originator_name": pending.originator_name,
        "at": pending.at.isoformat(),
        "issued_at": pending.issued_at.isoformat(),
    }


def _pending_from_json(value: object) -> PendingCancelAll | None:
    if not isinstance(value, dict):
        return None
    try:
        return PendingCancelAll(
            str(value["originator_id"]),
            str(value["originator_name"]),
            datetime.fromisoformat(str(value["at"])),
            datetime.fromisoformat(str(value["issued_at"])),
        )
    except (KeyError, ValueError):
        return None  # written by a newer or broken version: the cancellation is not applied
