"""The meter's side of an operator's message (seed: "the Smart Metering System validates the
request"): verified, given a row in the status table, then queued for the IHD byte for byte
(superseding or cancelling earlier rows), or carried out when it is a command for the meter
(power threshold, data request, supply switch), or refused with a reason code, a detail and a
timestamp."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

from ihd_app.protocol.compose import SUPPLY_COMMANDS
from ihd_app.protocol.demand_response import FlexibilityEvent
from ihd_app.protocol.envelope import parse_envelope
from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.message_types import Flow
from ihd_app.protocol.verification import Verdict, VerifiedMessage, Verifier
from ihd_app.protocol.zcl import (
    CancelAllLoadControlEvents,
    CancelAllMessages,
    CancelLoadControlEvent,
    CancelMessage,
    DisplayMessage,
    LoadControlEvent,
)
from ihd_app.protocol.zcl.unit import decode_unit
from meter_emulator.behaviour.load_control import LoadControl
from meter_emulator.behaviour.meter import MeterBehaviour
from meter_emulator.behaviour.prepay_commands import PrepayCommandError, PrepayCommands
from meter_emulator.delivery import Origin, digest_key
from meter_emulator.han_devices import HanDevices
from meter_emulator.history import HalfHourHistory
from meter_emulator.ihd_delivery import IhdDelivery
from meter_emulator.occupancy import ChangeOfOccupier
from meter_emulator.operator.data_requests import AccessRecord, DataRequests
from meter_emulator.operator.data_responses import DataResponses
from meter_emulator.operator.network_data import NetworkDataService
from meter_emulator.operator.status import FINAL, MessageRecord, StatusTable
from meter_emulator.operator.supply_commands import SupplyCommands
from meter_emulator.state import MeterState


class OperatorForwarding:
    """Verifies operators' envelopes and acts on them.

    Args:
        verifier: The meter's verifier.
        status: The status table.
        behaviour: The meter's behaviour (power threshold, gas valve).
        state: The meter's saved state (the consumer's consent).
        history: The half-hourly history (a data request's answer).
        delivery: The store-and-forward queue's way to the IHD.
        han: The HAN device log (the supplier's han.device-add / han.device-remove).
        events: Where events go.
        clock: The wall clock.
        access_log: Told of every data request answered or refused (the household's
            data-access log).
        data_responses: Seals a data request's answer to the requester and hands it over.
        occupancy: Carries out the supplier's change of occupier.
        network_data: Answers and pushes network data (``netdata.*``).
        load_control: Direct control of the household's flexible loads under its agreement
            (a ``demand.event``).
    """

    def __init__(
        self,
        verifier: Verifier,
        status: StatusTable,
        behaviour: MeterBehaviour,
        state: MeterState,
        history: HalfHourHistory,
        delivery: IhdDelivery,
        han: HanDevices,
        *,
        events: EventLog,
        clock: Callable[[], datetime],
        access_log: Callable[[AccessRecord], object] | None = None,
        occupancy: ChangeOfOccupier | None = None,
        data_responses: DataResponses,
        network_data: NetworkDataService | None = None,
        load_control: LoadControl | None = None,
        prepay: PrepayCommands | None = None,
    ) -> None:
        self._verifier = verifier
        self._status = status
        self._behaviour = behaviour
        self._state = state
        self._history = history
        self._delivery = delivery
        self._han = han
        self._events = events
        self._clock = clock
        self._occupancy = occupancy
        self._network_data = network_data
        self._load_control = load_control
        self._prepay = prepay
        self._data_requests = DataRequests(
            state,
            history,
            data_responses,
            events=events,
            clock=clock,
            recorded=access_log,
        )
        self._supply = SupplyCommands(
            behaviour.remote, events=events, clock=clock, confirm=self._confirm
        )

    def forward(self, envelope: bytes, *, text: str | None = None) -> Verdict:
        """Verify an operator's envelope and act on it (seed: "the Smart Metering System
        validates the request"): a message for the IHD is queued for it byte for byte; a
        command for the meter (threshold, data request) is carried out. A refusal is logged as
        ``operator.error`` with the reason code, the detail and a timestamp: the error
        notification back to the operator.

        Args:
            envelope: The signed envelope.
            text: What the message says (for the status table), if the caller knows it.

        Returns:
            The meter's verdict. The status table has a row for the envelope either way.
        """
        verdict = self._verifier.verify(envelope)
        now = self._clock()
        record = self._record_for(envelope, verdict, now, text)
        if not verdict.accepted:
            assert verdict.reason is not None
            record.refused_reason = verdict.reason.value
            record.refused_detail = verdict.detail
            self._events.emit(
                "operator.error",
                reason=verdict.reason.value,
                detail=verdict.detail,
                explanation=verdict.reason.explanation,
                at=now.isoformat(timespec="seconds"),
                key=record.key,
                type=record.type or None,
                claimed_originator=record.originator or None,
            )
            return verdict
        message = verdict.message
        assert message is not None
        flow = message.message_type.flow
        if flow is Flow.TO_IHD:
            self._track_replacements(message, record, now)
            self._delivery.enqueue(
                envelope, Origin.OPERATOR, message.message_type.name, record=record
            )
            if message.message_type.name == "tariff.price" and self._prepay is not None:
                self._prepay.on_tariff(message)
            if message.message_type.name == "gas.supply-disabled":
                self._behaviour.close_gas_valve(message.signer.organisation or record.originator)
                self._confirm(message, record, "the gas valve is closed")
            elif message.message_type.name == "demand.event" and self._load_control is not None:
                self._on_demand_event(message, record)
        elif flow is Flow.TO_METER:
            self._act(message, record)
        else:
            # Policy gives these types to the IHD only, so this is a misconfigured policy.
            record.refused_reason = "unknown-command"
            record.refused_detail = f"'{record.type}' is a reply of the IHD, not for forwarding"
            self._events.emit(
                "operator.error",
                reason="unknown-command",
                detail=record.refused_detail,
                explanation="The meter does not forward this kind of message.",
                at=now.isoformat(timespec="seconds"),
                key=record.key,
                type=record.type,
                claimed_originator=record.originator,
            )
        return verdict

    def _record_for(
        self, envelope: bytes, verdict: Verdict, now: datetime, text: str | None
    ) -> MessageRecord:
        claims = verdict.message.claims if verdict.message is not None else verdict.claims
        message_id: int | None = None
        said = text or ""
        needs_ack = False
        try:
            unit = decode_unit(parse_envelope(envelope).payload)
        except (DecodeError, ValueError):
            unit = None
        if unit is not None:
            message_id = getattr(unit.command, "message_id", None)
            if isinstance(unit.command, DisplayMessage):
                said = said or unit.command.message
                needs_ack = unit.command.control.confirmation_required
        record = MessageRecord(
            key=claims.token_id.hex() if claims is not None else digest_key(envelope),
            origin="operator",
            role=claims.role if claims is not None else "",
            originator=claims.issuer if claims is not None else "",
            type=claims.type if claims is not None else "",
            message_id=message_id,
            text=said,
            created_at=now,
            needs_ack=needs_ack,
            envelope=envelope,
        )
        if verdict.message is not None:
            record.role = verdict.message.role.value
        return self._status.add(record)

    def _track_replacements(
        self, message: VerifiedMessage, record: MessageRecord, now: datetime
    ) -> None:
        """A newer message of the same id supersedes; a cancellation withdraws."""
        command = message.unit.command if message.unit is not None else None
        originator = message.claims.issuer
        for row in self._status.rows():
            if row is record or row.originator != originator or row.status.value in FINAL:
                continue
            if not row.type or row.type in ("message.cancel", "tariff.price", "demand.event"):
                continue
            same_id = row.message_id == getattr(command, "message_id", None)
            if isinstance(command, DisplayMessage) and same_id:
                row.superseded_by = record.key
            elif (isinstance(command, CancelMessage) and same_id) or isinstance(
                command, CancelAllMessages
            ):
                row.cancelled_at = now

    def _on_demand_event(self, message: VerifiedMessage, record: MessageRecord) -> None:
        """A verified flexibility event: the displays are told (queued above); the meter
        controls the devices it names only as far as the householder agreed."""
        assert self._load_control is not None
        command = message.unit.command if message.unit is not None else None
        originator = message.claims.issuer
        if isinstance(command, LoadControlEvent):
            event = FlexibilityEvent.from_command(
                command, message.claims.details, now=self._clock()
            )
            record.message_id = event.event_id
            record.text = record.text or " ".join(filter(None, (event.title, event.reward)))
            record.outcome = self._load_control.schedule(event, originator)
        elif isinstance(command, CancelLoadControlEvent):
            record.message_id = command.issuer_event_id
            self._load_control.cancel(originator, command.issuer_event_id)
            record.outcome = f"event {command.issuer_event_id} cancelled"
        elif isinstance(command, CancelAllLoadControlEvents):
            self._load_control.cancel(originator, None)
            record.outcome = "every event of this originator cancelled"
        self._events.emit(
            "demand.scheduled",
            key=record.key,
            originator=originator,
            event_id=record.message_id,
            outcome=record.outcome,
        )

    def _confirm(self, message: VerifiedMessage, record: MessageRecord, what: str) -> None:
        """The date- and time-stamped confirmation back to the operator (seed 20 step 3)."""
        if message.message_type.flow is Flow.TO_METER:
            record.carried_out_at = self._clock()
            record.outcome = what
        self._events.emit(
            "operator.confirmed",
            type=message.message_type.name,
            key=record.key,
            originator=message.claims.issuer,
            at=self._clock().isoformat(timespec="seconds"),
            detail=what,
        )

    def _act(self, message: VerifiedMessage, record: MessageRecord) -> None:
        name = message.message_type.name
        who = message.signer.organisation or message.claims.issuer
        if name == "power.threshold-set":
            details = message.claims.details
            kw, grace = details.get("threshold_kw"), details.get("grace_s", 60)
            if not _positive_number(kw) or not _positive_number(grace, allow_zero=True):
                record.refused_reason = "malformed"
                record.refused_detail = "threshold_kw must be above 0 and grace_s 0 or more"
                self._events.emit(
                    "operator.error",
                    reason="malformed",
                    detail=record.refused_detail,
                    explanation="The request's details cannot be used.",
                    at=self._clock().isoformat(timespec="seconds"),
                    key=record.key,
                    type=name,
                    claimed_originator=message.claims.issuer,
                )
                return
            assert isinstance(kw, int | float)
            assert isinstance(grace, int | float)
            self._behaviour.configure_threshold(float(kw), float(grace), who)
            self._confirm(message, record, f"threshold {float(kw):g} kW, grace {float(grace):g} s")
        elif name == "data.request":
            self._data_requests.answer(message, record, who)
        elif name in ("han.device-add", "han.device-remove"):
            self._change_device_log(message, record, who)
        elif name == "occupier.change" and self._occupancy is not None:
            self._change_occupier(message, record, who)
        elif name in SUPPLY_COMMANDS:
            self._supply.carry_out(message, record)
        elif name.startswith("netdata.") and self._network_data is not None:
            self._network_data.act(message, record, who)
        elif name.startswith("prepay.") and self._prepay is not None:
            try:
                outcome = self._prepay.from_supplier(message, who)
            except PrepayCommandError as error:
                record.refused_reason = "malformed"
                record.refused_detail = str(error)
                self._events.emit(
                    "operator.error",
                    reason="malformed",
                    detail=record.refused_detail,
                    explanation="The meter cannot carry out this prepayment command.",
                    at=self._clock().isoformat(timespec="seconds"),
                    key=record.key,
                    type=name,
                    claimed_originator=message.claims.issuer,
                )
                return
            self._confirm(message, record, outcome)

    def _change_occupier(self, message: VerifiedMessage, record: MessageRecord, who: str) -> None:
        """The supplier says the household changed (seed: data must not be obtained for the
        wrong customer): the meter forgets the previous household's consents and pairings."""
        assert self._occupancy is not None
        text = message.claims.details.get("moved_in")
        try:
            moved_in = datetime.fromisoformat(text) if isinstance(text, str) else None
        except ValueError:
            moved_in = None
        if moved_in is None or moved_in.tzinfo is None:
            record.refused_reason = "malformed"
            record.refused_detail = "details.moved_in must be an ISO 8601 time with its offset"
            self._events.emit(
                "operator.error",
                reason="malformed",
                detail=record.refused_detail,
                explanation="The request's details cannot be used.",
                at=self._clock().isoformat(timespec="seconds"),
                key=record.key,
                type=message.message_type.name,
                claimed_originator=message.claims.issuer,
            )
            return
        self._confirm(message, record, self._occupancy.change(moved_in, who))

    def _change_device_log(self, message: VerifiedMessage, record: MessageRecord, who: str) -> None:
        """The supplier commissions a display, or takes it off (seed: only the supplier joins
        a device to the home area network)."""
        device = message.claims.details.get("device")
        ihd_id = device.get("ihd_id") if isinstance(device, dict) else None
        fingerprint = device.get("certificate_sha256") if isinstance(device, dict) else None
        adding = message.message_type.name == "han.device-add"
        if not isinstance(ihd_id, str) or (adding and not _is_sha256_hex(fingerprint)):
            record.refused_reason = "malformed"
            record.refused_detail = (
                "details.device needs ihd_id and, to add, the certificate's SHA-256 in hex"
            )
            self._events.emit(
                "operator.error",
                reason="malformed",
                detail=record.refused_detail,
                explanation="The request's details cannot be used.",
                at=self._clock().isoformat(timespec="seconds"),
                key=record.key,
                type=message.message_type.name,
                claimed_originator=message.claims.issuer,
            )
            return
        if adding:
            assert isinstance(fingerprint, str)
            changed = self._han.commission(ihd_id, fingerprint, who)
            what = f"display {ihd_id} {'added to' if changed else 'already on'} the device log"
        else:
            changed = self._han.decommission(ihd_id, who)
            what = f"display {ihd_id} {'removed from' if changed else 'was not on'} the device log"
        self._confirm(message, record, what)


def _is_sha256_hex(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) == 64
        and all(c in "0123456789abcdef" for c in value.lower())
    )


def _positive_number(value: object, *, allow_zero: bool = False) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    return value >= 0 if allow_zero else value > 0
