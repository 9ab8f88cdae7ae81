"""What the IHD writes back to the meter: each signed reply verified and handled once (a re-sent
one is a duplicate), then followed through: a receipt, "displayed", acknowledgement or error
notification moves its message on in the status table, for the display that sent it and for
the message (or the attack console), the consumer's consent is stored, and a history request is
queued for answering. The first display's acknowledgement of a message is the one its originator
is told of (``originator.acknowledged``, once per message)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from ihd_app.protocol.consent_terms import (
    Grant,
    GrantError,
    grant_from_details,
    grants_from_legacy,
)
from ihd_app.protocol.demand_response import Agreement
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.verification import VerifiedMessage, Verifier
from ihd_app.protocol.zcl import (
    Endpoint,
    EventStatus,
    GetProfile,
    MessageConfirmation,
    ReportEventStatus,
)
from ihd_app.protocol.zcl.clusters import enum_label
from ihd_app.protocol.zcl.primitives import utc_to_datetime
from meter_emulator import faults as fault_hooks
from meter_emulator.attacks.console import AttackConsole
from meter_emulator.behaviour.load_control import LoadControl
from meter_emulator.faults import Fault, FaultRefusalError
from meter_emulator.operator.status import MessageRecord, StatusTable
from meter_emulator.state import MeterState

#: Reply types of the IHD and the event the meter logs for each.
REPLY_EVENTS: Mapping[str, str] = {
    "message.receipt": "receipt",
    "message.displayed": "displayed",
    "message.confirmation": "ack.received",
    "error.notification": "error.received",
    "consent.update": "consent.received",
    "history.request": "history.requested",
    "demand.status": "demand.status.received",
    "demand.agreement": "demand.agreement.received",
}


class IhdReplies:
    """Handles the units the IHD writes to the meter.

    Args:
        state: The meter's saved state (replies handled, consent).
        verifier: The meter's verifier.
        status: The status table.
        attacks: The attack console (follows the replies about its forgeries).
        events: Where events go.
        faults: Rules the meter breaks on purpose.
        history_requested: Queues a history request (endpoint, GetProfile, details) for
            answering.
        clock: The wall clock.
        load_control: Takes the householder's agreements to direct control.
    """

    def __init__(
        self,
        state: MeterState,
        verifier: Verifier,
        status: StatusTable,
        attacks: AttackConsole,
        events: EventLog,
        faults: frozenset[Fault],
        *,
        history_requested: Callable[[Endpoint, GetProfile, Mapping[str, object]], None],
        clock: Callable[[], datetime],
        load_control: LoadControl | None = None,
        prepay: Callable[[VerifiedMessage, str], None] | None = None,
    ) -> None:
        self._state = state
        self._load_control = load_control
        self._verifier = verifier
        self._status = status
        self._attacks = attacks
        self._events = events
        self._faults = faults
        self._history_requested = history_requested
        self._clock = clock
        self._prepay = prepay

    def on_unit_from_ihd(self, data: bytes, display: str) -> None:
        """A unit display ``display`` wrote on its link; its effects are saved together."""
        with self._state.reply():
            self._handle_unit_from_ihd(data, display)

    def on_segment_error(self, reason: str, detail: str) -> None:
        """A write of the IHD that could not be reassembled."""
        self._events.emit("ihd.segment-error", reason=reason, detail=detail)

    def _handle_unit_from_ihd(self, data: bytes, display: str) -> None:
        digest = hashlib.sha256(data).hexdigest()
        if self._state.handled(digest):
            # The IHD re-sent a reply it could not be sure was delivered (crash, dropped link):
            # it was handled once, and handling it again would count it twice.
            self._events.emit("duplicate", digest=digest[:16])
            return
        verdict = self._verifier.verify(data)
        if not verdict.accepted:
            self._events.emit(
                "ihd.rejected",
                reason=verdict.reason.value if verdict.reason else None,
                detail=verdict.detail,
            )
            return
        message = verdict.message
        assert message is not None
        if message.claims.issuer != display:
            # Signed by another display than the one proven on this link: relayed.
            self._events.emit(
                "ihd.rejected",
                reason=Reason.WRONG_SESSION.value,
                detail=f"a reply of {message.claims.issuer} on the link of {display}",
            )
            return
        if fault_hooks.refuses_reply(self._faults, message.message_type.name):
            raise FaultRefusalError(
                f"{message.message_type.name} refused on purpose (--fault); not confirmed"
            )
        try:
            self._follow(message, digest)
        finally:
            # Remembered last, once its event is in the log and its effects are made: killed
            # before this append, the meter handles the re-sent reply again (the same digest
            # logged twice, every effect idempotent) rather than calling it a duplicate of a
            # reply whose event the kill lost, which left the operator without the receipt.
            # A reply whose effects failed is remembered all the same, as its counter is.
            self._state.remember(digest)

    def _follow(self, message: VerifiedMessage, digest: str) -> None:
        """Log a verified reply and make its effects."""
        command = message.unit.command if message.unit is not None else None
        details = dict(message.claims.details)
        name = message.message_type.name
        refers_to = details.get("refers_to")
        fields: dict[str, object] = {
            "originator": message.claims.issuer,
            "message_id": getattr(command, "message_id", None),
            "details": details,
            # One signed reply has one digest: a reader of the log tells a reply logged again
            # (re-sent across a kill, see below) from a second reply.
            "digest": digest[:16],
        }
        record = None
        if isinstance(refers_to, str):
            fields["refers_to"] = refers_to
            record = self._status.get(refers_to)
            if record is not None:
                fields.update(subject_type=record.type, subject_role=record.role)
        self._events.emit(REPLY_EVENTS.get(name, name), **fields)
        if isinstance(refers_to, str):
            at = (
                utc_to_datetime(command.confirmation_time)
                if isinstance(command, MessageConfirmation)
                else None
            )
            self._on_reply(name, refers_to, details, at, command, record, message.claims.issuer)
        if name == "consent.update":
            self._on_consent(details)
        if name == "demand.agreement" and self._load_control is not None:
            agreement = Agreement.from_details(details)
            if agreement is None:
                self._events.emit(
                    "demand.agreement-unreadable",
                    detail="the display's agreement has no originator, device classes or time",
                )
            else:
                self._load_control.set_agreement(agreement)
        if isinstance(command, ReportEventStatus):
            self._on_event_status(command, message.claims.issuer, record)
        if name.startswith("prepay.") and self._prepay is not None:
            self._prepay(message, message.claims.issuer)
        if (
            isinstance(command, GetProfile)
            and message.unit is not None
            and fault_hooks.answers_history(self._faults)
        ):
            self._history_requested(message.unit.endpoint, command, details)

    def _on_reply(
        self,
        name: str,
        refers_to: str,
        details: Mapping[str, object],
        at: datetime | None,
        command: object,
        record: MessageRecord | None,
        ihd_id: str,
    ) -> None:
        """Move the message ``refers_to`` on in the status table, for display ``ihd_id`` and
        for the message (or the attack console)."""
        if self._attacks.on_reply(name, refers_to, details):
            return
        if record is None:
            return
        when = at or self._clock()
        display = record.display(ihd_id)
        if name == "message.receipt":
            record.receipt_at = record.receipt_at or when
            display.receipt_at = display.receipt_at or when
        elif name == "message.displayed":
            record.displayed_at = record.displayed_at or when
            display.displayed_at = display.displayed_at or when
        elif name == "message.confirmation":
            answer = getattr(command, "confirmation_control", None) != 0x01
            display.acknowledged_at = display.acknowledged_at or when
            display.acknowledged_answer = answer
            if record.acknowledged_at is None:
                # One acknowledgement is enough: the first display's goes to the originator.
                record.acknowledged_at, record.acknowledged_answer = when, answer
                self._events.emit(
                    "originator.acknowledged",
                    key=record.key,
                    originator=record.originator,
                    role=record.role,
                    type=record.type,
                    message_id=record.message_id,
                    ihd_id=ihd_id,
                    answer=answer,
                    at=when.isoformat(timespec="seconds"),
                )
        elif name == "error.notification":
            if display.accepted:
                # About a second copy of an accepted message (a replay): the message stands.
                return
            reason = details.get("reason")
            display.rejected_reason = str(reason) if reason is not None else "unknown"
            display.rejected_detail = str(details.get("explanation", ""))
            if not record.accepted_by_ihd:
                record.rejected_reason = display.rejected_reason
                record.rejected_detail = display.rejected_detail
                record.rejected_at = str(details.get("at", ""))
        self._events.emit("status", **record.to_dict())

    def _on_event_status(
        self, report: ReportEventStatus, ihd_id: str, record: MessageRecord | None
    ) -> None:
        """A display's ReportEventStatus goes back to the event's originator (the status row of
        the event it refers to names both)."""
        status = enum_label(EventStatus, report.event_status)
        if record is not None:
            record.event_status = f"{ihd_id}: {status}"
        self._events.emit(
            "originator.demand-status",
            event_id=report.issuer_event_id,
            status=status,
            at=utc_to_datetime(report.event_status_time).isoformat(timespec="seconds"),
            ihd_id=ihd_id,
            originator=record.originator if record is not None else None,
            role=record.role if record is not None else None,
            key=record.key if record is not None else None,
        )
        if record is not None:
            self._events.emit("status", **record.to_dict())

    def _on_consent(self, details: Mapping[str, object]) -> None:
        entries = details.get("grants")
        legacy = details.get("consent")
        try:
            if isinstance(entries, list):
                grants = [grant_from_details(entry) for entry in entries]
            elif isinstance(legacy, Mapping):
                at = _signed_at(details)
                choices = {str(k): v for k, v in legacy.items() if isinstance(v, bool)}
                grants = grants_from_legacy(choices, at)
            else:
                return
        except GrantError as error:
            # Signed by the display but unusable: the consents the meter has stay as they
            # are (nothing is widened), and the operator log says why.
            self._events.emit("consent.unreadable", detail=str(error))
            return
        self._state.set_grants(grants)
        self._events.emit(
            "consent.stored",
            consent=consent_summary(self._state.grants),
            grants=[g.to_details() for g in self._state.grants],
        )


def _signed_at(details: Mapping[str, object]) -> datetime:
    """When the display made the choices (its ``at``), or the epoch if it said nothing."""
    at = details.get("at")
    try:
        moment = datetime.fromisoformat(at) if isinstance(at, str) else None
    except ValueError:
        moment = None
    return moment if moment is not None and moment.tzinfo else datetime.fromtimestamp(0, UTC)


def consent_summary(grants: Sequence[Grant]) -> dict[str, str]:
    """``party/purpose`` -> the granularity allowed (or ``none``), for the event log."""
    return {
        f"{g.party}/{g.purpose}": g.granularity.value if g.granularity else "none" for g in grants
    }
