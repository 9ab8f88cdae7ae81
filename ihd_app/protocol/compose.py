"""Composing the payload and details of each message type from what a sender wants to say.

The operator console, the attack console, the IHD's outbox and ``meter-emulator sign`` all build
messages here, so a given intent always gives the same ZCL command and the same details.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ihd_app.protocol.envelope.claims import DetailValue
from ihd_app.protocol.errors import EncodeError
from ihd_app.protocol.message_types import Flow, message_type
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl import (
    MESSAGING,
    CancelAllMessages,
    CancelMessage,
    ChangeSupply,
    DefaultResponse,
    Direction,
    DisplayMessage,
    Endpoint,
    GetProfile,
    Importance,
    MessageConfirmation,
    MessageControl,
    PublishPrice,
    PublishTariffInformation,
    SupplyStatus,
    Unit,
    ZclStatus,
)
from ihd_app.protocol.zcl.primitives import datetime_to_utc
from ihd_app.protocol.zcl.unit import Command

#: Prices travel as pence per kWh (or per day) with this many digits after the point.
PRICE_TRAILING_DIGITS = 4
#: ISO 4217 numeric code of the pound sterling.
CURRENCY_GBP = 826
_SCALE = 10_000  # 10 ** PRICE_TRAILING_DIGITS
UNTIL_CHANGED = 0xFFFF
CONFIRMATION_YES = 0x02
CONFIRMATION_NO = 0x01
#: The supply-switch commands and the Proposed Supply Status each carries: a disconnection
#: switches off; an enable (and a DNO's safety clear) arms, and the consumer switches back on.
SUPPLY_COMMANDS: Mapping[str, SupplyStatus] = {
    "supply.disconnect": SupplyStatus.OFF,
    "supply.arm": SupplyStatus.ARMED,
    "safety.clear": SupplyStatus.ARMED,
}

#: Which ZCL status an error notification carries for each reason code.
REASON_STATUS: Mapping[Reason, ZclStatus] = {
    Reason.MALFORMED: ZclStatus.MALFORMED_COMMAND,
    Reason.OVERSIZE: ZclStatus.MALFORMED_COMMAND,
    Reason.UNSUPPORTED_VERSION: ZclStatus.UNSUP_CLUSTER_COMMAND,
    Reason.BAD_SIGNATURE: ZclStatus.NOT_AUTHORIZED,
    Reason.UNKNOWN_SIGNER: ZclStatus.NOT_AUTHORIZED,
    Reason.UNTRUSTED_CHAIN: ZclStatus.NOT_AUTHORIZED,
    Reason.REVOKED_SIGNER: ZclStatus.NOT_AUTHORIZED,
    Reason.EXPIRED_CERTIFICATE: ZclStatus.NOT_AUTHORIZED,
    Reason.ROLE_NOT_AUTHORISED: ZclStatus.NOT_AUTHORIZED,
    Reason.WRONG_TARGET: ZclStatus.NOT_AUTHORIZED,
    Reason.REPLAY: ZclStatus.DUPLICATE_EXISTS,
    Reason.EXPIRED: ZclStatus.INVALID_VALUE,
    Reason.NOT_YET_VALID: ZclStatus.INVALID_VALUE,
    Reason.UNKNOWN_COMMAND: ZclStatus.UNSUP_CLUSTER_COMMAND,
    Reason.WRONG_SESSION: ZclStatus.NOT_AUTHORIZED,
    Reason.NOT_COMMISSIONED: ZclStatus.NOT_AUTHORIZED,
}


@dataclass(frozen=True)
class MessageRequest:
    """What a sender wants to say; which fields matter depends on the type.

    Attributes:
        type_name: The message type.
        message_id: ZCL MessageID (display, cancel, receipts, acknowledgements, errors).
        text: The text shown (display types); for a supply command, why (``why`` in details).
        importance: Display types: low, medium, high or critical.
        confirmation_required: Display types: the consumer must acknowledge it.
        start: Display types: when it starts showing (``None``: now).
        duration_minutes: Display types: how long (``None``: until changed).
        fuel: Which endpoint the unit is for.
        outage_start: Outage types: the outage window's start (in details).
        outage_end: Outage types: the outage window's end (in details).
        threshold_kw: Power threshold types: the threshold (in details).
        grace_s: ``power.threshold-set``: seconds above the threshold before interruption.
        cancel_all: ``message.cancel``: CancelAllMessages instead of CancelMessage.
        price_pence_per_kwh: ``tariff.price``: unit rate (PublishPrice).
        rate_label: ``tariff.price``: label of the rate, e.g. "Peak".
        standing_charge_pence_per_day: ``tariff.price``: sends PublishTariffInformation.
        tariff_label: ``tariff.price``: name of the tariff.
        periods: ``data.request`` / ``history.request``: how many half hours (1-255).
        end: ``data.request`` / ``history.request``: end of the requested period.
        answer_yes: ``message.confirmation``: the consumer's answer.
        reason: ``error.notification``: why the refused message was refused.
        refers_to: ``error.notification`` / receipts: the refused message's ``cti`` in hex.
        consent: ``consent.update`` as displays before consent per purpose sent it: party ->
            whether it may read half-hourly data (the meter still accepts it).
        grants: ``consent.update``: every consent the consumer has given or refused, each a
            :meth:`~ihd_app.protocol.consent_terms.Grant.to_details` map.
        device_id: ``han.device-add`` / ``-remove``: the display's identifier.
        device_certificate_sha256: ``han.device-add``: hex SHA-256 of its certificate.
        at: When the confirmation or error happened (``None``: now).
        extra_details: More details to sign.
        command: ``tariff.price``: a ZCL command to carry as it is (a piece of a time-of-use
            calendar, a price matrix...) instead of one built from the fields above.
    """

    type_name: str
    message_id: int = 0
    text: str = ""
    importance: Importance = Importance.MEDIUM
    confirmation_required: bool = False
    start: datetime | None = None
    duration_minutes: int | None = None
    fuel: Endpoint = Endpoint.ELECTRICITY
    outage_start: datetime | None = None
    outage_end: datetime | None = None
    threshold_kw: float | None = None
    grace_s: int | None = None
    cancel_all: bool = False
    price_pence_per_kwh: float | None = None
    rate_label: str = ""
    standing_charge_pence_per_day: float | None = None
    tariff_label: str = ""
    periods: int = 48
    end: datetime | None = None
    answer_yes: bool = True
    reason: Reason | None = None
    refers_to: str = ""
    consent: Mapping[str, bool] = field(default_factory=dict)
    grants: Sequence[Mapping[str, DetailValue]] = ()
    device_id: str = ""
    device_certificate_sha256: str = ""
    at: datetime | None = None
    extra_details: Mapping[str, DetailValue] = field(default_factory=dict)
    command: Command | None = None


def _fixed(value: float) -> int:
    return round(value * _SCALE)


def _utc(moment: datetime | None) -> int:
    return 0 if moment is None else datetime_to_utc(moment)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def compose(request: MessageRequest, *, tsn: int = 0) -> tuple[bytes, dict[str, DetailValue]]:
    """The payload (ZCL unit bytes, or empty) and details for ``request``.

    Raises:
        EncodeError: Unknown type, missing field, or a value the wire cannot carry.
    """
    spec = message_type(request.type_name)
    if spec is None:
        raise EncodeError(Reason.UNKNOWN_COMMAND, f"unknown message type '{request.type_name}'")
    details: dict[str, DetailValue] = dict(request.extra_details)
    name = spec.name
    at = request.at or datetime.now(UTC)
    unit: Unit | None

    if spec.commands and spec.commands[0].name == "DisplayMessage":
        if not request.text:
            raise EncodeError(Reason.MALFORMED, f"'{name}' needs a text")
        unit = Unit.of(
            DisplayMessage(
                message_id=request.message_id,
                control=MessageControl(
                    importance=request.importance,
                    confirmation_required=request.confirmation_required,
                ),
                start_time=_utc(request.start),
                duration_minutes=UNTIL_CHANGED
                if request.duration_minutes is None
                else request.duration_minutes,
                message=request.text,
            ),
            endpoint=request.fuel,
            tsn=tsn,
        )
        if request.outage_start is not None and request.outage_end is not None:
            if request.outage_end <= request.outage_start:
                raise EncodeError(Reason.MALFORMED, "the outage must end after it starts")
            details["outage"] = {
                "start": _iso(request.outage_start),
                "end": _iso(request.outage_end),
            }
        if request.threshold_kw is not None:
            details["threshold_kw"] = request.threshold_kw
    elif name == "message.cancel":
        command = (
            CancelAllMessages(implementation_time=_utc(request.start))
            if request.cancel_all
            else CancelMessage(message_id=request.message_id)
        )
        unit = Unit.of(command, endpoint=request.fuel, tsn=tsn)
    elif name == "tariff.price":
        unit = _tariff_unit(request, at, tsn)
    elif name == "power.threshold-set":
        if request.threshold_kw is None or request.threshold_kw <= 0:
            raise EncodeError(Reason.MALFORMED, "power.threshold-set needs a positive threshold_kw")
        unit = None
        details["threshold_kw"] = request.threshold_kw
        details["grace_s"] = 60 if request.grace_s is None else request.grace_s
    elif name in ("data.request", "history.request"):
        if not 1 <= request.periods <= 255:
            raise EncodeError(Reason.MALFORMED, "periods must be 1-255 half hours")
        unit = Unit.of(
            GetProfile(
                interval_channel=0,
                end_time=_utc(request.end),
                number_of_periods=request.periods,
            ),
            endpoint=request.fuel,
            tsn=tsn,
        )
    elif name in ("message.receipt", "message.displayed", "message.confirmation"):
        confirmation = MessageConfirmation(
            message_id=request.message_id,
            confirmation_time=datetime_to_utc(at),
            confirmation_control=(CONFIRMATION_YES if request.answer_yes else CONFIRMATION_NO)
            if name == "message.confirmation"
            else None,
        )
        unit = Unit.of(confirmation, endpoint=request.fuel, tsn=tsn)
        if request.refers_to:
            details["refers_to"] = request.refers_to
    elif name == "error.notification":
        if request.reason is None:
            raise EncodeError(Reason.MALFORMED, "error.notification needs a reason")
        unit = Unit.of(
            DefaultResponse(command_id=0x00, status=REASON_STATUS[request.reason]),
            cluster_id=MESSAGING,
            direction=Direction.CLIENT_TO_SERVER,
            endpoint=request.fuel,
            tsn=tsn,
        )
        details["reason"] = request.reason.value
        details["explanation"] = request.reason.explanation
        details["at"] = _iso(at)
        if request.refers_to:
            details["refers_to"] = request.refers_to
        if request.message_id:
            details["message_id"] = request.message_id
    elif name == "consent.update":
        if not request.consent and not request.grants:
            raise EncodeError(Reason.MALFORMED, "consent.update needs at least one party")
        unit = None
        if request.grants:
            details["grants"] = [dict(grant) for grant in request.grants]
        if request.consent:
            details["consent"] = dict(request.consent)
        details["at"] = _iso(at)
    elif name in ("han.device-add", "han.device-remove"):
        if not request.device_id:
            raise EncodeError(Reason.MALFORMED, f"{name} needs the display's identifier")
        unit = None
        device: dict[str, DetailValue] = {"ihd_id": request.device_id}
        details["device"] = device
        if name == "han.device-add":
            fingerprint = request.device_certificate_sha256.lower()
            if len(fingerprint) != 64 or any(c not in "0123456789abcdef" for c in fingerprint):
                raise EncodeError(
                    Reason.MALFORMED,
                    "han.device-add needs the SHA-256 of the display's certificate (64 hex digits)",
                )
            device["certificate_sha256"] = fingerprint
    elif name == "occupier.change":
        # The move-in: the start given, else the time of the request.
        unit = None
        details["moved_in"] = _iso(request.start or at)
    elif name == "data.access":
        # The meter tells the household who asked for its data and what was sent: the record
        # travels in details (``access``), filled in through extra_details.
        if not isinstance(details.get("access"), dict):
            raise EncodeError(Reason.MALFORMED, "data.access needs the access record")
        unit = None
    elif name in SUPPLY_COMMANDS:
        unit = _supply_unit(request, at, tsn)
        if request.text:
            details["why"] = request.text
    elif name == "meter.alert":
        # The alert (kind, GBCS code, severity, time stamp) travels in details (``alert``),
        # filled in through extra_details (:mod:`ihd_app.protocol.alerts`).
        if not isinstance(details.get("alert"), dict):
            raise EncodeError(Reason.MALFORMED, "meter.alert needs the alert")
        unit = None
    elif name.startswith("prepay."):
        # Prepayment (ZSE 0x0705): the command is built by the sender (the meter's prepayment,
        # the display's keypad, the supplier's console); the verifier refuses one the type
        # does not carry. prepay.restore has no ZSE command and travels in details alone.
        unit = (
            None
            if request.command is None
            else Unit.of(request.command, endpoint=request.fuel, tsn=tsn)
        )
        if spec.commands and unit is None:
            raise EncodeError(Reason.MALFORMED, f"'{name}' needs its Prepayment command")
        details["at"] = _iso(at)
    elif spec.flow is Flow.SESSION or name == "session.hello":
        # The handshake's content (nonces, session id, refusal) is all in its details, filled in
        # by ihd_app.protocol.session through extra_details.
        unit = None
    elif name.startswith("netdata."):
        # Network data (ihd_app.protocol.network_data): kind, range or interval in details;
        # the meter checks them, so that a bad one is refused with its reason, not composed.
        unit = None
        if name == "netdata.request":
            if not 1 <= request.periods <= 255:
                raise EncodeError(Reason.MALFORMED, "periods must be 1-255 half hours")
            details.setdefault("periods", request.periods)
            if request.end is not None:  # else up to the meter's now
                details.setdefault("end", _iso(request.end))
    elif name in ("demand.event", "demand.status"):
        # The DRLC command is built by ihd_app.protocol.demand_response and carried as it is; the
        # verifier refuses one the type does not allow (unknown-command).
        if request.command is None:
            raise EncodeError(Reason.MALFORMED, f"{name} needs its DRLC command")
        unit = Unit.of(request.command, endpoint=request.fuel, tsn=tsn)
    elif name == "demand.agreement":
        if not isinstance(details.get("agreement"), dict):
            raise EncodeError(Reason.MALFORMED, "demand.agreement needs the agreement")
        unit = None
    else:  # pragma: no cover - every type of message_types is handled above
        raise EncodeError(Reason.UNKNOWN_COMMAND, f"no composer for '{name}'")
    return (b"" if unit is None else unit.encode()), details


def _supply_unit(request: MessageRequest, at: datetime, tsn: int) -> Unit:
    if request.command is not None:
        # A demonstration of a command the meter must refuse (e.g. a remote switch-on).
        return Unit.of(request.command, endpoint=request.fuel, tsn=tsn)
    return Unit.of(
        ChangeSupply(
            issuer_event_id=request.message_id,
            request_time=datetime_to_utc(at),
            implementation_time=_utc(request.start),
            proposed_supply_status=SUPPLY_COMMANDS[request.type_name],
        ),
        endpoint=request.fuel,
        tsn=tsn,
    )


def _tariff_unit(request: MessageRequest, at: datetime, tsn: int) -> Unit:
    if request.command is not None:
        # The verifier refuses a command tariff.price does not carry (unknown-command).
        return Unit.of(request.command, endpoint=request.fuel, tsn=tsn)
    if request.standing_charge_pence_per_day is not None:
        return Unit.of(
            PublishTariffInformation(
                provider_id=1,
                issuer_event_id=request.message_id,
                issuer_tariff_id=request.message_id,
                start_time=_utc(request.start),
                tariff_type=0x00,
                tariff_label=request.tariff_label or "Standard",
                number_of_price_tiers_in_use=1,
                number_of_block_thresholds_in_use=0,
                price_trailing_digit=PRICE_TRAILING_DIGITS << 4,  # ZSE: digits in the high nibble
                standing_charge=_fixed(request.standing_charge_pence_per_day),
                tier_block_mode=0,
            ),
            endpoint=request.fuel,
            tsn=tsn,
        )
    if request.price_pence_per_kwh is None:
        raise EncodeError(Reason.MALFORMED, "tariff.price needs a unit price or a standing charge")
    return Unit.of(
        PublishPrice(
            provider_id=1,
            rate_label=request.rate_label or "Standard",
            issuer_event_id=request.message_id,
            current_time=datetime_to_utc(at),
            price_trailing_digit=PRICE_TRAILING_DIGITS,
            price_tier=1,
            number_of_price_tiers=1,
            register_tier=1,
            start_time=_utc(request.start),
            duration_minutes=UNTIL_CHANGED
            if request.duration_minutes is None
            else request.duration_minutes,
            price=_fixed(request.price_pence_per_kwh),
        ),
        endpoint=request.fuel,
        tsn=tsn,
    )


__all__ = [
    "CURRENCY_GBP",
    "PRICE_TRAILING_DIGITS",
    "REASON_STATUS",
    "SUPPLY_COMMANDS",
    "MessageRequest",
    "compose",
]
