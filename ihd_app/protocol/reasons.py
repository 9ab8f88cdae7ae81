"""Reason codes: why a unit or an envelope was refused.

The codes are part of the interface contract (DESIGN.md §6): they appear in verdicts, in the
security log, in error notifications sent back to the originator and in ``--events`` files, so
their spelling never changes. Each carries a plain-language sentence for people.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why a unit or an envelope was refused."""

    MALFORMED = "malformed"
    OVERSIZE = "oversize"
    UNSUPPORTED_VERSION = "unsupported-version"
    BAD_SIGNATURE = "bad-signature"
    UNKNOWN_SIGNER = "unknown-signer"
    UNTRUSTED_CHAIN = "untrusted-chain"
    REVOKED_SIGNER = "revoked-signer"
    EXPIRED_CERTIFICATE = "expired-certificate"
    ROLE_NOT_AUTHORISED = "role-not-authorised"
    WRONG_TARGET = "wrong-target"
    REPLAY = "replay"
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    UNKNOWN_COMMAND = "unknown-command"
    WRONG_SESSION = "wrong-session"
    NOT_COMMISSIONED = "not-commissioned"

    @property
    def explanation(self) -> str:
        """A sentence a consumer or a demonstrator can read."""
        return _EXPLANATIONS[self]


#: Reasons only the meter gives: a reply relayed from another link or session, and a display not
#: on its device log. A display never refuses an envelope for them.
METER_ONLY_REASONS: frozenset[Reason] = frozenset({Reason.WRONG_SESSION, Reason.NOT_COMMISSIONED})

_EXPLANATIONS: dict[Reason, str] = {
    Reason.MALFORMED: "The message was damaged or badly formed and could not be read.",
    Reason.OVERSIZE: "The message was larger than any genuine message can be.",
    Reason.UNSUPPORTED_VERSION: "The message uses a format version or algorithm this display "
    "does not support.",
    Reason.BAD_SIGNATURE: "The message's signature does not match its contents: it was altered "
    "or forged.",
    Reason.UNKNOWN_SIGNER: "The message was signed by someone this display has no certificate for.",
    Reason.UNTRUSTED_CHAIN: "The signer's certificate was not issued by an authority this display "
    "trusts.",
    Reason.REVOKED_SIGNER: "The signer's certificate has been revoked.",
    Reason.EXPIRED_CERTIFICATE: "The signer's certificate is outside its validity period.",
    Reason.ROLE_NOT_AUTHORISED: "The sender is not authorised to send this kind of message.",
    Reason.WRONG_TARGET: "The message was addressed to a different meter or display.",
    Reason.REPLAY: "The message is a copy of one already received (a replay).",
    Reason.EXPIRED: "The message's validity period has ended.",
    Reason.NOT_YET_VALID: "The message is not valid yet.",
    Reason.UNKNOWN_COMMAND: "The message asks for something this display does not understand.",
    Reason.WRONG_SESSION: "The reply belongs to a different connection than the one it arrived "
    "on: it was relayed or replayed.",
    Reason.NOT_COMMISSIONED: "The display is not on the meter's list of devices: the energy "
    "supplier has not added it.",
}
