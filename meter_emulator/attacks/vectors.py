"""Test vectors for firmware developers: envelopes and units with their expected verdicts.

``meter-emulator vectors DIR`` writes::

    DIR/index.json                  every vector, its expected verdict and how to check it
    DIR/envelopes/<name>.cbor        the envelope bytes
    DIR/envelopes/<name>.json        claims, decoded unit, signer certificate, expected verdict
    DIR/units/<name>.json            ZCL units: hex and their decoded fields

Envelope signatures are ECDSA (randomised), so regenerating changes the bytes but never the
verdicts; the committed set is the reference.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.message_types import MESSAGE_TYPES, Flow, MessageType
from ihd_app.protocol.pki import Identity, Role, load_identity
from ihd_app.protocol.pki.authority import STANDARD_IDENTITIES
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl import (
    Endpoint,
    GetProfileResponse,
    Importance,
    ProfileIntervalPeriod,
    SupplyStatus,
    Unit,
    UnitOfMeasure,
    decode_frame,
    decode_unit,
    demand_report,
    formatting_report,
    summation_report,
    supply_status_report,
)
from meter_emulator.attacks.forgery import ATTACKS, AttackContext

#: The instant every vector is verified at (pass it as ``ihd envelope verify --at``).
VECTOR_TIME = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
#: The real GBCS DisplayMessage "Reset" (DESIGN.md §5), a bare Messaging frame.
GB_DISPLAY_MESSAGE_HEX = "090000804A371C0000000000FFFF055265736574"

METER_ID = next(s.entity_id for s in STANDARD_IDENTITIES if s.name == "meter")
IHD_ID = next(s.entity_id for s in STANDARD_IDENTITIES if s.name == "ihd")
#: The handshake session the display's reply vectors are bound to (docs/protocol.md §5.3).
VECTOR_SESSION = "5e55105e55105e55105e55105e55105e"
_IN_SESSION = {"session": VECTOR_SESSION}

#: What each valid vector says, by type.
_REQUESTS: dict[str, MessageRequest] = {
    "outage.planned": MessageRequest(
        "outage.planned",
        message_id=0x1001,
        text="Planned power cut on Tue 2 Dec, 10:00-14:00, for cable repairs.",
        importance=Importance.HIGH,
        confirmation_required=True,
        outage_start=VECTOR_TIME + timedelta(hours=22),
        outage_end=VECTOR_TIME + timedelta(hours=26),
    ),
    "outage.emergency": MessageRequest(
        "outage.emergency",
        message_id=0x1002,
        text="Power cut in your area. Engineers are on the way; estimated fix 15:30.",
        importance=Importance.CRITICAL,
        confirmation_required=True,
    ),
    "outage.restored": MessageRequest(
        "outage.restored", message_id=0x1003, text="Power has been restored. Thank you."
    ),
    "message.general": MessageRequest(
        "message.general",
        message_id=0x1004,
        text="Your annual statement is ready.",
        importance=Importance.LOW,
    ),
    "gas.message": MessageRequest(
        "gas.message",
        message_id=0x1005,
        text="Gas works in your street on Thursday.",
        fuel=Endpoint.GAS,
    ),
    "gas.supply-disabled": MessageRequest(
        "gas.supply-disabled",
        message_id=0x1006,
        text="Your gas supply has been turned off for safety. Call 0800 111 999.",
        importance=Importance.CRITICAL,
        confirmation_required=True,
        fuel=Endpoint.GAS,
    ),
    "safety.alarm": MessageRequest(
        "safety.alarm",
        message_id=0x1007,
        text="Gas leak reported nearby: do not use flames.",
        importance=Importance.CRITICAL,
        confirmation_required=True,
        fuel=Endpoint.GAS,
    ),
    "power.threshold-warning": MessageRequest(
        "power.threshold-warning",
        message_id=0x1008,
        text="You are using more than 7.0 kW. Supply will be interrupted in 60 s.",
        importance=Importance.HIGH,
        confirmation_required=True,
        threshold_kw=7.0,
    ),
    "power.threshold-cleared": MessageRequest(
        "power.threshold-cleared",
        message_id=0x1009,
        text="Power use is back below 7.0 kW.",
        threshold_kw=7.0,
    ),
    "supply.interrupted": MessageRequest(
        "supply.interrupted",
        message_id=0x100A,
        text="Electricity interrupted: use exceeded 7.0 kW. Press A on the meter to restore.",
        importance=Importance.CRITICAL,
        confirmation_required=True,
    ),
    "supply.restored": MessageRequest(
        "supply.restored", message_id=0x100B, text="Electricity supply restored."
    ),
    "message.cancel": MessageRequest("message.cancel", message_id=0x1004),
    "tariff.price": MessageRequest(
        "tariff.price",
        message_id=0x2001,
        price_pence_per_kwh=24.5,
        rate_label="Day",
        at=VECTOR_TIME,
    ),
    "power.threshold-set": MessageRequest("power.threshold-set", threshold_kw=7.0, grace_s=60),
    "data.request": MessageRequest("data.request", periods=48, end=VECTOR_TIME),
    "message.receipt": MessageRequest(
        "message.receipt", message_id=0x1001, at=VECTOR_TIME, extra_details=_IN_SESSION
    ),
    "message.displayed": MessageRequest(
        "message.displayed", message_id=0x1001, at=VECTOR_TIME, extra_details=_IN_SESSION
    ),
    "message.confirmation": MessageRequest(
        "message.confirmation",
        message_id=0x1001,
        answer_yes=True,
        at=VECTOR_TIME,
        extra_details=_IN_SESSION,
    ),
    "error.notification": MessageRequest(
        "error.notification",
        message_id=0x1001,
        reason=Reason.ROLE_NOT_AUTHORISED,
        refers_to="5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
        at=VECTOR_TIME,
        extra_details=_IN_SESSION,
    ),
    "consent.update": MessageRequest(
        "consent.update",
        consent={"dno": True, "supplier": False},
        at=VECTOR_TIME,
        extra_details=_IN_SESSION,
    ),
    "history.request": MessageRequest(
        "history.request", periods=48, end=VECTOR_TIME, extra_details=_IN_SESSION
    ),
    "han.device-add": MessageRequest(
        "han.device-add",
        device_id="00-1D-A6-00-00-00-01-02",
        device_certificate_sha256="021b4d883e7c4168310f264c757d57f843a62499857dbcf28c2fd132ef6274a7",
    ),
    "han.device-remove": MessageRequest("han.device-remove", device_id="00-1D-A6-00-00-00-01-02"),
    "session.hello": MessageRequest(
        "session.hello",
        extra_details={"challenge": "c4a11e09" * 4, "nonce": "40ce0001" * 4},
    ),
    "session.proof": MessageRequest(
        "session.proof",
        extra_details={"nonce": "40ce0001" * 4, "meter_id": METER_ID, "session": VECTOR_SESSION},
    ),
    "session.refused": MessageRequest(
        "session.refused",
        extra_details={
            "nonce": "40ce0001" * 4,
            "reason": Reason.NOT_COMMISSIONED.value,
            "explanation": Reason.NOT_COMMISSIONED.explanation,
        },
    ),
}

_ROLE_IDENTITY = {
    Role.DNO: "dno",
    Role.GDN: "gdn",
    Role.SUPPLIER: "supplier",
    Role.METER: "meter",
    Role.IHD: "ihd",
}


@dataclass(frozen=True)
class Recipient:
    """Who checks a vector: the IHD (messages to show) or the meter (everything it relays)."""

    name: str
    flows: tuple[Flow, ...]
    targets: tuple[str, ...]


IHD = Recipient("ihd", (Flow.TO_IHD,), (METER_ID, IHD_ID))
METER = Recipient("meter", tuple(Flow), (METER_ID,))


def recipient_for(spec: MessageType) -> Recipient:
    """The IHD checks what it shows; the meter checks commands for it and the IHD's replies."""
    return IHD if spec.flow is Flow.TO_IHD else METER


def _signer_for(spec: MessageType, policy: Policy) -> Role:
    # Replies (receipts, acknowledgements, error notifications) are the display's to sign.
    if spec.flow is Flow.FROM_IHD:
        return Role.IHD
    return next(role for role in Role if policy.allows(role, spec.name))


def _certificate_pem(identity: Identity) -> str:
    return identity.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _unit_json(payload: bytes) -> object:
    return decode_unit(payload).to_dict() if payload else None


def write_test_vectors(directory: Path, pki_dir: Path, policy: Policy) -> list[dict[str, object]]:
    """Write the vector set into ``directory`` and return its index.

    Args:
        directory: Output directory (created; files in it are overwritten).
        pki_dir: The PKI whose identities sign (the DEMO PKI for the committed set).
        policy: Decides which role signs each valid vector.
    """
    envelopes = directory / "envelopes"
    envelopes.mkdir(parents=True, exist_ok=True)
    cache: dict[str, Identity] = {}

    def identities(name: str) -> Identity:
        if name not in cache:
            cache[name] = load_identity(pki_dir, name)
        return cache[name]

    index: list[dict[str, object]] = []
    counter = 1_000
    issued = VECTOR_TIME - timedelta(minutes=5)

    def record(
        name: str,
        data: bytes,
        description: str,
        recipient: Recipient,
        expected: Reason | None,
        signer: Identity | None,
        extra: dict[str, object],
    ) -> None:
        (envelopes / f"{name}.cbor").write_bytes(data)
        command = (
            f"ihd envelope verify resources/test-vectors/envelopes/{name}.cbor "
            f"--at {VECTOR_TIME.isoformat().replace('+00:00', 'Z')} --recipient {recipient.name}"
        )
        if "state" in extra:
            # The replay is only a replay to a recipient that remembers the first delivery.
            command += " --data-dir DIR  (run it twice with the same DIR)"
        sessions = extra.get("sessions")
        if isinstance(sessions, dict):
            for ihd_id, opened in sessions.items():
                command += "".join(f" --session {ihd_id}={session}" for session in opened)
        entry: dict[str, object] = {
            "name": name,
            "file": f"envelopes/{name}.cbor",
            "description": description,
            "bytes": len(data),
            "verify": {
                "at": VECTOR_TIME.isoformat(),
                "recipient": recipient.name,
                "accepts_flows": [f.value for f in recipient.flows],
                "targets": list(recipient.targets),
                "trust": "resources/pki/demo/trust",
                "policy": "resources/policy/default.toml",
                "command": command,
            },
            "expected": {
                "verdict": "accepted" if expected is None else "rejected",
                "reason": None if expected is None else expected.value,
            },
        }
        entry.update(extra)
        detail = dict(entry)
        detail["envelope_hex"] = data.hex()
        if signer is not None:
            detail["signer_certificate_pem"] = _certificate_pem(signer)
        (envelopes / f"{name}.json").write_text(
            json.dumps(detail, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        index.append(entry)

    # Types added after the first vector set (the handshake, commissioning) come last, so the
    # counters (and bytes) of the vectors made before they existed stay the same.
    handshake_types = [s for s in MESSAGE_TYPES if s.name.startswith(("session.", "han."))]
    first_types = [s for s in MESSAGE_TYPES if s not in handshake_types]

    def valid_vector(spec: MessageType) -> None:
        nonlocal counter
        signer = identities(_ROLE_IDENTITY[_signer_for(spec, policy)])
        recipient = recipient_for(spec)
        request = _REQUESTS[spec.name]
        payload, details = compose(request)
        counter += 1
        claims = new_claims(
            signer,
            spec.name,
            METER_ID,
            counter,
            issued_at=issued,
            valid_for=timedelta(days=2),
            details=details,
            token_id=counter.to_bytes(16, "big"),
        )
        record(
            f"valid-{spec.name.replace('.', '-')}",
            sign_envelope(signer, claims, payload),
            f"A valid {spec.title.lower()} ({spec.name}) from the {signer.role.value}.",
            recipient,
            None,
            signer,
            {"claims": claims.to_dict(), "unit": _unit_json(payload)},
        )

    for spec in first_types:
        valid_vector(spec)
    display_payload, _ = compose(_REQUESTS["outage.planned"])
    for attack in ATTACKS:
        counter += 1
        ctx = AttackContext(identities, METER_ID, VECTOR_TIME, counter, display_payload)
        extra: dict[str, object] = {"attack": attack.name}
        if attack.replays:
            # The recipient has already accepted this very envelope (counter included).
            extra["state"] = {"accepted_counters": {identities("dno").entity_id: counter}}
            extra["note"] = (
                "Verify it twice with the same --data-dir: the first call accepts it, the second "
                "refuses it as a replay."
            )
        record(
            f"invalid-{attack.name}",
            attack.build(ctx),
            attack.description,
            IHD,
            attack.expected,
            None,
            extra,
        )

    for spec in handshake_types:
        valid_vector(spec)
    # A genuine reply bound to a session the meter never opened with the display: relayed from
    # a fake meter's link, or signed for an earlier meter.
    request = replace(_REQUESTS["message.receipt"], extra_details={"session": "0" * 32})
    payload, details = compose(request)
    counter += 1
    display = identities("ihd")
    claims = new_claims(
        display,
        request.type_name,
        METER_ID,
        counter,
        issued_at=issued,
        valid_for=timedelta(days=2),
        details=details,
        token_id=counter.to_bytes(16, "big"),
    )
    record(
        "invalid-wrong-session",
        sign_envelope(display, claims, payload),
        "A genuine receipt of the display bound to a session the meter did not open with it "
        "(collected by a fake meter and relayed).",
        METER,
        Reason.WRONG_SESSION,
        display,
        {"sessions": {IHD_ID: [VECTOR_SESSION]}},
    )

    (directory / "index.json").write_text(
        json.dumps({"verify_at": VECTOR_TIME.isoformat(), "vectors": index}, indent=2) + "\n",
        encoding="utf-8",
    )
    _write_unit_vectors(directory / "units")
    return index


def _unit_vectors() -> list[tuple[str, str, Callable[[], bytes]]]:
    return [
        (
            "gb-display-message-reset",
            "GBCS test-suite DisplayMessage 'Reset' as a bare Messaging frame (cluster 0x0703).",
            lambda: bytes.fromhex(GB_DISPLAY_MESSAGE_HEX),
        ),
        (
            "metering-demand-electricity",
            "InstantaneousDemand 1,234 W for electricity (endpoint 1).",
            lambda: Unit.of(demand_report(1234), cluster_id=0x0702).encode(),
        ),
        (
            "metering-demand-export",
            "InstantaneousDemand -850 W: solar export.",
            lambda: Unit.of(demand_report(-850), cluster_id=0x0702).encode(),
        ),
        (
            "metering-summation-gas",
            "CurrentSummationDelivered 1,234,567 dm3 and today's 2,300 dm3 for gas.",
            lambda: Unit.of(
                summation_report(1_234_567, 2_300), cluster_id=0x0702, endpoint=Endpoint.GAS
            ).encode(),
        ),
        (
            "metering-formatting-electricity",
            "UnitOfMeasure kWh, Multiplier 1, Divisor 1000, formattings.",
            lambda: Unit.of(
                formatting_report(UnitOfMeasure.KWH, 1, 1000, 0x2B, 0x2B), cluster_id=0x0702
            ).encode(),
        ),
        (
            "metering-supply-status-on",
            "SupplyStatus on.",
            lambda: Unit.of(supply_status_report(SupplyStatus(2)), cluster_id=0x0702).encode(),
        ),
        (
            "metering-get-profile-response",
            "GetProfileResponse: four half-hour intervals ending 2026-12-01T12:00Z.",
            lambda: Unit.of(
                GetProfileResponse(
                    end_time=849_441_600,
                    status=0,
                    profile_interval_period=ProfileIntervalPeriod.MINUTES_30,
                    intervals=(210, 180, 950, 400),
                ),
            ).encode(),
        ),
    ] + [
        (
            f"payload-{name.replace('.', '-')}",
            f"The payload of the valid {name} envelope.",
            (lambda request=request: compose(request)[0]),
        )
        for name, request in _REQUESTS.items()
        if compose(request)[0]
    ]


def _write_unit_vectors(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, description, build in _unit_vectors():
        data = build()
        decoded = (
            decode_frame(data, 0x0703).to_dict()
            if name.startswith("gb-")
            else decode_unit(data).to_dict()
        )
        entry = {
            "name": name,
            "description": description,
            "kind": "bare ZCL frame" if name.startswith("gb-") else "unit",
            "hex": data.hex().upper(),
            "decoded": decoded,
            "command": f"ihd frame decode {data.hex().upper()}"
            + (" --cluster 0x0703" if name.startswith("gb-") else ""),
        }
        (directory / f"{name}.json").write_text(
            json.dumps(entry, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
