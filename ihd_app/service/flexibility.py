"""Flexibility events on the display's side: verified ``demand.event`` envelopes kept on the
board, the statuses owed to each originator signed and queued (received, started, completed,
opted out, cancelled), and the householder's agreements to direct control, kept like consents
(withdrawable, sent to the meter, which enforces them)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ihd_app.core.flexibility import FlexibilityBoard, ShownEvent, StatusDue
from ihd_app.core.model import OutboxKind
from ihd_app.protocol.demand_response import (
    Agreement,
    FlexibilityEvent,
    device_class_names,
    status_request,
)
from ihd_app.protocol.verification import VerifiedMessage
from ihd_app.protocol.zcl import (
    CancelAllLoadControlEvents,
    CancelLoadControlEvent,
    LoadControlEvent,
)
from ihd_app.service.replies import ReplySigner
from ihd_app.store.outbox import Outbox
from ihd_app.store.settings import Settings

EVENTS_SETTING = "flexibility.events"
AGREEMENTS_SETTING = "flexibility.agreements"
#: Events kept after they are over, newest first, for the consumer's list.
KEEP_OVER = 10


class FlexibilityKeeper:
    """The display's flexibility events and direct-control agreements.

    Args:
        settings: Where events and agreements are kept.
        outbox: Where signed statuses and agreements wait for the meter.
        signer: The display's reply signer, once a meter is known.
        emit: Where DESIGN.md §8 events go.
        changed: Called when what the consumer sees changed.
        wake: Wakes the delivery loop.
        clock: Current time.
    """

    def __init__(
        self,
        settings: Settings,
        outbox: Outbox,
        *,
        signer: Callable[[], ReplySigner | None],
        emit: Callable[..., Any],
        changed: Callable[[], None],
        wake: Callable[[], None],
        clock: Callable[[], datetime],
    ) -> None:
        self._settings = settings
        self._outbox = outbox
        self._signer = signer
        self._emit = emit
        self._changed = changed
        self._wake = wake
        self._clock = clock
        rows = settings.get(EVENTS_SETTING, [])
        kept = (
            [ShownEvent.from_json(r) for r in rows if isinstance(r, dict)]
            if isinstance(rows, list)
            else []
        )
        self.board = FlexibilityBoard([e for e in kept if e is not None])

    # -- what the consumer sees -------------------------------------------------------------
    def events(self) -> list[ShownEvent]:
        """Every event kept, soonest first."""
        return self.board.all()

    def running(self) -> ShownEvent | None:
        """The event the household takes part in now, if any."""
        return self.board.running()

    def agreements(self) -> dict[str, int]:
        """Originator -> device classes the householder lets it control directly."""
        raw = self._settings.get(AGREEMENTS_SETTING, {})
        if not isinstance(raw, dict):
            return {}
        agreed = {}
        for originator, row in raw.items():
            value = row.get("device_class") if isinstance(row, dict) else None
            if isinstance(value, int) and not isinstance(value, bool) and value:
                agreed[originator] = value
        return agreed

    # -- what happens -------------------------------------------------------------------------
    def on_message(self, message: VerifiedMessage, now: datetime) -> None:
        """A verified ``demand.event``: an event, a cancellation or a cancellation of all."""
        command = message.unit.command if message.unit is not None else None
        originator = message.claims.issuer
        if isinstance(command, LoadControlEvent):
            event = FlexibilityEvent.from_command(command, message.claims.details, now=now)
            shown = ShownEvent(
                event,
                originator,
                message.signer.organisation or originator,
                message.claims.token_id.hex(),
            )
            self._emit(
                "demand.event.shown",
                event_id=event.event_id,
                originator=originator,
                start=event.start.isoformat(timespec="seconds"),
                minutes=event.minutes,
                reward=event.reward,
                devices=device_class_names(event.device_class),
            )
            self._apply(self.board.receive(shown, now))
        elif isinstance(command, CancelLoadControlEvent):
            self._apply(self.board.cancel(originator, command.issuer_event_id, now))
        elif isinstance(command, CancelAllLoadControlEvents):
            self._apply(self.board.cancel(originator, None, now))

    def tick(self, now: datetime) -> None:
        """Start and complete events as time passes."""
        due = self.board.tick(now)
        if due:
            self._apply(due)

    def opt_out(self, originator: str, event_id: int) -> bool:
        """The consumer will not take part; ``False`` if the event is over or unknown."""
        due = self.board.opt_out(originator, event_id, self._clock())
        if due:
            self._apply(due)
        return bool(due)

    def set_agreement(self, originator: str, device_class: int) -> Agreement:
        """The householder lets ``originator`` control ``device_class`` directly (0: withdraws
        every class); kept (a withdrawal too, so it reaches the meter) and sent to the meter,
        which enforces it."""
        agreement = Agreement(originator, device_class, self._clock())
        raw = self._settings.get(AGREEMENTS_SETTING, {})
        rows = dict(raw) if isinstance(raw, dict) else {}
        rows[originator] = agreement.to_details()
        self._settings.set(AGREEMENTS_SETTING, rows)
        sent = self.queue()
        self._emit(
            "demand.agreement.changed",
            originator=originator,
            devices=device_class_names(device_class),
            withdrawn=not device_class,
            sent=sent,
        )
        self._changed()
        return agreement

    def queue(self) -> bool:
        """Queue the householder's latest word per originator for the meter, once each.

        Called on every change and on every connection: an agreement (or a withdrawal) given
        while no meter was known, or while the link was down, still reaches the meter.

        Returns:
            Whether a signer was there to queue them.
        """
        signer = self._signer()
        raw = self._settings.get(AGREEMENTS_SETTING, {})
        if signer is None or not isinstance(raw, dict):
            return False
        queued = False
        for row in raw.values():
            agreement = Agreement.from_details({"agreement": row})
            if agreement is None:
                continue
            key = (
                f"agreement:{agreement.originator}:{agreement.at.isoformat()}"
                f":{agreement.device_class}"
            )
            if self._outbox.get(key) is None:
                envelope = signer.sign(agreement.request())
                self._outbox.enqueue(OutboxKind.DEMAND_AGREEMENT, key, envelope, agreement.at)
                queued = True
        if queued:
            self._wake()
        return True

    def _apply(self, due: list[StatusDue]) -> None:
        signer = self._signer()
        for item in due:
            shown = item.shown
            status = str(item.status.name).lower()
            self._emit(
                "demand.status",
                event_id=shown.event.event_id,
                originator=shown.originator,
                status=status,
                at=item.at.isoformat(timespec="seconds"),
            )
            if signer is None:
                continue
            envelope = signer.sign(
                status_request(shown.event.event_id, item.status, item.at, shown.key)
            )
            key = f"demand:{shown.originator}:{shown.event.event_id}:{status}"
            self._outbox.enqueue(OutboxKind.DEMAND_STATUS, key, envelope, self._clock())
        if due and signer is not None:
            self._wake()
        self._save()
        self._changed()

    def _save(self) -> None:
        events = self.board.all()
        over = [e for e in events if e.phase.over][-KEEP_OVER:]
        rows = [e.to_json() for e in events if not e.phase.over] + [e.to_json() for e in over]
        self._settings.set(EVENTS_SETTING, rows)  # type: ignore[arg-type]


def agreement_summary(agreements: Mapping[str, int]) -> dict[str, list[str]]:
    """Originator -> the consumer's names of the devices it may control."""
    return {originator: device_class_names(value) for originator, value in agreements.items()}
