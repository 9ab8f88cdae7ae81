"""Pairing questions for the person at the meter, answered in the window.

Bumble's pairing delegate awaits :meth:`PairingQuestions.confirm`; the window's radio status
shows the six-digit number with "Same number" / "Different" buttons and answers through
:meth:`PairingQuestions.answer`. With ``auto_accept`` (``--accept-pairing``, automation and
screenshots) the number is still shown, and accepted at once.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QObject, Signal

from meter_emulator.gatt.pairing_policy import CallbackPolicy

#: A person has this long to compare the numbers; the IHD's side gives up at about the same.
ANSWER_TIMEOUT_S = 60.0


class PairingQuestions(QObject):
    """What pairing asks of the person at the meter, as signals and an answer slot.

    Attributes:
        asked: ``(number, auto_accepted)``: compare this number with the IHD's.
        passkey_shown: ``(passkey)``: the person types this on the IHD.
        settled: The question was answered (or timed out).
    """

    asked = Signal(int, bool)
    passkey_shown = Signal(int)
    settled = Signal()

    def __init__(self, *, auto_accept: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.auto_accept = auto_accept
        self._answer: asyncio.Future[bool] | None = None

    @property
    def waiting(self) -> bool:
        """Whether a comparison waits for the person's answer."""
        return self._answer is not None and not self._answer.done()

    def policy(self) -> CallbackPolicy:
        """The meter peripheral's pairing policy, answered here."""
        return CallbackPolicy(self.confirm, self.passkey_shown.emit)

    async def confirm(self, number: int) -> bool:
        """Ask whether ``number`` matches the IHD's; ``False`` after :data:`ANSWER_TIMEOUT_S`."""
        if self.auto_accept:
            self.asked.emit(number, True)
            return True
        self._answer = asyncio.get_running_loop().create_future()
        self.asked.emit(number, False)
        try:
            return await asyncio.wait_for(asyncio.shield(self._answer), ANSWER_TIMEOUT_S)
        except TimeoutError:
            return False
        finally:
            self._answer = None
            self.settled.emit()

    def answer(self, same: bool) -> None:
        """The person's answer to the waiting question (ignored if none waits)."""
        if self._answer is not None and not self._answer.done():
            self._answer.set_result(same)

    def cancel(self) -> None:
        """Refuse a waiting question (the window is closing)."""
        self.answer(False)
