"""The errors the project raises on purpose: one root, specific subclasses.

Callers that only need "did this fail for a reason we understand" catch :class:`IhdError`;
everything else is a bug.
"""

from __future__ import annotations

from ihd_app.protocol.reasons import Reason


class IhdError(Exception):
    """Root of every error raised on purpose by ``ihd_app`` and ``meter_emulator``."""


class ProtocolError(IhdError):
    """Bytes or values refused by the wire protocol.

    Attributes:
        reason: The machine-readable reason code.
        detail: One sentence saying precisely what was wrong.
    """

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class DecodeError(ProtocolError):
    """Bytes that do not decode to a valid unit, frame, envelope or segment."""


class EncodeError(ProtocolError):
    """A value that cannot be represented on the wire (out of range, too long)."""


class ConfigurationError(IhdError):
    """A trust store, PKI directory, policy file or identity that cannot be used."""


class SealedResponseError(IhdError):
    """A sealed data response that cannot be opened with the key at hand, or whose contents
    fail their checks (not for this operator, altered on the way, not signed by a trusted
    meter); the message says which, in one sentence."""
