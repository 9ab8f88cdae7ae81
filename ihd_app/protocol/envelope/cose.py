"""The signed envelope: COSE_Sign1 (RFC 9052), ES256, CWT claims in the protected header.

Layout (CBOR, tag 18)::

    [ protected: bstr .cbor { 1: -7 (ES256), 4: kid (32 bytes), 15: claims },
      unprotected: { ? 33: signer certificate (DER, RFC 9360 x5chain) },
      payload: bstr (the ZCL unit; empty for types that carry only details),
      signature: bstr (64 bytes, r || s) ]

Signing and signature checks are done by the ``cwt`` library; this module only adds the profile
rules (which headers are required, their sizes) so malformed input gets a precise reason.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import cbor2
import cwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ihd_app.protocol.envelope.claims import Claims
from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.pki.identity import Identity
from ihd_app.protocol.reasons import Reason

COSE_SIGN1_TAG = 18
ALG = 1
CRIT = 2
KID = 4
CWT_CLAIMS = 15
X5CHAIN = 33
ES256 = -7
KID_BYTES = 32
SIGNATURE_BYTES = 64
#: No genuine envelope comes near this: a 254-byte message, claims and a certificate fit in 1.2 KiB.
MAX_ENVELOPE_BYTES = 4096
MAX_CERTIFICATE_BYTES = 2048


@dataclass(frozen=True)
class ParsedEnvelope:
    """An envelope whose structure is valid; nothing about it is trusted yet.

    Attributes:
        raw: The envelope bytes.
        protected: The protected header bytes exactly as received (they are signed).
        kid: SHA-256 of the signer's certificate.
        claims: The CWT claims.
        certificate_der: The signer's certificate from ``x5chain``, if embedded.
        payload: The ZCL unit (may be empty).
        signature: The ES256 signature.
    """

    raw: bytes
    protected: bytes
    kid: bytes
    claims: Claims
    certificate_der: bytes | None
    payload: bytes
    signature: bytes


def sign_envelope(
    identity: Identity, claims: Claims, payload: bytes, *, embed_certificate: bool = True
) -> bytes:
    """Sign ``payload`` with ``identity`` under ``claims``.

    Args:
        identity: The signer; its certificate's SHA-256 becomes the ``kid``.
        claims: What the envelope asserts.
        payload: The ZCL unit.
        embed_certificate: Put the signer's certificate in ``x5chain`` so a recipient that has
            never seen it can still check it against its roots.

    Returns:
        The COSE_Sign1 bytes.
    """
    key_pem = identity.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key = cwt.COSEKey.from_pem(key_pem, alg="ES256", kid=identity.kid)
    protected = {ALG: ES256, KID: identity.kid, CWT_CLAIMS: claims.to_cbor_map()}
    unprotected = {X5CHAIN: identity.certificate_der} if embed_certificate else {}
    encoded = cwt.COSE.new(deterministic_header=True).encode_and_sign(
        payload, key, protected=protected, unprotected=unprotected
    )
    assert isinstance(encoded, bytes)
    return encoded


def verification_key(certificate: x509.Certificate, kid: bytes) -> Any:
    """The COSE key that checks signatures made with ``certificate``'s private key.

    Raises:
        ValueError: The certificate's key cannot be used for ES256.
    """
    public_pem = certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return cwt.COSEKey.from_pem(public_pem, alg="ES256", kid=kid)


def signature_is_valid(envelope: ParsedEnvelope, key: Any) -> bool:
    """Whether the envelope's ES256 signature verifies with ``key``.

    Args:
        envelope: The parsed envelope.
        key: From :func:`verification_key` for the signer's certificate.
    """
    try:
        cwt.COSE.new(verify_kid=True).decode(envelope.raw, key)
    except (cwt.VerifyError, cwt.DecodeError, ValueError):
        return False
    return True


def _loads_exactly(data: bytes, what: str) -> Any:
    """Decode one CBOR item that must span all of ``data``."""
    stream = io.BytesIO(data)
    try:
        item = cbor2.CBORDecoder(stream).decode()
    # cbor2 raises a zoo of exceptions on hostile input (CBORDecodeError, ValueError from tag
    # hooks, OverflowError, RecursionError on deep nesting); all of them mean "not CBOR".
    except Exception as exc:
        raise DecodeError(
            Reason.MALFORMED, f"{what} is not valid CBOR ({type(exc).__name__})"
        ) from None
    if stream.tell() != len(data):
        raise DecodeError(
            Reason.MALFORMED, f"{what} has {len(data) - stream.tell()} trailing byte(s)"
        )
    return item


def parse_envelope(data: bytes, max_bytes: int = MAX_ENVELOPE_BYTES) -> ParsedEnvelope:
    """Check the envelope's structure and read its parts, without trusting any of them.

    Raises:
        DecodeError: ``oversize``, ``malformed``, ``unsupported-version`` (an algorithm other
            than ES256, an unknown critical header or another envelope version) or
            ``bad-signature`` (a signature that is not 64 bytes, e.g. an unsigned envelope).
    """
    if len(data) > max_bytes:
        raise DecodeError(
            Reason.OVERSIZE, f"envelope is {len(data)} bytes; at most {max_bytes} are accepted"
        )
    item = _loads_exactly(bytes(data), "envelope")
    if isinstance(item, cbor2.CBORTag):
        if item.tag != COSE_SIGN1_TAG:
            raise DecodeError(
                Reason.MALFORMED, f"CBOR tag {item.tag} is not COSE_Sign1 ({COSE_SIGN1_TAG})"
            )
        item = item.value
    if not isinstance(item, list) or len(item) != 4:
        raise DecodeError(Reason.MALFORMED, "COSE_Sign1 must be an array of 4 items")
    protected_bytes, unprotected, payload, signature = item
    if not isinstance(protected_bytes, bytes) or not protected_bytes:
        raise DecodeError(Reason.MALFORMED, "protected header must be a non-empty byte string")
    if not isinstance(unprotected, dict):
        raise DecodeError(Reason.MALFORMED, "unprotected header must be a map")
    if not isinstance(payload, bytes):
        raise DecodeError(Reason.MALFORMED, "payload must be an attached byte string")
    if not isinstance(signature, bytes):
        raise DecodeError(Reason.MALFORMED, "signature must be a byte string")
    protected = _loads_exactly(protected_bytes, "protected header")
    if not isinstance(protected, dict):
        raise DecodeError(Reason.MALFORMED, "protected header must be a map")
    if ALG not in protected:
        raise DecodeError(Reason.MALFORMED, "protected header has no algorithm (label 1)")
    if protected[ALG] != ES256:
        raise DecodeError(
            Reason.UNSUPPORTED_VERSION,
            f"algorithm {protected[ALG]!r} is not supported; envelopes use ES256 (-7)",
        )
    if CRIT in protected:
        raise DecodeError(
            Reason.UNSUPPORTED_VERSION, "critical header parameters are not understood"
        )
    kid = protected.get(KID)
    if not isinstance(kid, bytes) or len(kid) != KID_BYTES:
        raise DecodeError(Reason.MALFORMED, f"kid (label 4) must be {KID_BYTES} bytes")
    claims = Claims.from_cbor_map(protected.get(CWT_CLAIMS))
    certificate = unprotected.get(X5CHAIN)
    if isinstance(certificate, list):
        certificate = certificate[0] if certificate else None
    if certificate is not None and (
        not isinstance(certificate, bytes) or len(certificate) > MAX_CERTIFICATE_BYTES
    ):
        raise DecodeError(Reason.MALFORMED, "x5chain (label 33) must be a DER certificate")
    if len(signature) != SIGNATURE_BYTES:
        raise DecodeError(
            Reason.BAD_SIGNATURE,
            f"signature is {len(signature)} bytes; an ES256 signature is {SIGNATURE_BYTES}",
        )
    return ParsedEnvelope(
        raw=bytes(data),
        protected=protected_bytes,
        kid=kid,
        claims=claims,
        certificate_der=certificate,
        payload=payload,
        signature=signature,
    )
