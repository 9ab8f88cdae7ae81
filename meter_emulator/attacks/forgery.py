"""Ways to make an envelope the IHD must refuse, each named after the reason it should give.

Every forgery here starts from a genuine message and breaks exactly one rule, so a refusal with
any other reason code points at a bug in the verifier's order of checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import cbor2

from ihd_app.protocol.envelope import Claims, sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.pki import Identity
from ihd_app.protocol.reasons import Reason

#: A meter that is not ours, for mis-addressed messages.
OTHER_METER_ID = "00-1D-A6-00-00-00-99-99"


@dataclass(frozen=True)
class AttackContext:
    """What a forger has to work with.

    Attributes:
        identities: Loads ``identities/<name>`` of the PKI (dno, supplier, rogue-dno, ...).
        target: The meter or IHD the forged message is sent to.
        now: The time the message is sent.
        counter: A counter above anything the target has accepted (the forger's next one).
        payload: A genuine DisplayMessage unit to wrap.
    """

    identities: Callable[[str], Identity]
    target: str
    now: datetime
    counter: int
    payload: bytes


@dataclass(frozen=True)
class Attack:
    """One attack of the attack console.

    Attributes:
        name: Short identifier (``bad-signature``).
        title: What the attack console's button says.
        description: What is being tried, for the event log and the docs.
        expected: The reason the IHD must give.
        build: Makes the envelope bytes.
        replays: The attack is a second delivery of a genuine envelope, sent once before.
    """

    name: str
    title: str
    description: str
    expected: Reason
    build: Callable[[AttackContext], bytes]
    replays: bool = False


def _claims(ctx: AttackContext, signer: Identity, type_name: str = "outage.planned") -> Claims:
    return new_claims(
        signer,
        type_name,
        ctx.target,
        ctx.counter,
        issued_at=ctx.now - timedelta(seconds=30),
        valid_for=timedelta(hours=4),
    )


def genuine(ctx: AttackContext) -> bytes:
    """A valid planned-outage notice from the DNO (what the others are forged from)."""
    dno = ctx.identities("dno")
    return sign_envelope(dno, _claims(ctx, dno), ctx.payload)


def unsigned(ctx: AttackContext) -> bytes:
    """A genuine-looking envelope whose signature field is empty."""
    item = cbor2.loads(genuine(ctx))
    protected, unprotected, payload, _ = item.value
    return bytes(cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, payload, b""])))


def tampered(ctx: AttackContext) -> bytes:
    """A genuine envelope whose text was changed in transit (signature no longer matches)."""
    item = cbor2.loads(genuine(ctx))
    protected, unprotected, payload, signature = item.value
    # Flip the last byte of the message text: still a well-formed unit, different meaning.
    altered = payload[:-1] + bytes([payload[-1] ^ 0x01])
    return bytes(cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, altered, signature])))


def untrusted_signer(ctx: AttackContext) -> bytes:
    """Signed by a 'DNO' whose certificate comes from a root nobody trusts."""
    rogue = ctx.identities("rogue-dno")
    return sign_envelope(rogue, _claims(ctx, rogue), ctx.payload)


def revoked_signer(ctx: AttackContext) -> bytes:
    """Signed by a supplier whose certificate has been revoked."""
    revoked = ctx.identities("revoked-supplier")
    return sign_envelope(revoked, _claims(ctx, revoked, "message.general"), ctx.payload)


def expired_certificate(ctx: AttackContext) -> bytes:
    """Signed by a DNO key whose certificate has expired."""
    expired = ctx.identities("expired-dno")
    return sign_envelope(expired, _claims(ctx, expired), ctx.payload)


def unknown_signer(ctx: AttackContext) -> bytes:
    """Signed by a key the recipient has no certificate for, with no certificate attached."""
    rogue = ctx.identities("rogue-dno")
    return sign_envelope(rogue, _claims(ctx, rogue), ctx.payload, embed_certificate=False)


def role_not_authorised(ctx: AttackContext) -> bytes:
    """A supplier (genuine, trusted) sending a power-cut notice, which only a DNO may send."""
    supplier = ctx.identities("supplier")
    return sign_envelope(supplier, _claims(ctx, supplier), ctx.payload)


def wrong_target(ctx: AttackContext) -> bytes:
    """A genuine DNO message addressed to another meter."""
    dno = ctx.identities("dno")
    return sign_envelope(dno, replace(_claims(ctx, dno), audience=OTHER_METER_ID), ctx.payload)


def expired(ctx: AttackContext) -> bytes:
    """A genuine DNO message whose validity ended yesterday."""
    dno = ctx.identities("dno")
    claims = new_claims(
        dno,
        "outage.planned",
        ctx.target,
        ctx.counter,
        issued_at=ctx.now - timedelta(days=2),
        valid_for=timedelta(days=1),
    )
    return sign_envelope(dno, claims, ctx.payload)


def not_yet_valid(ctx: AttackContext) -> bytes:
    """A genuine DNO message that only becomes valid tomorrow."""
    dno = ctx.identities("dno")
    claims = new_claims(
        dno,
        "outage.planned",
        ctx.target,
        ctx.counter,
        issued_at=ctx.now,
        not_before=ctx.now + timedelta(days=1),
    )
    return sign_envelope(dno, claims, ctx.payload)


def unsupported_version(ctx: AttackContext) -> bytes:
    """A genuine DNO signature over an envelope of a future format version."""
    dno = ctx.identities("dno")
    return sign_envelope(dno, replace(_claims(ctx, dno), version=2), ctx.payload)


def unknown_command(ctx: AttackContext) -> bytes:
    """A genuine DNO signature over a message type no display knows (a firmware push)."""
    dno = ctx.identities("dno")
    return sign_envelope(dno, replace(_claims(ctx, dno), type="meter.firmware-update"), ctx.payload)


def malformed(ctx: AttackContext) -> bytes:
    """A genuine envelope cut short in transit."""
    data = genuine(ctx)
    return data[: len(data) // 2]


def oversize(ctx: AttackContext) -> bytes:
    """A genuine envelope padded to 8 KiB, twice the largest genuine envelope."""
    data = genuine(ctx)
    return data + bytes(8192 - len(data))


ATTACKS: tuple[Attack, ...] = (
    Attack(
        "unsigned",
        "Unsigned message",
        "An outage notice with no signature.",
        Reason.BAD_SIGNATURE,
        unsigned,
    ),
    Attack(
        "bad-signature",
        "Tampered message",
        "A DNO outage notice altered in transit.",
        Reason.BAD_SIGNATURE,
        tampered,
    ),
    Attack(
        "untrusted-signer",
        "Untrusted signer",
        "An outage notice signed by a DNO certificate from an unknown root.",
        Reason.UNTRUSTED_CHAIN,
        untrusted_signer,
    ),
    Attack(
        "unknown-signer",
        "Unknown signer",
        "An outage notice signed by a key with no certificate attached or on file.",
        Reason.UNKNOWN_SIGNER,
        unknown_signer,
    ),
    Attack(
        "revoked-signer",
        "Revoked signer",
        "A message from a supplier whose certificate was revoked.",
        Reason.REVOKED_SIGNER,
        revoked_signer,
    ),
    Attack(
        "expired-certificate",
        "Expired certificate",
        "An outage notice signed with an expired DNO certificate.",
        Reason.EXPIRED_CERTIFICATE,
        expired_certificate,
    ),
    Attack(
        "role-not-authorised",
        "Supplier sends outage notice",
        "A genuine supplier sending a power-cut notice, which only the DNO may send.",
        Reason.ROLE_NOT_AUTHORISED,
        role_not_authorised,
    ),
    Attack(
        "wrong-target",
        "Sent to another meter",
        f"A genuine DNO message addressed to meter {OTHER_METER_ID}.",
        Reason.WRONG_TARGET,
        wrong_target,
    ),
    Attack(
        "replay",
        "Replay an accepted message",
        "A copy of a genuine outage notice the IHD already accepted.",
        Reason.REPLAY,
        genuine,
        replays=True,
    ),
    Attack(
        "expired",
        "Expired message",
        "A genuine DNO message whose validity has ended.",
        Reason.EXPIRED,
        expired,
    ),
    Attack(
        "not-yet-valid",
        "Not yet valid",
        "A genuine DNO message valid only from tomorrow.",
        Reason.NOT_YET_VALID,
        not_yet_valid,
    ),
    Attack(
        "unsupported-version",
        "Future format",
        "An envelope of format version 2.",
        Reason.UNSUPPORTED_VERSION,
        unsupported_version,
    ),
    Attack(
        "unknown-command",
        "Unknown command",
        "A DNO-signed 'meter.firmware-update', which no display understands.",
        Reason.UNKNOWN_COMMAND,
        unknown_command,
    ),
    Attack(
        "malformed",
        "Malformed bytes",
        "An envelope cut in half in transit.",
        Reason.MALFORMED,
        malformed,
    ),
    Attack(
        "oversize", "Oversize message", "An envelope padded to 8 KiB.", Reason.OVERSIZE, oversize
    ),
)


def attack(name: str) -> Attack:
    """The attack called ``name``.

    Raises:
        KeyError: No such attack.
    """
    for candidate in ATTACKS:
        if candidate.name == name:
            return candidate
    raise KeyError(name)
