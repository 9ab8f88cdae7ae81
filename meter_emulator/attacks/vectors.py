"""Test vectors for firmware developers: envelopes and units with their expected verdicts.

``meter-emulator vectors DIR`` writes::

    DIR/index.json                  every vector, its expected verdict and how to check it
    DIR/envelopes/<name>.cbor        the envelope bytes
    DIR/envelopes/<name>.json        claims, decoded unit, signer certificate, expected verdict
    DIR/units/<name>.json            ZCL units: hex and their decoded fields
    DIR/sealed/<name>.cbor, .json    a sealed data response and what the DNO's key reads in it

Envelope signatures are ECDSA (randomised), so regenerating changes the bytes but never the
verdicts; the committed set is the reference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from ihd_app.protocol.compose import compose
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.message_types import MESSAGE_TYPES, Flow, MessageType, message_type
from ihd_app.protocol.pki import Identity, Role, load_identity
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl import (
    decode_unit,
)
from meter_emulator.attacks.forgery import ATTACKS, AttackContext
from meter_emulator.attacks.sealed_vectors import write_sealed_vectors
from meter_emulator.attacks.unit_vectors import write_unit_vectors
from meter_emulator.attacks.vector_requests import (
    IHD_ID,
    METER_ID,
    VECTOR_REQUESTS,
    VECTOR_SESSION,
    VECTOR_TIME,
)

#: The instant every vector is verified at (pass it as ``ihd envelope verify --at``).

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
        if "session_certificate_pem" in extra and signer is not None:
            name_of = next(n for n, i in cache.items() if i is signer)
            command += f" --session-cert resources/pki/demo/identities/{name_of}/certificate.pem"
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
    # Types declared after the handshake's come after every vector above, in declaration order.
    last_original = next(i for i, s in enumerate(MESSAGE_TYPES) if s.name == "session.refused")
    later_types = list(MESSAGE_TYPES[last_original + 1 :])
    first_types = [s for s in MESSAGE_TYPES if s not in handshake_types + later_types]

    def valid_vector(spec: MessageType) -> None:
        nonlocal counter
        signer = identities(_ROLE_IDENTITY[_signer_for(spec, policy)])
        recipient = recipient_for(spec)
        request = VECTOR_REQUESTS[spec.name]
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
    display_payload, _ = compose(VECTOR_REQUESTS["outage.planned"])
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
    request = replace(VECTOR_REQUESTS["message.receipt"], extra_details={"session": "0" * 32})
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

    # Within a session the key id alone (docs/protocol.md §5.3): checked with the certificate
    # the session's handshake verified, which the vector names (--session-cert).
    session_vectors: tuple[tuple[str, str, Recipient, dict[str, object]], ...] = (
        ("message.receipt", "ihd", METER, {"sessions": {IHD_ID: [VECTOR_SESSION]}}),
        ("supply.interrupted", "meter", IHD, {}),
    )
    for type_name, identity_name, recipient, extra in session_vectors:
        in_session = message_type(type_name)
        assert in_session is not None
        signer = identities(identity_name)
        request = VECTOR_REQUESTS[type_name]
        payload, details = compose(request)
        counter += 1
        claims = new_claims(
            signer,
            type_name,
            METER_ID,
            counter,
            issued_at=issued,
            valid_for=timedelta(days=2),
            details=details,
            token_id=counter.to_bytes(16, "big"),
        )
        record(
            f"valid-{type_name.replace('.', '-')}-in-session",
            sign_envelope(signer, claims, payload, embed_certificate=False),
            f"A valid {in_session.title.lower()} ({type_name}) from the {signer.role.value} "
            "within a link's session: the key id alone, checked with the certificate the session's "
            "handshake verified.",
            recipient,
            None,
            signer,
            {
                **extra,
                "claims": claims.to_dict(),
                "unit": _unit_json(payload),
                "session_certificate_pem": _certificate_pem(signer),
            },
        )

    for spec in later_types:
        valid_vector(spec)
    # The seed's worst case: a genuine supplier clearing a safety alarm, which only the DNO may.
    counter += 1
    supplier = identities("supplier")
    payload, details = compose(VECTOR_REQUESTS["safety.clear"])
    claims = new_claims(
        supplier,
        "safety.clear",
        METER_ID,
        counter,
        issued_at=issued,
        valid_for=timedelta(days=2),
        details=details,
        token_id=counter.to_bytes(16, "big"),
    )
    record(
        "invalid-safety-clear-by-supplier",
        sign_envelope(supplier, claims, payload),
        "A genuine supplier clearing a safety alarm (safety.clear), which only the DNO may send.",
        METER,
        Reason.ROLE_NOT_AUTHORISED,
        None,
        {"claims": claims.to_dict(), "unit": _unit_json(payload)},
    )

    (directory / "index.json").write_text(
        json.dumps({"verify_at": VECTOR_TIME.isoformat(), "vectors": index}, indent=2) + "\n",
        encoding="utf-8",
    )
    write_unit_vectors(directory / "units")
    write_sealed_vectors(directory / "sealed", pki_dir)
    return index
