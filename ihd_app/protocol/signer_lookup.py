"""Finding the certificate that signed an envelope, and what it tells the verifier.

A signer is looked up by the envelope's ``kid``: in the certificate the envelope embeds, among
the trust store's known signers, or, for an envelope within a link's session that carries the
``kid`` alone, the certificate that session's handshake verified (docs/protocol.md §5.3). What a
certificate tells (its key, whether it chains to a root, whether it is revoked) is worked out
once per certificate and kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec

from ihd_app.protocol.envelope.cose import ParsedEnvelope, verification_key
from ihd_app.protocol.pki.certificates import CertificateSummary, load_certificate
from ihd_app.protocol.pki.trust_store import TrustStore
from ihd_app.protocol.reasons import Reason

#: Signers remembered per verifier; a display hears from a handful of operators and one meter.
SIGNER_CACHE_SIZE = 64

#: The DER certificate a link's handshake verified for ``kid`` in the session an envelope names
#: (``None`` when it names none, as the meter's own messages do), or ``None``. Within a session
#: envelopes may carry the ``kid`` alone (docs/protocol.md §5.3); the certificate is the one the
#: recipient checked in that session's handshake, never one merely seen in an earlier envelope.
SessionSigners = Callable[[bytes, str | None], bytes | None]


class SignerSource(Enum):
    """Where the verifier found a signer's certificate."""

    EMBEDDED = "embedded"
    TRUST_STORE = "trust-store"
    SESSION = "session"


@dataclass(frozen=True)
class KnownSigner:
    """What a certificate tells the verifier, worked out once per certificate and trust store.

    Only facts that cannot change while the trust store is the same are kept; the validity
    period is still compared with the clock on every message.
    """

    certificate: x509.Certificate
    summary: CertificateSummary
    key: Any
    chains_to_root: bool
    revoked: bool
    source: SignerSource


@dataclass(frozen=True)
class SignerRefused:
    """No usable signer: the verdict's reason and its one-sentence detail."""

    reason: Reason
    detail: str


class SignerLookup:
    """The signers one verifier has met, found again by ``kid``.

    Args:
        trust: Roots, revocations and known signers.
        session_signers: The certificates the link's handshakes verified; ``None``: every
            signer must be embedded or in the trust store.
    """

    def __init__(self, trust: TrustStore, session_signers: SessionSigners | None) -> None:
        self._trust = trust
        self._session_signers = session_signers
        self._known: dict[bytes, KnownSigner] = {}

    def find(self, envelope: ParsedEnvelope) -> KnownSigner | SignerRefused:
        """The signer of ``envelope`` (its signature not checked yet), or why there is none."""
        cached = self._known.get(envelope.kid)
        # A certificate learnt from an envelope's x5chain only stands for envelopes that embed
        # it again; one without a certificate must be signed by a signer of the trust store or
        # by the one the handshake of the session it names verified, else it is from an
        # unknown signer, whatever was seen before.
        if cached is not None and self._still_stands(cached, envelope):
            return cached
        found = self._certificate(envelope)
        if isinstance(found, SignerRefused):
            return found
        certificate, source = found
        try:
            key = verification_key(certificate, envelope.kid)
        except ValueError:
            return SignerRefused(Reason.BAD_SIGNATURE, "the signer's key cannot check ES256")
        known = KnownSigner(
            certificate=certificate,
            summary=CertificateSummary.of(certificate),
            key=key,
            chains_to_root=self._trust.issuing_root(certificate) is not None,
            revoked=self._trust.is_revoked(certificate),
            source=source,
        )
        if len(self._known) >= SIGNER_CACHE_SIZE:
            # Forget the oldest: a flood of rogue certificates must not evict everyone at once.
            del self._known[next(iter(self._known))]
        self._known[envelope.kid] = known
        return known

    def _still_stands(self, cached: KnownSigner, envelope: ParsedEnvelope) -> bool:
        """Whether a remembered signer may check ``envelope`` without looking it up again."""
        if envelope.certificate_der is not None:
            return certificate_id_of_der(envelope.certificate_der) == envelope.kid
        if cached.source is SignerSource.TRUST_STORE:
            return True
        # The session it was verified in may have ended, or the envelope may name another.
        return (
            cached.source is SignerSource.SESSION
            and self._session_certificate(envelope) is not None
        )

    def _session_certificate(self, envelope: ParsedEnvelope) -> bytes | None:
        if self._session_signers is None:
            return None
        session = envelope.claims.details.get("session")
        der = self._session_signers(envelope.kid, session if isinstance(session, str) else None)
        if der is None or certificate_id_of_der(der) != envelope.kid:
            return None
        return der

    def _certificate(
        self, envelope: ParsedEnvelope
    ) -> tuple[x509.Certificate, SignerSource] | SignerRefused:
        found = self._find_certificate(envelope)
        if isinstance(found, SignerRefused):
            return found
        certificate, source = found
        try:
            # Parsed lazily: a certificate can be well-formed DER around a key that is not.
            key = certificate.public_key()
        except (ValueError, UnsupportedAlgorithm):
            return SignerRefused(
                Reason.MALFORMED, "the signer certificate's public key cannot be read"
            )
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
            return SignerRefused(Reason.BAD_SIGNATURE, "the signer's key is not a P-256 key")
        return certificate, source

    def _find_certificate(
        self, envelope: ParsedEnvelope
    ) -> tuple[x509.Certificate, SignerSource] | SignerRefused:
        if envelope.certificate_der is None:
            known = self._trust.find_signer(envelope.kid)
            if known is not None:
                return known, SignerSource.TRUST_STORE
            der = self._session_certificate(envelope)
            if der is None:
                return SignerRefused(
                    Reason.UNKNOWN_SIGNER,
                    f"no certificate is known for key id {envelope.kid.hex()[:16]}...: none is "
                    "embedded, none is in the trust store and no handshake of this link "
                    "verified it",
                )
            source = SignerSource.SESSION
        else:
            der, source = envelope.certificate_der, SignerSource.EMBEDDED
            if certificate_id_of_der(der) != envelope.kid:
                return SignerRefused(
                    Reason.BAD_SIGNATURE,
                    "the embedded certificate is not the one the key id (kid) names",
                )
        try:
            return load_certificate(der), source
        except ValueError:
            return SignerRefused(Reason.MALFORMED, "the embedded certificate is not DER X.509")


def certificate_id_of_der(der: bytes) -> bytes:
    """SHA-256 of DER bytes (the ``kid`` of the certificate they encode)."""
    return hashlib.sha256(der).digest()
