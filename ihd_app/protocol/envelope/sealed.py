"""Sealing: COSE_Encrypt (RFC 9052 §5.1) to one recipient's certificate, ECDH-ES + HKDF-256 and
AES-GCM, for what leaves the home and only its addressee may read (docs/protocol.md §5.4).

Layout (CBOR, tag 96)::

    [ protected: bstr .cbor { 1: 1 (A128GCM), 3: 18 (content: a COSE_Sign1) },
      unprotected: { 5: IV (12 bytes) },
      ciphertext: bstr (the signed envelope, AES-128-GCM, its tag appended),
      recipients: [ [ protected: bstr .cbor { 1: -25 (ECDH-ES + HKDF-256) },
                      unprotected: { -1: the sender's ephemeral P-256 public key (COSE_Key),
                                     4: kid = SHA-256 of the recipient's certificate },
                      ciphertext: h'' (direct key agreement: no wrapped key) ] ] ]

The content key is derived afresh for every message from an ephemeral key and the recipient's
certificate key (HKDF-SHA-256 over the RFC 9053 COSE_KDF_Context), so only the holder of that
certificate's private key can derive it again; nothing on the path learns the content, nor who
signed it (the signer's certificate travels inside). AES-128 matches P-256's 128-bit strength,
as GBCS pairs them. The recipient's ``kid`` stays visible: it tells an operator which of its
keys to use, and names nobody the transport does not already name.

Encryption, key agreement and key derivation are done by the ``cwt`` library; this module only
fixes the profile (one recipient, these algorithms) and turns its failures into one error.
"""

from __future__ import annotations

from typing import Any

import cbor2
import cwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ihd_app.protocol.errors import SealedResponseError
from ihd_app.protocol.pki.certificates import certificate_id
from ihd_app.protocol.pki.identity import Identity

COSE_ENCRYPT_TAG = 96
ALG = 1
CONTENT_TYPE = 3
KID = 4
A128GCM = 1
ECDH_ES_HKDF_256 = -25
#: CoAP Content-Format of ``application/cose; cose-type="cose-sign1"`` (RFC 9052 §9.1).
COSE_SIGN1_CONTENT_FORMAT = 18
KID_BYTES = 32
#: A sealed data response is a signed envelope (at most 4 KiB) plus about 150 bytes.
MAX_SEALED_BYTES = 8192
#: Both ends derive the content key for this content algorithm (the KDF context names it).
_CONTENT_ALG = "A128GCM"


def _agreement_key(pem: bytes, kid: bytes) -> Any:
    return cwt.COSEKey.from_pem(pem, alg="ECDH-ES+HKDF-256", kid=kid)


def seal(plaintext: bytes, recipient: x509.Certificate) -> bytes:
    """Encrypt ``plaintext`` so only the holder of ``recipient``'s private key can read it.

    Args:
        plaintext: What to seal (a signed envelope).
        recipient: The certificate whose public key the content key is agreed with.

    Returns:
        The COSE_Encrypt bytes.

    Raises:
        SealedResponseError: The certificate's key is not a P-256 key.
    """
    key = recipient.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise SealedResponseError("the recipient's certificate does not hold a P-256 key")
    kid = certificate_id(recipient)
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    to = cwt.Recipient.new(
        protected={ALG: ECDH_ES_HKDF_256},
        unprotected={KID: kid},
        recipient_key=_agreement_key(pem, kid),
        context={"alg": _CONTENT_ALG},
    )
    encoded = cwt.COSE.new().encode_and_encrypt(
        plaintext,
        protected={ALG: A128GCM, CONTENT_TYPE: COSE_SIGN1_CONTENT_FORMAT},
        recipients=[to],
    )
    assert isinstance(encoded, bytes)
    return encoded


def sealed_for(sealed: bytes, max_bytes: int = MAX_SEALED_BYTES) -> bytes:
    """The ``kid`` (SHA-256 of the recipient's certificate) a sealed message names.

    Raises:
        SealedResponseError: The bytes are not a COSE_Encrypt of this profile.
    """
    if len(sealed) > max_bytes:
        raise SealedResponseError(
            f"the sealed response is {len(sealed)} bytes; at most {max_bytes} are read"
        )
    try:
        item = cbor2.loads(sealed)
        tag = item.tag
        protected, _unprotected, _ciphertext, recipients = item.value
        content_alg = cbor2.loads(protected).get(ALG)
        count = len(recipients)
        recipient_alg = cbor2.loads(recipients[0][0]).get(ALG)
        kid = recipients[0][1].get(KID)
    # Hostile input raises anything from cbor2, unpacking and indexing; all of it means "not
    # this profile".
    except Exception:
        raise SealedResponseError("the bytes are not a sealed response (COSE_Encrypt)") from None
    if tag != COSE_ENCRYPT_TAG:
        raise SealedResponseError(f"a sealed response is a COSE_Encrypt (tag {COSE_ENCRYPT_TAG})")
    if count != 1 or content_alg != A128GCM:
        raise SealedResponseError("a sealed response has one recipient and uses A128GCM")
    if recipient_alg != ECDH_ES_HKDF_256:
        raise SealedResponseError("a sealed response's key is agreed with ECDH-ES + HKDF-256")
    if not isinstance(kid, bytes) or len(kid) != KID_BYTES:
        raise SealedResponseError(f"the recipient's kid must be {KID_BYTES} bytes")
    return kid


def unseal(sealed: bytes, recipient: Identity, max_bytes: int = MAX_SEALED_BYTES) -> bytes:
    """Decrypt a sealed message with ``recipient``'s private key.

    Raises:
        SealedResponseError: It is not sealed for ``recipient``'s certificate, or it does not
            decrypt with its key (another key, or bytes altered on the way).
    """
    kid = sealed_for(sealed, max_bytes)
    if kid != recipient.kid:
        raise SealedResponseError(
            f"sealed for the certificate {kid.hex()[:16]}..., not for {recipient.entity_id}'s "
            f"({recipient.kid.hex()[:16]}...): its key cannot open it"
        )
    return decrypt(sealed, recipient.private_key, kid)


def decrypt(sealed: bytes, private_key: ec.EllipticCurvePrivateKey, kid: bytes) -> bytes:
    """Decrypt with ``private_key`` whatever the sealed bytes name (``unseal`` checks first).

    Raises:
        SealedResponseError: The key agreed is not the sender's, or the bytes were altered.
    """
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        plaintext = cwt.COSE.new().decode(
            sealed, _agreement_key(pem, kid), context={"alg": _CONTENT_ALG}
        )
    # cwt says DecodeError on a failed AES-GCM tag and ValueError on a key of another kid or
    # a malformed structure: to the caller they are all "cannot open".
    except (cwt.DecodeError, cwt.VerifyError, ValueError, KeyError, TypeError):
        raise SealedResponseError(
            "the sealed response does not decrypt with this key: it was sealed for another "
            "key, or altered on the way"
        ) from None
    assert isinstance(plaintext, bytes)
    return plaintext
