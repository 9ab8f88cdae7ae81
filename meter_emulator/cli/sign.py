"""The ``meter-emulator sign`` command: compose a message of any type, sign it with an identity
of a PKI (the demo PKI by default), and write the envelope as CBOR or hex, for firmware
developers' test messages and the ``--send`` option."""

from __future__ import annotations

import argparse
import json
import secrets
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ihd_app.protocol.cli_common import (
    EXIT_OK,
    OneLineParser,
    UsageError,
    number_argument,
    parse_hex,
)
from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.demand_response import (
    FlexibilityEvent,
    parse_device_classes,
    status_request,
)
from ihd_app.protocol.envelope import Claims, sign_envelope
from ihd_app.protocol.message_types import message_type_names
from ihd_app.protocol.pki import Role, load_identity
from ihd_app.protocol.pki.certificates import certificate_id, load_certificate
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.resources import demo_pki_dir
from ihd_app.protocol.timeutil import parse_instant
from ihd_app.protocol.zcl import Endpoint, EventStatus, Importance
from meter_emulator.cli.sign_prepay import add_prepay_arguments, prepay_command


def _instant(text: str) -> datetime:
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _details(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"not JSON: {error.msg} at {error.pos}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object, e.g. '{\"key\": 1}'")
    return value


def _consent(text: str) -> tuple[str, bool]:
    party, _, answer = text.partition("=")
    if not party or answer.lower() not in ("yes", "no"):
        raise argparse.ArgumentTypeError(f"'{text}' is not PARTY=yes or PARTY=no")
    return party, answer.lower() == "yes"


def _fingerprint(value: str | None) -> str:
    """``--device-certificate``: a certificate file's SHA-256, or the hex given."""
    if value is None:
        return ""
    path = Path(value)
    if path.is_file():
        try:
            return certificate_id(load_certificate(path.read_bytes())).hex()
        except (OSError, ValueError) as error:
            raise UsageError(f"--device-certificate {value}: not a certificate ({error})") from None
    return value


def add_sign_parser(commands: argparse._SubParsersAction[OneLineParser]) -> None:
    """Add ``sign`` and its options to ``commands``."""
    parser = commands.add_parser(
        "sign",
        help="compose and sign an envelope of any message type",
        description="Compose a message, sign it with an identity of a PKI, write the envelope.",
    )
    who = parser.add_argument_group("signer and recipient")
    who.add_argument("--role", choices=[r.value for r in Role], help="sign as this role's identity")
    who.add_argument(
        "--identity",
        metavar="NAME",
        help="sign as identities/NAME of the PKI (e.g. rogue-dno); overrides --role",
    )
    who.add_argument("--pki", type=Path, metavar="DIR", help="PKI directory (default: DEMO)")
    who.add_argument("--target", required=True, metavar="ID", help="recipient entity id (aud)")
    who.add_argument("--type", required=True, choices=message_type_names(), dest="type_name")
    envelope = parser.add_argument_group("envelope")
    envelope.add_argument(
        "--counter", type=int, help="originator counter (default: milliseconds since 1970)"
    )
    envelope.add_argument("--issued-at", type=_instant, metavar="TIME", help="iat (default: now)")
    envelope.add_argument("--not-before", type=_instant, metavar="TIME", help="nbf (default: iat)")
    envelope.add_argument(
        "--valid-for", type=float, default=24 * 60, metavar="MIN", help="exp - nbf in minutes"
    )
    envelope.add_argument("--cti", metavar="HEX", help="unique id (default: 16 random bytes)")
    envelope.add_argument(
        "--no-embed-cert", action="store_true", help="omit the signer certificate (x5chain)"
    )
    message = parser.add_argument_group("message")
    message.add_argument("--message-id", type=number_argument("0x1001"), help="ZCL MessageID")
    message.add_argument("--text", default="", help="text to display")
    message.add_argument(
        "--importance", choices=[i.name.lower() for i in Importance], default="medium"
    )
    message.add_argument("--confirm", action="store_true", help="consumer must acknowledge")
    message.add_argument(
        "--start", type=_instant, metavar="TIME", help="display from (default now)"
    )
    message.add_argument(
        "--duration", type=int, metavar="MIN", help="display for (default: until changed)"
    )
    message.add_argument("--fuel", choices=["electricity", "gas"], default=None)
    message.add_argument("--outage-start", type=_instant, metavar="TIME")
    message.add_argument("--outage-end", type=_instant, metavar="TIME")
    message.add_argument("--threshold-kw", type=float, metavar="KW")
    message.add_argument("--grace-s", type=int, metavar="S", help="threshold grace period")
    message.add_argument("--cancel-all", action="store_true", help="message.cancel: cancel all")
    message.add_argument("--price", type=float, metavar="PENCE", help="unit rate, p/kWh")
    message.add_argument("--rate-label", default="", metavar="LABEL")
    message.add_argument("--standing-charge", type=float, metavar="PENCE", help="p/day")
    message.add_argument("--tariff-label", default="", metavar="LABEL")
    message.add_argument("--periods", type=int, default=48, help="half hours requested")
    message.add_argument("--end", type=_instant, metavar="TIME", help="end of requested period")
    message.add_argument("--answer", choices=["yes", "no"], default="yes")
    message.add_argument("--reason", choices=[r.value for r in Reason])
    message.add_argument(
        "--refers-to", default="", metavar="CTI", help="cti of the message referred to"
    )
    message.add_argument(
        "--consent", type=_consent, action="append", metavar="PARTY=yes|no", default=[]
    )
    message.add_argument("--at", type=_instant, metavar="TIME", help="time of confirmation/error")
    message.add_argument(
        "--device-id", default="", metavar="ID", help="han.device-*: the display's identifier"
    )
    message.add_argument(
        "--device-certificate",
        metavar="PEM|SHA256",
        help="han.device-add: the display's certificate file, or its SHA-256 in hex",
    )
    message.add_argument(
        "--details",
        type=_details,
        default={},
        metavar="JSON",
        help='more details to sign, a JSON object (data.access: {"access": {...}})',
    )
    demand = parser.add_argument_group("flexibility (demand.event, demand.status)")
    demand.add_argument(
        "--device-class", default="", metavar="LIST", help="e.g. ev,water_heater,solar"
    )
    demand.add_argument("--reduce-percent", type=int, default=0, metavar="N", help="0-100")
    demand.add_argument("--reward", default="", metavar="TEXT", help="the offer, as shown")
    demand.add_argument(
        "--event-status",
        choices=[str(s.name).lower() for s in EventStatus],
        default="received",
        help="demand.status: what the display reports",
    )
    add_prepay_arguments(parser.add_argument_group("prepayment"))
    parser.add_argument("--out", required=True, type=Path, metavar="FILE", help="envelope file")
    parser.add_argument("--hex", action="store_true", help="write hex text instead of CBOR bytes")


def sign(args: argparse.Namespace) -> int:
    """Run ``meter-emulator sign``: write the envelope, print a JSON line describing it.

    Raises:
        UsageError: No signer named, or the envelope cannot be written.
    """
    pki = args.pki or demo_pki_dir()
    name = args.identity or args.role
    if not name:
        raise UsageError("say who signs: --role ROLE or --identity NAME")
    identity = load_identity(pki, name)
    issued_at = args.issued_at or datetime.now(UTC)
    gas_type = args.type_name.startswith("gas.")
    fuel = (
        Endpoint.GAS
        if (args.fuel == "gas" or (args.fuel is None and gas_type))
        else (Endpoint.ELECTRICITY)
    )
    message_id = args.message_id if args.message_id is not None else secrets.randbits(32)
    request = MessageRequest(
        type_name=args.type_name,
        message_id=message_id,
        text=args.text,
        importance=Importance[args.importance.upper()],
        confirmation_required=args.confirm,
        start=args.start,
        duration_minutes=args.duration,
        fuel=fuel,
        outage_start=args.outage_start,
        outage_end=args.outage_end,
        threshold_kw=args.threshold_kw,
        grace_s=args.grace_s,
        cancel_all=args.cancel_all,
        price_pence_per_kwh=args.price,
        rate_label=args.rate_label,
        standing_charge_pence_per_day=args.standing_charge,
        tariff_label=args.tariff_label,
        periods=args.periods,
        end=args.end,
        answer_yes=args.answer == "yes",
        reason=Reason(args.reason) if args.reason else None,
        refers_to=args.refers_to,
        consent=dict(args.consent),
        device_id=args.device_id,
        device_certificate_sha256=_fingerprint(args.device_certificate),
        at=args.at or issued_at,
        extra_details=args.details,
        command=prepay_command(args, message_id, args.at or issued_at),
    )
    request = _demand_request(args, request, issued_at)
    payload, details = compose(request)
    token_id = parse_hex(args.cti, "--cti") if args.cti else secrets.token_bytes(16)
    start = args.not_before or issued_at
    claims = Claims(
        issuer=identity.entity_id,
        audience=args.target,
        issued_at=int(issued_at.timestamp()),
        not_before=int(start.timestamp()),
        expires=int((start + timedelta(minutes=args.valid_for)).timestamp()),
        token_id=token_id,
        type=args.type_name,
        role=identity.role.value,
        # Milliseconds keep successive CLI calls strictly increasing without a state file.
        counter=args.counter if args.counter is not None else time.time_ns() // 1_000_000,
        details=details,
    )
    envelope = sign_envelope(identity, claims, payload, embed_certificate=not args.no_embed_cert)
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if args.hex:
            args.out.write_text(envelope.hex() + "\n", encoding="ascii")
        else:
            args.out.write_bytes(envelope)
    except OSError as exc:
        raise UsageError(f"cannot write {args.out}: {exc.strerror}") from None
    print(
        json.dumps(
            {
                "out": str(args.out),
                "bytes": len(envelope),
                "type": claims.type,
                "iss": claims.issuer,
                "role": claims.role,
                "aud": claims.audience,
                "counter": claims.counter,
                "cti": claims.token_id.hex(),
                "message_id": request.message_id,
            }
        )
    )
    return EXIT_OK


def _demand_request(
    args: argparse.Namespace, request: MessageRequest, issued_at: datetime
) -> MessageRequest:
    """The DRLC command of a ``demand.event`` or ``demand.status`` from the flags (other types
    unchanged; a ``demand.agreement`` says what it agrees to in ``--details``)."""
    if args.type_name == "demand.event":
        event = FlexibilityEvent(
            event_id=request.message_id,
            start=args.start or issued_at,
            minutes=args.duration or 60,
            reduction_percent=args.reduce_percent,
            device_class=parse_device_classes(args.device_class),
            title=args.text or "Flexibility event",
            reward=args.reward,
        )
        return replace(
            event.request(), extra_details={**event.request().extra_details, **args.details}
        )
    if args.type_name == "demand.status":
        status = status_request(
            request.message_id,
            EventStatus[args.event_status.upper()],
            args.at or issued_at,
            args.refers_to,
        )
        return replace(status, extra_details={**status.extra_details, **args.details})
    return request
