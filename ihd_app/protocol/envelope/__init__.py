"""The signed envelope: COSE_Sign1 with CWT claims."""

from ihd_app.protocol.envelope.claims import ENVELOPE_VERSION, Claims
from ihd_app.protocol.envelope.cose import (
    MAX_ENVELOPE_BYTES,
    ParsedEnvelope,
    parse_envelope,
    sign_envelope,
    signature_is_valid,
    verification_key,
)

__all__ = [
    "ENVELOPE_VERSION",
    "MAX_ENVELOPE_BYTES",
    "Claims",
    "ParsedEnvelope",
    "parse_envelope",
    "sign_envelope",
    "signature_is_valid",
    "verification_key",
]
