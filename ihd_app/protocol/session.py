"""The link's handshake: on every connection the meter proves who it is to the display.

Pairing authenticates a Bluetooth device, not a meter: anything that advertises the profile and
gets the consumer's "yes" has an encrypted, authenticated link. Before the display uses a link
(readings, history, messages) or signs anything for the meter at its end, the two run this
exchange over the profile's own characteristics (docs/protocol.md §5.3):

1. Meter Info carries ``challenge``, 16 random bytes the meter chose for this connection.
2. Display → meter, on IHD to Meter: ``session.hello``, signed by the display (role ``ihd``),
   ``aud`` the meter id Meter Info claims, details ``challenge`` (the meter's, hex) and ``nonce``
   (16 fresh random bytes of the display's, hex). The challenge makes a recorded hello useless
   on any other connection.
3. Meter → display, on Messages to IHD, to that link only: ``session.proof``, signed by the meter
   (a certificate of role ``meter`` chaining to the display's trust store), ``aud`` the display,
   details ``nonce`` (the display's), ``meter_id`` and ``session`` (16 random bytes, hex, naming
   this session) - or ``session.refused`` with ``nonce``, ``reason`` and ``explanation`` when the
   display is not one the meter serves.

The display then addresses its replies to the *verified* meter id only, pins the meter's
certificate to the bond, and puts ``session`` in the details of every reply; the meter refuses
a reply bound to a session it did not open with that display (``wrong-session``). Neither side's
replay counters see the handshake (its freshness comes from the challenge and the nonce), so
replies signed before it and delivered after it are not taken for replays.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.claims import DetailValue
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.pki import Identity, Role
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.verification import Verdict, VerifiedMessage

HELLO: Final = "session.hello"
PROOF: Final = "session.proof"
REFUSED: Final = "session.refused"
#: Bytes of the meter's challenge, the display's nonce and the session id.
TOKEN_BYTES: Final = 16
#: The handshake's envelopes are answered at once; a short validity keeps them from being
#: useful later even where the challenge and nonce did not already.
HANDSHAKE_VALIDITY: Final = timedelta(minutes=5)
#: Clock skew the handshake's verifiers allow: the challenge and the nonce are what make its
#: envelopes fresh, and a display whose clock is wrong (a dev board without a real-time clock)
#: must still learn who its meter is; it then refuses the meter's *messages* for their
#: validity windows, saying why.
HANDSHAKE_CLOCK_SKEW_S: Final = 20 * 366 * 24 * 3600


class FreshByChallenge:
    """Replay counters for the handshake's verifiers: none. A hello is fresh because it names
    this connection's challenge, a proof because it names the hello's nonce; counters would
    only refuse a display whose counter another verifier already saw (implements
    :class:`ihd_app.protocol.replay.ReplayCounters`)."""

    def last_counter(self, originator: str) -> int | None:
        return None

    def advance(self, originator: str, counter: int) -> bool:
        return True


def new_token() -> str:
    """A fresh challenge, nonce or session id: 16 random bytes in hex."""
    return os.urandom(TOKEN_BYTES).hex()


def _sign(
    identity: Identity,
    type_name: str,
    audience: str,
    counter: int,
    now: datetime,
    details: dict[str, DetailValue],
) -> bytes:
    claims = new_claims(
        identity,
        type_name,
        audience,
        counter,
        issued_at=now,
        valid_for=HANDSHAKE_VALIDITY,
        details=details,
    )
    return sign_envelope(identity, claims, b"")


def sign_hello(
    identity: Identity, meter_id: str, counter: int, *, challenge: str, nonce: str, now: datetime
) -> bytes:
    """The display's ``session.hello`` to the meter that claims ``meter_id``."""
    return _sign(identity, HELLO, meter_id, counter, now, {"challenge": challenge, "nonce": nonce})


def sign_proof(
    identity: Identity, ihd_id: str, counter: int, *, nonce: str, session: str, now: datetime
) -> bytes:
    """The meter's ``session.proof`` to display ``ihd_id``."""
    details: dict[str, DetailValue] = {
        "nonce": nonce,
        "meter_id": identity.entity_id,
        "session": session,
    }
    return _sign(identity, PROOF, ihd_id, counter, now, details)


def sign_refusal(
    identity: Identity, ihd_id: str, counter: int, *, nonce: str, reason: Reason, now: datetime
) -> bytes:
    """The meter's ``session.refused`` to display ``ihd_id``."""
    details: dict[str, DetailValue] = {
        "nonce": nonce,
        "reason": reason.value,
        "explanation": reason.explanation,
    }
    return _sign(identity, REFUSED, ihd_id, counter, now, details)


@dataclass(frozen=True)
class Hello:
    """A verified ``session.hello``.

    Attributes:
        ihd_id: The display's entity id (its certificate's).
        fingerprint: Hex SHA-256 of the display's certificate.
        challenge: The meter challenge it answers.
        nonce: The display's nonce, to be signed back.
        certificate_der: The display's certificate as the hello carried it (``None`` when it
            carried the key id of a signer the meter's trust store knows): its replies in the
            session may then carry the key id alone.
    """

    ihd_id: str
    fingerprint: str
    challenge: str
    nonce: str
    certificate_der: bytes | None = None


def read_hello(message: VerifiedMessage) -> Hello | None:
    """The hello in a verified envelope, or ``None`` if it is not a well-formed hello."""
    details = message.claims.details
    challenge, nonce = details.get("challenge"), details.get("nonce")
    if (
        message.message_type.name != HELLO
        or message.role is not Role.IHD
        or not isinstance(challenge, str)
        or not isinstance(nonce, str)
    ):
        return None
    return Hello(
        message.claims.issuer,
        message.signer.fingerprint,
        challenge,
        nonce,
        message.envelope.certificate_der,
    )


class HandshakeFailure(StrEnum):
    """Why the display did not accept the meter at the other end of a link."""

    UNPROVEN = "meter-unproven"
    WRONG_METER = "meter-id-mismatch"
    CERTIFICATE_CHANGED = "meter-certificate-changed"
    NOT_COMMISSIONED = "not-commissioned"

    @property
    def explanation(self) -> str:
        """A sentence for the consumer (the display adds its own identifier where it helps)."""
        return _FAILURES[self]


_FAILURES: Final = {
    HandshakeFailure.UNPROVEN: "The device calling itself your meter could not prove it is a "
    "genuine meter, so nothing from it is shown and nothing is sent to it.",
    HandshakeFailure.WRONG_METER: "The device proved it is a different meter from the one it "
    "announced, so nothing from it is shown.",
    HandshakeFailure.CERTIFICATE_CHANGED: "The meter's certificate is not the one this display "
    "paired with: it may be another device pretending to be your meter, so nothing from it is "
    "shown. If your meter was replaced, forget it on the Meter screen and pair again.",
    HandshakeFailure.NOT_COMMISSIONED: "The meter does not know this display: your energy "
    "supplier has to add this display to the meter's list of devices first.",
}


@dataclass(frozen=True)
class Proof:
    """A meter's verified ``session.proof``.

    Attributes:
        meter_id: The meter's entity id (its certificate's).
        session: The session id the display's replies carry.
        fingerprint: Hex SHA-256 of the meter's certificate (pinned to the bond).
        certificate_der: The meter's certificate as the proof carried it, if it did.
        issued_at: The proof's signed ``iat``: the meter's time when it answered (POSIX
            seconds), which the display may go by when its own clock is off.
    """

    meter_id: str
    session: str
    fingerprint: str
    certificate_der: bytes | None = None
    issued_at: int = 0


@dataclass(frozen=True)
class Refusal:
    """Why the meter, proven genuine, would not serve the display.

    Attributes:
        failure: What the display makes of it.
        detail: What the meter said, for the event log.
    """

    failure: HandshakeFailure
    detail: str


def read_answer(verdict: Verdict, *, nonce: str, claimed_meter_id: str) -> Proof | Refusal | None:
    """The meter's answer to the hello with ``nonce``, checked.

    Args:
        verdict: The answer verified for flow ``session`` (its signer chains to the trust store
            and has role ``meter``, as the policy requires of these types).
        nonce: The nonce the display sent.
        claimed_meter_id: The meter id Meter Info claims.

    Returns:
        The proof, or the refusal (a genuine meter refusing, or a proof for another meter), or
        ``None`` when the unit is not an answer to this hello (another envelope, another nonce,
        or refused verification: the caller keeps waiting, the failure is its event).
    """
    message = verdict.message
    if message is None or message.role is not Role.METER:
        return None
    details = message.claims.details
    if details.get("nonce") != nonce:
        return None
    if message.message_type.name == REFUSED:
        reason = str(details.get("reason", ""))
        failure = (
            HandshakeFailure.NOT_COMMISSIONED
            if reason == Reason.NOT_COMMISSIONED.value
            else HandshakeFailure.UNPROVEN
        )
        return Refusal(failure, f"the meter refused the handshake: {reason}")
    if message.message_type.name != PROOF:
        return None
    session = details.get("session")
    if not isinstance(session, str) or not session:
        return None
    meter_id = message.claims.issuer
    if details.get("meter_id") != meter_id or meter_id != claimed_meter_id:
        return Refusal(
            HandshakeFailure.WRONG_METER,
            f"Meter Info claims {claimed_meter_id} but the proof is signed by {meter_id}",
        )
    return Proof(
        meter_id,
        session,
        message.signer.fingerprint,
        message.envelope.certificate_der,
        message.claims.issued_at,
    )


__all__ = [
    "HANDSHAKE_CLOCK_SKEW_S",
    "HANDSHAKE_VALIDITY",
    "HELLO",
    "PROOF",
    "REFUSED",
    "FreshByChallenge",
    "HandshakeFailure",
    "Hello",
    "Proof",
    "Refusal",
    "new_token",
    "read_answer",
    "read_hello",
    "sign_hello",
    "sign_proof",
    "sign_refusal",
]
