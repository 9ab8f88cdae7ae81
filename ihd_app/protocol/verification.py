"""The verification pipeline: from envelope bytes to an accepted message or a reasoned refusal.

Checks run in this order, and the first that fails gives the verdict's reason:

1. structure (``oversize``, ``malformed``, ``unsupported-version``, short ``bad-signature``);
2. the signer's certificate is found by ``kid`` (``unknown-signer``) - embedded in the envelope,
   a known signer of the trust store, or, for an envelope within a link's session that carries
   the ``kid`` alone, the certificate that session's handshake verified - and the signature
   verifies with it (``bad-signature``); nothing else in the envelope is believed before this;
3. the certificate chains to a trusted root (``untrusted-chain``), is not revoked
   (``revoked-signer``) and is within its validity (``expired-certificate``);
4. the originator is who its certificate says and its role may send this type
   (``role-not-authorised``; an unknown type or one not meant for this recipient is
   ``unknown-command``);
5. it is addressed to us (``wrong-target``), a display's reply is bound to a session of the link
   handshake this recipient opened with that display (``wrong-session``), and it is inside its
   validity window (``not-yet-valid``, ``expired``);
6. the payload decodes to a ZCL command the type allows (``malformed``, ``unknown-command``);
7. the originator counter is above the last accepted one (``replay``). Only an envelope that
   passed every other check advances the counter, so a forged copy cannot burn counters.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePath

from cryptography import x509

from ihd_app.protocol.envelope.claims import Claims
from ihd_app.protocol.envelope.cose import ParsedEnvelope, parse_envelope, signature_is_valid
from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.message_types import Command, Flow, MessageType, message_type
from ihd_app.protocol.pki.certificates import CertificateSummary
from ihd_app.protocol.pki.roles import Role
from ihd_app.protocol.pki.trust_store import TrustStore
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.replay import ReplayCounters
from ihd_app.protocol.signer_lookup import (
    SessionSigners,
    SignerLookup,
    SignerRefused,
    certificate_id_of_der,
)
from ihd_app.protocol.zcl.unit import Unit, decode_unit

#: Clocks of a meter and a display drift; a minute either way is not an attack.
DEFAULT_CLOCK_SKEW_S = 60

#: Looks up who originated a displayed message, by message id, so only they may cancel it.
MessageOwnerLookup = Callable[[int], str | None]
#: Whether the recipient opened the session ``(display id, session id)`` with that display in
#: the link's handshake (:mod:`ihd_app.protocol.session`).
SessionLookup = Callable[[str, str], bool]
#: Display types exempt from the session check: the handshake's own hello opens the session.
_SESSIONLESS: frozenset[str] = frozenset({"session.hello"})


@dataclass(frozen=True)
class VerifiedMessage:
    """An envelope that passed every check.

    Attributes:
        claims: Its claims.
        signer: Summary of the signer's certificate (verified originator and role).
        role: The signer's role, from its certificate.
        message_type: The message type.
        unit: The decoded ZCL unit, or ``None`` for types that carry only details.
        envelope: The parsed envelope.
        certificate: The signer's certificate (a data response is sealed to its key).
    """

    claims: Claims
    signer: CertificateSummary
    role: Role
    message_type: MessageType
    unit: Unit | None
    envelope: ParsedEnvelope
    certificate: x509.Certificate


@dataclass(frozen=True)
class Verdict:
    """The outcome of verifying one envelope.

    Attributes:
        reason: ``None`` when accepted, otherwise why it was refused.
        detail: One sentence saying precisely what was checked and found.
        message: The verified message when accepted.
        claims: The claims as read (unverified) when the envelope parsed but was refused; they
            let the display address an error notification back to the claimed originator.
    """

    reason: Reason | None
    detail: str
    message: VerifiedMessage | None = None
    claims: Claims | None = None

    @property
    def accepted(self) -> bool:
        """Whether the envelope passed every check."""
        return self.reason is None

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form, as printed by ``ihd envelope verify``."""
        result: dict[str, object] = {
            "verdict": "accepted" if self.accepted else "rejected",
            "reason": None if self.reason is None else self.reason.value,
            "detail": self.detail,
        }
        if self.reason is not None:
            result["explanation"] = self.reason.explanation
        if self.message is not None:
            result["claims"] = self.message.claims.to_dict()
            result["signer"] = self.message.signer.to_dict()
            result["unit"] = None if self.message.unit is None else self.message.unit.to_dict()
        elif self.claims is not None:
            result["unverified_claims"] = self.claims.to_dict()
        return result


def _reject(reason: Reason, detail: str, claims: Claims | None = None) -> Verdict:
    return Verdict(reason=reason, detail=detail, claims=claims)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Verifier:
    """Verifies envelopes for one recipient.

    Args:
        trust: Roots, revocations and known signers.
        policy: Which role may send which type.
        counters: Replay counters (in memory, or the IHD's store).
        targets: Entity ids this recipient answers to in ``aud`` (the IHD accepts its own id
            and its paired meter's).
        flows: Which message flows this recipient accepts (the IHD: ``to-ihd``; the meter:
            all of them, since it also checks what it forwards).
        clock: Current time; injected so tests and test vectors can fix it.
        clock_skew_s: Tolerance applied to ``nbf`` and ``exp``.
        message_owner: Who originated a message id, so ``message.cancel`` is only honoured from
            the message's own originator. ``None`` skips that check (nothing is displayed).
        sessions: Whether a display's reply names a session this recipient opened with it
            (the meter); ``None`` skips that check (the display, one-shot tools).
        session_signers: The certificates the link's handshakes verified, for envelopes that
            carry the ``kid`` alone; ``None``: every signer must be embedded or in the trust
            store.
    """

    def __init__(
        self,
        trust: TrustStore,
        policy: Policy,
        counters: ReplayCounters,
        targets: Collection[str],
        *,
        flows: Collection[Flow] = (Flow.TO_IHD,),
        clock: Callable[[], datetime] = _utc_now,
        clock_skew_s: int = DEFAULT_CLOCK_SKEW_S,
        message_owner: MessageOwnerLookup | None = None,
        sessions: SessionLookup | None = None,
        session_signers: SessionSigners | None = None,
    ) -> None:
        self._trust = trust
        self._policy = policy
        self._counters = counters
        self._targets = frozenset(targets)
        self._flows = frozenset(flows)
        self._clock = clock
        self._skew = clock_skew_s
        self._message_owner = message_owner
        self._sessions = sessions
        self._session_signers = session_signers
        self._signers = SignerLookup(trust, session_signers)

    @property
    def trust(self) -> TrustStore:
        """The trust store in use."""
        return self._trust

    def with_trust(self, trust: TrustStore) -> Verifier:
        """A verifier like this one with another trust store (e.g. plus the paired meter)."""
        return Verifier(
            trust,
            self._policy,
            self._counters,
            self._targets,
            flows=self._flows,
            clock=self._clock,
            clock_skew_s=self._skew,
            message_owner=self._message_owner,
            sessions=self._sessions,
            session_signers=self._session_signers,
        )

    def verify(self, data: bytes) -> Verdict:
        """Run every check on ``data``; never raises."""
        try:
            envelope = parse_envelope(data)
        except DecodeError as exc:
            return _reject(exc.reason, exc.detail)
        claims = envelope.claims

        known = self._signers.find(envelope)
        if isinstance(known, SignerRefused):
            return _reject(known.reason, known.detail, claims)
        certificate, signer = known.certificate, known.summary

        if not signature_is_valid(envelope, known.key):
            return _reject(
                Reason.BAD_SIGNATURE,
                f"the signature does not verify with the certificate of {signer.entity_id}",
                claims,
            )
        if not known.chains_to_root:
            return _reject(
                Reason.UNTRUSTED_CHAIN,
                f"certificate of {signer.entity_id} was issued by "
                f"'{certificate.issuer.rfc4514_string()}', which is not a trusted root",
                claims,
            )
        if known.revoked:
            return _reject(
                Reason.REVOKED_SIGNER,
                f"certificate {signer.serial:x} of {signer.entity_id} is on the revocation list",
                claims,
            )
        now = self._clock()
        if not signer.not_before <= now <= signer.not_after:
            return _reject(
                Reason.EXPIRED_CERTIFICATE,
                f"certificate of {signer.entity_id} is valid from {signer.not_before:%Y-%m-%d} "
                f"to {signer.not_after:%Y-%m-%d}",
                claims,
            )
        role_or_verdict = self._authorise(claims, signer)
        if isinstance(role_or_verdict, Verdict):
            return role_or_verdict
        role, spec = role_or_verdict

        if claims.audience not in self._targets:
            return _reject(
                Reason.WRONG_TARGET,
                f"addressed to {claims.audience}, not to {', '.join(sorted(self._targets))}",
                claims,
            )
        if (
            self._sessions is not None
            and spec.flow is Flow.FROM_IHD
            and spec.name not in _SESSIONLESS
        ):
            session = claims.details.get("session")
            if not isinstance(session, str) or not self._sessions(claims.issuer, session):
                return _reject(
                    Reason.WRONG_SESSION,
                    f"bound to session {session!r}, which this recipient did not open with "
                    f"{claims.issuer}",
                    claims,
                )
        timestamp = int(now.timestamp())
        if claims.expires < claims.not_before:
            return _reject(Reason.MALFORMED, "exp is earlier than nbf", claims)
        if timestamp + self._skew < claims.not_before:
            return _reject(
                Reason.NOT_YET_VALID,
                f"valid from {_iso(claims.not_before)}; it is now {_iso(timestamp)}",
                claims,
            )
        if timestamp - self._skew > claims.expires:
            return _reject(
                Reason.EXPIRED,
                f"expired at {_iso(claims.expires)}; it is now {_iso(timestamp)}",
                claims,
            )

        unit_or_verdict = self._payload(envelope, spec)
        if isinstance(unit_or_verdict, Verdict):
            return unit_or_verdict
        unit = unit_or_verdict

        if (
            spec.name == "message.cancel"
            and unit is not None
            and self._message_owner is not None
            and hasattr(unit.command, "message_id")
        ):
            owner = self._message_owner(int(unit.command.message_id))
            if owner is not None and owner != claims.issuer:
                return _reject(
                    Reason.ROLE_NOT_AUTHORISED,
                    f"only {owner}, who sent message {unit.command.message_id}, may cancel it",
                    claims,
                )

        if not self._counters.advance(claims.issuer, claims.counter):
            last = self._counters.last_counter(claims.issuer)
            return _reject(
                Reason.REPLAY,
                f"counter {claims.counter} from {claims.issuer} is not above the last accepted "
                f"counter {last}",
                claims,
            )
        return Verdict(
            reason=None,
            detail=f"{spec.name} from {signer.organisation or signer.entity_id} ({role.value}) "
            "verified",
            message=VerifiedMessage(claims, signer, role, spec, unit, envelope, certificate),
        )

    def _authorise(
        self, claims: Claims, signer: CertificateSummary
    ) -> tuple[Role, MessageType] | Verdict:
        if signer.role is None:
            return _reject(
                Reason.ROLE_NOT_AUTHORISED,
                f"certificate of {signer.entity_id} carries no role",
                claims,
            )
        if claims.issuer != signer.entity_id:
            return _reject(
                Reason.ROLE_NOT_AUTHORISED,
                f"claims to come from {claims.issuer} but is signed by {signer.entity_id}",
                claims,
            )
        if claims.role != signer.role.value:
            return _reject(
                Reason.ROLE_NOT_AUTHORISED,
                f"claims role '{claims.role}' but the signer's certificate says "
                f"'{signer.role.value}'",
                claims,
            )
        spec = message_type(claims.type)
        if spec is None:
            return _reject(
                Reason.UNKNOWN_COMMAND, f"message type '{claims.type}' is unknown", claims
            )
        if spec.flow not in self._flows:
            return _reject(
                Reason.UNKNOWN_COMMAND,
                f"'{spec.name}' messages ({spec.flow.value}) are not meant for this recipient",
                claims,
            )
        if not self._policy.allows(signer.role, spec.name):
            return _reject(
                Reason.ROLE_NOT_AUTHORISED,
                # The policy's file name, not its path: the detail reaches operators' screens.
                f"a {signer.role.value} may not send '{spec.name}' "
                f"(policy {PurePath(self._policy.source).name})",
                claims,
            )
        return signer.role, spec

    def _payload(self, envelope: ParsedEnvelope, spec: MessageType) -> Unit | Verdict | None:
        claims = envelope.claims
        if not envelope.payload:
            if spec.allows(None):
                return None
            return _reject(Reason.MALFORMED, f"'{spec.name}' needs a ZCL payload", claims)
        if spec.allows(None):
            return _reject(
                Reason.MALFORMED,
                f"'{spec.name}' carries its content in details, not a payload",
                claims,
            )
        try:
            unit = decode_unit(envelope.payload)
        except DecodeError as exc:
            return _reject(exc.reason, f"payload: {exc.detail}", claims)
        header = unit.header
        command = Command(
            unit.cluster_id, int(header.frame_type), int(header.direction), header.command_id, ""
        )
        if not spec.allows(command):
            allowed = ", ".join(c.name for c in spec.commands)
            return _reject(
                Reason.UNKNOWN_COMMAND,
                f"'{spec.name}' must carry {allowed}, not command 0x{header.command_id:02X} of "
                f"cluster 0x{unit.cluster_id:04X}",
                claims,
            )
        return unit


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


__all__ = [
    "DEFAULT_CLOCK_SKEW_S",
    "SessionLookup",
    "SessionSigners",
    "Verdict",
    "VerifiedMessage",
    "Verifier",
    "certificate_id_of_der",
]
