"""The inbox: what happens to a verified message between arrival and the past list (DESIGN.md §7).

Everything here is a pure function of immutable values. :class:`Inbox` never changes; each
operation returns an :class:`InboxUpdate` holding the new inbox, the messages that changed (for
the service to persist by key), the events to log and the replies to sign and queue::

    message = message_from_verified(verdict.message, received_at=now, envelope=data)
    update = inbox.receive(message, now)
    store.save(update.changed); outbox.queue(update.replies); log(update.events)
    inbox = update.inbox

Lifecycle::

    SCHEDULED --start reached--> RECEIVED --mark_displayed--> DISPLAYED
        |                           |                            |
        +-----------+---------------+--------------+-------------+
                    v                              v
     EXPIRED (end passed), SUPERSEDED (same originator   ACKNOWLEDGED (the consumer,
     and message id arrived), CANCELLED (its originator   from RECEIVED or DISPLAYED)
     withdrew it)

Final states (acknowledged, expired, superseded, cancelled) never change again: every operation
that would change one raises :class:`FinalMessageError` instead.

Replies (:class:`Reply`) follow seed use case 12 step 5 and gas use case 04 step 3: a delivery
receipt when a message is received, "message displayed" when it is first shown, and a
MessageConfirmation when the consumer acknowledges a message that requires confirmation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ihd_app.core.model import (
    Importance,
    InboxMessage,
    MessageState,
    OutboxKind,
    StateChange,
)
from ihd_app.core.readings import Fuel
from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.verification import VerifiedMessage
from ihd_app.protocol.zcl import CancelAllMessages, CancelMessage, DisplayMessage, Endpoint
from ihd_app.protocol.zcl.messaging import START_NOW, UNTIL_CHANGED
from ihd_app.protocol.zcl.primitives import utc_to_datetime

# -- errors ------------------------------------------------------------------------------------


class InboxError(IhdError):
    """An inbox operation that cannot be done; the message says why in one sentence."""


class NotADisplayMessageError(InboxError):
    """A verified message that does not carry a DisplayMessage (tariffs, cancellations...)."""


class UnknownMessageError(InboxError):
    """No message with this key (or message id) is in the inbox."""


class DuplicateMessageError(InboxError):
    """A message with the same key (envelope ``cti``) is already in the inbox."""


class InvalidTransitionError(InboxError):
    """The message's state does not allow this operation (e.g. acknowledging a scheduled one).

    Attributes:
        key: The message's key.
        state: Its state.
        action: What was attempted ("acknowledge", "cancel"...).
    """

    def __init__(self, key: str, state: MessageState, action: str, detail: str = "") -> None:
        super().__init__(detail or f"cannot {action} message {key}: it is {state.value}")
        self.key = key
        self.state = state
        self.action = action


class FinalMessageError(InvalidTransitionError):
    """The message is acknowledged, expired, superseded or cancelled: it can never change."""

    def __init__(self, key: str, state: MessageState, action: str) -> None:
        super().__init__(
            key,
            state,
            action,
            f"cannot {action} message {key}: it is already {state.value}, which is final",
        )


class NotOriginatorError(InboxError):
    """A cancellation from someone other than the message's originator.

    Attributes:
        message_id: The MessageID named.
        requester: Who asked.
        owners: Who does own messages with that id.
    """

    def __init__(self, message_id: int, requester: str, owners: Iterable[str]) -> None:
        self.message_id = message_id
        self.requester = requester
        self.owners = tuple(sorted(set(owners)))
        super().__init__(
            f"{requester} may not cancel message {message_id}: it was sent by "
            f"{', '.join(self.owners)}"
        )


# -- building a message from a verified envelope ----------------------------------------------

_IMPORTANCE = {
    0: Importance.LOW,
    1: Importance.MEDIUM,
    2: Importance.HIGH,
    3: Importance.CRITICAL,
}


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InboxError(f"{name} must be a timezone-aware datetime, got {moment.isoformat()}")


def message_from_verified(
    verified: VerifiedMessage, *, received_at: datetime, envelope: bytes
) -> InboxMessage:
    """The inbox message for a verified envelope carrying a DisplayMessage.

    Everything about the originator comes from the verified signer certificate, never from the
    unverified parts of the envelope: ``originator_id`` is the certificate's entity id,
    ``originator_name`` its organisation (the entity id when it has none), ``role`` its role.

    * importance and confirmation from MessageControl;
    * start: ``received_at`` when StartTime is 0, else the UTCTime;
    * end: start + DurationInMinutes, or ``None`` for 0xFFFF (until changed); a duration of 0
      ends the message as it starts (it expires without being shown);
    * fuel from the unit's endpoint; title from the message type; details from the claims;
    * key: the envelope's ``cti`` in hex;
    * state SCHEDULED if it starts after ``received_at``, else RECEIVED, with one history entry.

    Raises:
        NotADisplayMessageError: The envelope carries something else.
        InboxError: ``received_at`` is naive.
    """
    _require_aware(received_at, "received_at")
    unit = verified.unit
    if unit is None or not isinstance(unit.command, DisplayMessage):
        carried = "no ZCL payload" if unit is None else type(unit.command).__name__
        raise NotADisplayMessageError(
            f"'{verified.message_type.name}' carries {carried}, not a DisplayMessage"
        )
    command = unit.command
    start = received_at if command.start_time == START_NOW else utc_to_datetime(command.start_time)
    end = (
        None
        if command.duration_minutes == UNTIL_CHANGED
        else start + timedelta(minutes=command.duration_minutes)
    )
    signer = verified.signer
    name = signer.organisation or signer.entity_id
    if start > received_at:
        state = MessageState.SCHEDULED
        note = f"verified from {name} ({verified.role.value}); shows from {_hm(start)}"
    else:
        state = MessageState.RECEIVED
        note = f"verified from {name} ({verified.role.value})"
    return InboxMessage(
        key=verified.claims.token_id.hex(),
        message_id=command.message_id,
        type=verified.message_type.name,
        title=verified.message_type.title,
        text=command.message,
        importance=_IMPORTANCE[int(command.control.importance)],
        confirmation_required=command.control.confirmation_required,
        originator_id=signer.entity_id,
        originator_name=name,
        role=verified.role.value,
        fuel=Fuel.of(unit.endpoint),
        received_at=received_at,
        start_at=start,
        end_at=end,
        state=state,
        history=(StateChange(state, received_at, note),),
        details=dict(verified.claims.details),
        envelope=bytes(envelope),
    )


def _hm(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


# -- what an operation produces ---------------------------------------------------------------

#: The event name (DESIGN.md §8) for entering each state; RECEIVED and SCHEDULED have none
#: because the service logs ``message.accepted`` when it verifies the envelope.
EVENT_NAMES: Mapping[MessageState, str] = {
    MessageState.DISPLAYED: "message.displayed",
    MessageState.ACKNOWLEDGED: "message.acknowledged",
    MessageState.EXPIRED: "message.expired",
    MessageState.CANCELLED: "message.cancelled",
    MessageState.SUPERSEDED: "message.superseded",
}


@dataclass(frozen=True)
class InboxEvent:
    """Something for the event log (``--events``).

    Attributes:
        name: ``message.displayed``, ``message.acknowledged``, ``message.expired``,
            ``message.cancelled`` or ``message.superseded``.
        message: The message as it is after the change.
    """

    name: str
    message: InboxMessage

    def to_event(self) -> dict[str, object]:
        """The event's fields (without ``ts`` and ``event``)."""
        note = self.message.history[-1].note if self.message.history else ""
        return {
            "id": self.message.message_id,
            "key": self.message.key,
            "type": self.message.type,
            "originator": self.message.originator_id,
            "note": note,
        }


_REPLY_SHORT = {
    OutboxKind.RECEIPT: "receipt",
    OutboxKind.DISPLAYED: "displayed",
    OutboxKind.CONFIRMATION: "confirmation",
}


@dataclass(frozen=True)
class Reply:
    """A reply the display owes the originator; the service signs and queues it.

    Attributes:
        kind: :attr:`OutboxKind.RECEIPT`, :attr:`OutboxKind.DISPLAYED` or
            :attr:`OutboxKind.CONFIRMATION` (its value is the message type to sign).
        message_key: The key of the message replied to (``refers_to``).
        message_id: Its ZCL MessageID.
        originator_id: Who sent it (where the reply is going, through the meter).
        fuel: The endpoint the message came on.
        at: When the event replied to happened (receipt, first display, acknowledgement).
        answer_yes: MessageConfirmation's answer (confirmations only).
    """

    kind: OutboxKind
    message_key: str
    message_id: int
    originator_id: str
    fuel: Fuel
    at: datetime
    answer_yes: bool = True

    @property
    def dedupe_key(self) -> str:
        """``receipt:<key>``, ``displayed:<key>`` or ``confirmation:<key>``: one per message."""
        return f"{_REPLY_SHORT[self.kind]}:{self.message_key}"

    def request(self) -> MessageRequest:
        """What to compose and sign for this reply."""
        return MessageRequest(
            self.kind.value,
            message_id=self.message_id,
            fuel=Endpoint.GAS if self.fuel is Fuel.GAS else Endpoint.ELECTRICITY,
            refers_to=self.message_key,
            answer_yes=self.answer_yes,
            at=self.at,
        )


@dataclass(frozen=True)
class PendingCancelAll:
    """A CancelAllMessages whose ImplementationTime is still in the future.

    Attributes:
        originator_id: Whose messages it cancels.
        originator_name: How to name them in the note.
        at: When it takes effect.
        issued_at: When it was received: messages received after this are not affected.
    """

    originator_id: str
    originator_name: str
    at: datetime
    issued_at: datetime


@dataclass(frozen=True)
class InboxUpdate:
    """The result of an inbox operation.

    Attributes:
        inbox: The inbox after the operation.
        changed: Every message added or changed, as it now is, each key once, in the order
            first touched; persist them by key.
        events: Events to log, in order.
        replies: Replies to sign and queue, in order.
    """

    inbox: Inbox
    changed: tuple[InboxMessage, ...] = ()
    events: tuple[InboxEvent, ...] = ()
    replies: tuple[Reply, ...] = ()

    @property
    def empty(self) -> bool:
        """No message changed and nothing is due (the inbox may still hold a new pending
        cancellation: keep :attr:`inbox` anyway)."""
        return not (self.changed or self.events or self.replies)

    def then(self, later: InboxUpdate) -> InboxUpdate:
        """This update followed by ``later`` (which must have been computed on ``self.inbox``)."""
        changed = {m.key: m for m in self.changed}
        changed.update((m.key, m) for m in later.changed)
        return InboxUpdate(
            inbox=later.inbox,
            changed=tuple(changed.values()),
            events=self.events + later.events,
            replies=self.replies + later.replies,
        )


# -- the inbox ---------------------------------------------------------------------------------


def _transition(
    message: InboxMessage, state: MessageState, at: datetime, note: str
) -> InboxMessage:
    if message.state.is_final:
        raise FinalMessageError(message.key, message.state, f"mark {state.value}")
    # History stays in order even if ``at`` (an end or implementation time) precedes a
    # transition already recorded, e.g. a stored-and-forwarded message that arrived late.
    if message.history and at < message.history[-1].at:
        at = message.history[-1].at
    return replace(message, state=state, history=(*message.history, StateChange(state, at, note)))


def _newest_first(message: InboxMessage) -> tuple[datetime, datetime, str]:
    return (message.start_at, message.received_at, message.key)


class _Changes:
    """Collects the effects of one operation."""

    def __init__(self, inbox: Inbox) -> None:
        self.original = inbox
        self.messages = dict(inbox._messages)
        self.changed: dict[str, InboxMessage] = {}
        self.events: list[InboxEvent] = []
        self.replies: list[Reply] = []

    def put(self, message: InboxMessage) -> None:
        self.messages[message.key] = message
        self.changed[message.key] = message
        event = EVENT_NAMES.get(message.state)
        if event is not None:
            self.events.append(InboxEvent(event, message))

    def reply(self, kind: OutboxKind, message: InboxMessage, at: datetime) -> None:
        self.replies.append(
            Reply(kind, message.key, message.message_id, message.originator_id, message.fuel, at)
        )

    def update(self, pending: tuple[PendingCancelAll, ...]) -> InboxUpdate:
        if not (self.changed or self.replies) and pending == self.original.pending_cancellations:
            return InboxUpdate(self.original)
        return InboxUpdate(
            inbox=Inbox(self.messages.values(), pending),
            changed=tuple(self.changed.values()),
            events=tuple(self.events),
            replies=tuple(self.replies),
        )


class Inbox:
    """An immutable set of inbox messages, keyed by :attr:`InboxMessage.key`.

    Build one from stored messages with ``Inbox(store.messages(), pending)``; every operation
    returns an :class:`InboxUpdate` whose ``inbox`` replaces this one.

    Args:
        messages: The messages (each key once).
        pending: CancelAllMessages commands waiting for their ImplementationTime.

    Raises:
        DuplicateMessageError: Two messages share a key.
    """

    __slots__ = ("_messages", "_pending")

    def __init__(
        self,
        messages: Iterable[InboxMessage] = (),
        pending: Iterable[PendingCancelAll] = (),
    ) -> None:
        by_key: dict[str, InboxMessage] = {}
        for message in messages:
            if message.key in by_key:
                raise DuplicateMessageError(f"message {message.key} is in the inbox twice")
            by_key[message.key] = message
        self._messages: Mapping[str, InboxMessage] = by_key
        self._pending: tuple[PendingCancelAll, ...] = tuple(sorted(pending, key=lambda p: p.at))

    # -- queries -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._messages)

    def __iter__(self) -> Iterator[InboxMessage]:
        return iter(self._messages.values())

    def __contains__(self, key: object) -> bool:
        return key in self._messages

    def __repr__(self) -> str:
        return f"Inbox({len(self._messages)} messages, {len(self._pending)} pending)"

    @property
    def pending_cancellations(self) -> tuple[PendingCancelAll, ...]:
        """CancelAllMessages waiting for their ImplementationTime, soonest first."""
        return self._pending

    def get(self, key: str) -> InboxMessage:
        """The message with ``key``.

        Raises:
            UnknownMessageError: There is none.
        """
        try:
            return self._messages[key]
        except KeyError:
            raise UnknownMessageError(f"no message {key} in the inbox") from None

    def current(self) -> list[InboxMessage]:
        """Messages on display (received or displayed): most important first, then newest."""
        shown = [m for m in self._messages.values() if m.state.is_current]
        shown.sort(key=_newest_first, reverse=True)
        shown.sort(key=lambda m: m.importance.rank, reverse=True)
        return shown

    def scheduled(self) -> list[InboxMessage]:
        """Messages waiting for their start time, soonest first."""
        waiting = [m for m in self._messages.values() if m.state is MessageState.SCHEDULED]
        return sorted(waiting, key=lambda m: (m.start_at, m.received_at, m.key))

    def past(self) -> list[InboxMessage]:
        """Acknowledged, expired, superseded and cancelled messages, newest first."""
        done = [m for m in self._messages.values() if m.state.is_final]
        return sorted(done, key=_newest_first, reverse=True)

    def takeover(self) -> InboxMessage | None:
        """The message that fills the screen: the most important current high or critical one
        (critical beats high, then the newest), or ``None``."""
        return next((m for m in self.current() if m.takes_over_screen), None)

    def owners_of(self, message_id: int) -> frozenset[str]:
        """Originators of not-yet-final messages with ``message_id`` (of any, if none is live).

        Message ids are unique per originator only, so two originators can share one.
        """
        matching = [m for m in self._messages.values() if m.message_id == message_id]
        live = [m for m in matching if not m.state.is_final]
        return frozenset(m.originator_id for m in (live or matching))

    def owner_of(self, message_id: int) -> str | None:
        """Who originated ``message_id``, for the verifier's ``message_owner`` lookup.

        ``None`` if no message has that id, or if several originators use it (then the
        verifier cannot tell and :meth:`cancel` still only touches the requester's own).

        An inbox never changes, so give the verifier a function that reads the *latest* inbox
        (``lambda message_id: service.inbox.owner_of(message_id)``), not this bound method of
        one inbox value.
        """
        owners = self.owners_of(message_id)
        return next(iter(owners)) if len(owners) == 1 else None

    # -- operations ----------------------------------------------------------------------------

    def receive(self, message: InboxMessage, now: datetime) -> InboxUpdate:
        """Add a newly verified message.

        A not-final message from the same originator with the same message id becomes
        SUPERSEDED (the new one replaces it at once, even if the new one is scheduled). A
        receipt reply is always due. If the new message's start or end has already passed at
        ``now`` (a stored-and-forwarded message), it moves on as :meth:`tick` would.

        Raises:
            DuplicateMessageError: Its key is already in the inbox.
            InvalidTransitionError: It is not SCHEDULED or RECEIVED.
        """
        _require_aware(now, "now")
        if message.key in self._messages:
            raise DuplicateMessageError(f"message {message.key} is already in the inbox")
        if message.state not in (MessageState.SCHEDULED, MessageState.RECEIVED):
            raise InvalidTransitionError(message.key, message.state, "receive")
        changes = _Changes(self)
        for old in list(changes.messages.values()):
            if (
                old.originator_id == message.originator_id
                and old.message_id == message.message_id
                and not old.state.is_final
            ):
                changes.put(
                    _transition(
                        old,
                        MessageState.SUPERSEDED,
                        now,
                        f"replaced by a newer message ({message.title}, {message.key[:8]})",
                    )
                )
        changes.put(message)
        changes.reply(OutboxKind.RECEIPT, message, now)
        self._advance(changes, message.key, now)
        return changes.update(self._pending)

    def tick(self, now: datetime) -> InboxUpdate:
        """Apply what time does: start times reached, end times passed, pending
        CancelAllMessages whose ImplementationTime came.

        SCHEDULED becomes RECEIVED at its start; RECEIVED, DISPLAYED (and SCHEDULED never shown)
        become EXPIRED at their end. History records the time it happened (start, end or
        implementation time), not ``now``.
        """
        _require_aware(now, "now")
        changes = _Changes(self)
        due = [p for p in self._pending if p.at <= now]
        pending = tuple(p for p in self._pending if p.at > now)
        # Apply cancellations and expiries in time order: a message that ended before the
        # cancellation came into force expired; one cancelled before its end was cancelled.
        for cancellation in due:
            for key in list(changes.messages):
                self._advance(changes, key, cancellation.at)
            _cancel_all_now(changes, cancellation, cancellation.at)
        for key in list(changes.messages):
            self._advance(changes, key, now)
        return changes.update(pending)

    @staticmethod
    def _advance(changes: _Changes, key: str, now: datetime) -> None:
        message = changes.messages[key]
        if message.state is MessageState.SCHEDULED and message.start_at <= now:
            if message.end_at is not None and message.end_at <= message.start_at:
                changes.put(
                    _transition(
                        message, MessageState.EXPIRED, message.start_at, "ended as it started"
                    )
                )
                return
            message = _transition(
                message, MessageState.RECEIVED, message.start_at, "start time reached"
            )
            changes.put(message)
        if message.end_at is not None and message.end_at <= now and not message.state.is_final:
            note = (
                "ended before it was shown"
                if message.state is MessageState.SCHEDULED
                else "its duration ran out"
            )
            changes.put(_transition(message, MessageState.EXPIRED, message.end_at, note))

    def mark_displayed(self, key: str, now: datetime) -> InboxUpdate:
        """The message is on screen: RECEIVED becomes DISPLAYED and "displayed" goes back.

        Showing an already displayed message again changes nothing (an empty update).

        Raises:
            UnknownMessageError: No such message.
            FinalMessageError: It is final.
            InvalidTransitionError: It is still scheduled.
        """
        _require_aware(now, "now")
        message = self.get(key)
        if message.state is MessageState.DISPLAYED:
            return InboxUpdate(self)
        if message.state.is_final:
            raise FinalMessageError(key, message.state, "display")
        if message.state is not MessageState.RECEIVED:
            raise InvalidTransitionError(
                key,
                message.state,
                "display",
                f"cannot display message {key} before its start time {_hm(message.start_at)}",
            )
        changes = _Changes(self)
        changes.put(_transition(message, MessageState.DISPLAYED, now, "shown to the consumer"))
        changes.reply(OutboxKind.DISPLAYED, message, now)
        return changes.update(self._pending)

    def acknowledge(self, key: str, now: datetime, *, answer_yes: bool = True) -> InboxUpdate:
        """The consumer acknowledged (or, if it needs no confirmation, dismissed) a message.

        Any current message may be acknowledged. A RECEIVED one is first marked DISPLAYED
        (the consumer saw it), so "displayed" still goes back. A MessageConfirmation reply is due
        only for a message that requires confirmation.

        Raises:
            UnknownMessageError: No such message.
            FinalMessageError: It is already final (acknowledged, expired, superseded,
                cancelled).
            InvalidTransitionError: It is still scheduled.
        """
        _require_aware(now, "now")
        message = self.get(key)
        if message.state.is_final:
            raise FinalMessageError(key, message.state, "acknowledge")
        if not message.state.is_current:
            raise InvalidTransitionError(
                key,
                message.state,
                "acknowledge",
                f"cannot acknowledge message {key}: it is not shown before {_hm(message.start_at)}",
            )
        changes = _Changes(self)
        if message.state is MessageState.RECEIVED:
            message = _transition(message, MessageState.DISPLAYED, now, "shown to the consumer")
            changes.put(message)
            changes.reply(OutboxKind.DISPLAYED, message, now)
        note = (
            "acknowledged by the consumer"
            if message.confirmation_required
            else "dismissed by the consumer"
        )
        if message.confirmation_required and not answer_yes:
            note += " (answered no)"
        changes.put(_transition(message, MessageState.ACKNOWLEDGED, now, note))
        if message.confirmation_required:
            changes.replies.append(
                Reply(
                    OutboxKind.CONFIRMATION,
                    message.key,
                    message.message_id,
                    message.originator_id,
                    message.fuel,
                    now,
                    answer_yes,
                )
            )
        return changes.update(self._pending)

    def cancel(self, message_id: int, originator_id: str, now: datetime) -> InboxUpdate:
        """CancelMessage: ``originator_id`` withdraws its message ``message_id``.

        Only the originator's own not-final messages with that id change (scheduled ones too).

        Raises:
            UnknownMessageError: No message has that id.
            NotOriginatorError: Messages with that id exist, none from ``originator_id``.
            FinalMessageError: The originator's messages with that id are all final already.
        """
        _require_aware(now, "now")
        matching = [m for m in self._messages.values() if m.message_id == message_id]
        if not matching:
            raise UnknownMessageError(f"no message with id {message_id} to cancel")
        own = [m for m in matching if m.originator_id == originator_id]
        if not own:
            raise NotOriginatorError(message_id, originator_id, (m.originator_id for m in matching))
        live = [m for m in own if not m.state.is_final]
        if not live:
            newest = max(own, key=_newest_first)
            raise FinalMessageError(newest.key, newest.state, "cancel")
        changes = _Changes(self)
        for message in live:
            changes.put(
                _transition(
                    message,
                    MessageState.CANCELLED,
                    now,
                    f"withdrawn by {message.originator_name}",
                )
            )
        return changes.update(self._pending)

    def cancel_all(
        self,
        originator_id: str,
        implementation_time: datetime | None,
        now: datetime,
        *,
        originator_name: str = "",
    ) -> InboxUpdate:
        """CancelAllMessages from ``originator_id``: withdraw all of its own messages.

        ZSE: "cancel all existing display messages" at ImplementationTime (0 = now). Here that is
        scoped to the requester's messages (a DNO cannot clear a supplier's), and "existing"
        means received no later than the command (``now``): a message that arrives after the
        command is a newer instruction and is not withdrawn by it. With an ImplementationTime in
        the future the command waits in :attr:`pending_cancellations` until :meth:`tick` reaches
        it; messages that end before then expire as usual.

        Args:
            originator_id: The verified originator.
            implementation_time: When it applies; ``None`` (UTCTime 0) or a past time: now.
            now: When the command was received.
            originator_name: How to name the originator in notes (default: its messages' name).
        """
        _require_aware(now, "now")
        name = originator_name or next(
            (
                m.originator_name
                for m in self._messages.values()
                if m.originator_id == originator_id
            ),
            originator_id,
        )
        cancellation = PendingCancelAll(
            originator_id, name, implementation_time or now, issued_at=now
        )
        if implementation_time is not None and implementation_time > now:
            return InboxUpdate(Inbox(self._messages.values(), (*self._pending, cancellation)))
        changes = _Changes(self)
        _cancel_all_now(changes, cancellation, now)
        return changes.update(self._pending)

    def apply_cancel(self, verified: VerifiedMessage, now: datetime) -> InboxUpdate:
        """Apply a verified ``message.cancel`` (CancelMessage or CancelAllMessages).

        The originator is the verified signer.

        Raises:
            InboxError: The envelope carries another command, or as :meth:`cancel`.
        """
        unit = verified.unit
        originator = verified.signer.entity_id
        if unit is not None and isinstance(unit.command, CancelMessage):
            return self.cancel(unit.command.message_id, originator, now)
        if unit is not None and isinstance(unit.command, CancelAllMessages):
            raw = unit.command.implementation_time
            at = None if raw == START_NOW else utc_to_datetime(raw)
            return self.cancel_all(
                originator,
                at,
                now,
                originator_name=verified.signer.organisation or originator,
            )
        carried = "no ZCL payload" if unit is None else type(unit.command).__name__
        raise InboxError(f"'{verified.message_type.name}' carries {carried}, not a cancellation")


def _cancel_all_now(changes: _Changes, cancellation: PendingCancelAll, at: datetime) -> None:
    for message in list(changes.messages.values()):
        if (
            message.originator_id == cancellation.originator_id
            and not message.state.is_final
            and message.received_at <= cancellation.issued_at
        ):
            changes.put(
                _transition(
                    message,
                    MessageState.CANCELLED,
                    at,
                    f"withdrawn by {cancellation.originator_name} (all messages)",
                )
            )


__all__ = [
    "EVENT_NAMES",
    "DuplicateMessageError",
    "FinalMessageError",
    "Inbox",
    "InboxError",
    "InboxEvent",
    "InboxUpdate",
    "InvalidTransitionError",
    "NotADisplayMessageError",
    "NotOriginatorError",
    "PendingCancelAll",
    "Reply",
    "UnknownMessageError",
    "message_from_verified",
]
