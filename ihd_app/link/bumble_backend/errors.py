"""Errors of the Bumble backend: bleak's error types, also rooted in :class:`IhdError`.

Every error derives from :class:`bleak.exc.BleakError`, so code written against bleak's API
keeps working, and from :class:`ihd_app.protocol.errors.IhdError`, so the app can catch "a
failure we understand" in one place.
"""

from __future__ import annotations

from bleak.exc import PROTOCOL_ERROR_CODES, BleakError, BleakGATTProtocolError

from ihd_app.protocol.errors import IhdError

#: ATT errors that mean "this link is not secure enough": pair (or re-pair) and try again.
INSUFFICIENT_AUTHENTICATION = 0x05
INSUFFICIENT_ENCRYPTION_KEY_SIZE = 0x0C
INSUFFICIENT_ENCRYPTION = 0x0F
SECURITY_ATT_ERRORS = frozenset(
    {INSUFFICIENT_AUTHENTICATION, INSUFFICIENT_ENCRYPTION_KEY_SIZE, INSUFFICIENT_ENCRYPTION}
)

#: Plain-language causes of SMP Pairing Failed reason codes (Core Vol 3 Part H 3.5.5).
_SMP_REASONS: dict[int, str] = {
    0x01: "the passkey was not entered",
    0x02: "out-of-band data is not available",
    0x03: "MITM protection cannot be met with these I/O capabilities",
    0x04: "the numeric comparison was rejected or the confirm values did not match",
    0x05: "the peer does not allow pairing now (a meter whose pairing window is closed)",
    0x06: "the encryption key would be too short",
    0x07: "a pairing command was not supported",
    0x08: "unspecified reason",
    0x09: "too many attempts, wait before trying again",
    0x0A: "invalid parameters",
    0x0B: "the DHKey check failed",
    0x0C: "the numeric comparison was rejected",
    0x0D: "BR/EDR pairing is in progress",
    0x0E: "cross-transport key derivation is not allowed",
    0x0F: "the peer's key was rejected",
}


class BumbleLinkError(BleakError, IhdError):
    """The link is not there: not connected, lost during an operation, or timed out."""


class BumbleAttError(BleakGATTProtocolError, IhdError):
    """The peer answered an ATT request with an ATT Error Response.

    Attributes:
        att_error_code: The ATT error code (e.g. ``0x05`` Insufficient Authentication).
        handle: The attribute handle the request was about.
    """

    def __init__(self, att_error_code: int, handle: int, operation: str) -> None:
        super().__init__(att_error_code)
        self.att_error_code = att_error_code
        self.handle = handle
        self.operation = operation

    @property
    def needs_pairing(self) -> bool:
        """True when the error means the link is not encrypted or authenticated enough."""
        return self.att_error_code in SECURITY_ATT_ERRORS

    def __str__(self) -> str:
        name = PROTOCOL_ERROR_CODES.get(self.att_error_code, "Unknown error")
        hint = ": pair with the device first" if self.needs_pairing else ""
        return (
            f"{self.operation} of handle 0x{self.handle:04X} failed with ATT error "
            f"0x{self.att_error_code:02X} ({name}){hint}"
        )


class BumblePairingError(BleakError, IhdError):
    """Pairing did not complete: refused by either side, failed, timed out or the link dropped.

    Attributes:
        reason: The SMP Pairing Failed reason code, or ``None`` when pairing stopped for another
            cause (link lost, timeout).
        reason_name: The reason's name in Bumble (e.g. ``NUMERIC_COMPARISON_FAILED``), or ``""``.
    """

    def __init__(
        self, address: str, detail: str, reason: int | None = None, name: str = ""
    ) -> None:
        super().__init__(f"pairing with {address} failed: {detail}")
        self.address = address
        self.reason = reason
        self.reason_name = name

    @classmethod
    def from_smp(cls, address: str, reason: int, name: str) -> BumblePairingError:
        """Build the error for an SMP Pairing Failed reason code."""
        cause = _SMP_REASONS.get(reason, "unknown reason")
        return cls(address, f"{cause} (SMP 0x{reason:02X} {name})", reason, name)
