"""Why a pairing failed, in words a person can act on: the ``pairing.failed {reason}`` event.

The Bluetooth stacks name the wrong cause. Bumble answers a refused numeric comparison *and* a
refused Just Works with the same SMP code (Confirm Value Failed), Linux sends Numeric Comparison
Failed, and BlueZ turns most of them into ``org.bluez.Error.AuthenticationFailed``. What does tell
them apart is which question this side was asked during the attempt: :class:`PairingTracker`
wraps the display's :class:`PairingAnswers` to note it, and classifies the error with it.

Reasons (the same words the meter emulator uses):

- ``comparison-rejected``: a person said the six-digit numbers differ (on either device);
- ``passkey-wrong``: passkey entry failed (wrong or no passkey typed);
- ``just-works-refused``: one side asked for pairing without MITM protection, the other refused;
- ``legacy-pairing-refused``: one side offered only legacy (pre-4.2) pairing, the other refused;
- ``not-pairable``: the meter takes no new display now (SMP Pairing Not Supported): its pairing
  window is closed (the emulator's ``pairing.failed`` says ``window-closed``); open it and pair
  again;
- ``timeout``: nobody answered in time;
- ``failed``: none of these (the link dropped, a stack error): the detail says what.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from ihd_app.link.pairing import PairingAnswers


class PairingFailure(StrEnum):
    """The cause of a failed pairing."""

    COMPARISON_REJECTED = "comparison-rejected"
    PASSKEY_WRONG = "passkey-wrong"
    JUST_WORKS_REFUSED = "just-works-refused"
    LEGACY_REFUSED = "legacy-pairing-refused"
    NOT_PAIRABLE = "not-pairable"
    TIMEOUT = "timeout"
    FAILED = "failed"


# Bumble's SMP reason names (BumblePairingError.reason_name) and BlueZ's D-Bus errors
# (BleakDBusError.dbus_error) that name their cause whatever was asked.
_BY_NAME: Final = {
    "NUMERIC_COMPARISON_FAILED": PairingFailure.COMPARISON_REJECTED,
    "PASSKEY_ENTRY_FAILED": PairingFailure.PASSKEY_WRONG,
    "AUTHENTICATION_REQUIREMENTS": PairingFailure.LEGACY_REFUSED,
    "PAIRING_NOT_SUPPORTED": PairingFailure.NOT_PAIRABLE,
    "org.bluez.Error.AuthenticationTimeout": PairingFailure.TIMEOUT,
}


class PairingTracker:
    """Notes which pairing question this side was asked, to classify a failure afterwards.

    Args:
        answers: Who really answers; :meth:`answers` returns it wrapped.
    """

    def __init__(self, answers: PairingAnswers) -> None:
        self._inner = answers
        self._asked: PairingFailure | None = None

    @property
    def answers(self) -> PairingAnswers:
        """The answers to give the stack (Bumble's delegate or BlueZ's agent)."""
        return _TrackedAnswers(self)

    def start(self) -> None:
        """A pairing attempt begins: forget the previous one's questions."""
        self._asked = None

    def classify(self, error: BaseException) -> PairingFailure:
        """The cause of the failed attempt that raised ``error``."""
        text = str(error)
        name = str(getattr(error, "reason_name", "") or getattr(error, "dbus_error", "") or "")
        if isinstance(error, TimeoutError) or "no answer within" in text:
            return PairingFailure.TIMEOUT
        if name in _BY_NAME and _BY_NAME[name] is not PairingFailure.LEGACY_REFUSED:
            return _BY_NAME[name]
        if self._asked is not None:
            return self._asked
        if name in _BY_NAME:
            return _BY_NAME[name]
        if name in ("CONFIRM_VALUE_FAILED", "org.bluez.Error.AuthenticationFailed"):
            # Nobody here was asked anything: the method was Just Works, and one side refused.
            return PairingFailure.JUST_WORKS_REFUSED
        return PairingFailure.FAILED


class _TrackedAnswers:
    def __init__(self, tracker: PairingTracker) -> None:
        self._tracker = tracker

    async def confirm_numeric(self, number: int) -> bool:
        self._tracker._asked = PairingFailure.COMPARISON_REJECTED
        return await self._tracker._inner.confirm_numeric(number)

    async def enter_passkey(self) -> int | None:
        self._tracker._asked = PairingFailure.PASSKEY_WRONG
        return await self._tracker._inner.enter_passkey()

    def display_passkey(self, passkey: int) -> None:
        self._tracker._asked = PairingFailure.PASSKEY_WRONG
        self._tracker._inner.display_passkey(passkey)
