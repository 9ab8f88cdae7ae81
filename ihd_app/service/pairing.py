"""Pairing answers for the service: asked of the consumer (UI) or decided by flags (headless)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ihd_app.link.pairing import PairingAnswers
from ihd_app.service.api import PairingQuestion, PairingRequest


class InteractivePairing:
    """Asks the consumer: sets a :class:`PairingRequest` and waits for the UI's answer.

    Args:
        changed: Called whenever the pending request appears or goes away.
        timeout_s: How long a question waits before it counts as refused.
    """

    def __init__(self, changed: Callable[[], None], timeout_s: float = 120.0) -> None:
        self._changed = changed
        self._timeout = timeout_s
        self.request: PairingRequest | None = None
        self._answer: asyncio.Future[tuple[bool, int | None]] | None = None

    async def _ask(self, request: PairingRequest) -> tuple[bool, int | None]:
        self.request = request
        self._answer = asyncio.get_running_loop().create_future()
        self._changed()
        try:
            return await asyncio.wait_for(self._answer, self._timeout)
        except TimeoutError:
            return False, None
        finally:
            self.request = None
            self._answer = None
            self._changed()

    def answer(self, accepted: bool, passkey: int | None = None) -> None:
        """The consumer's answer to the pending question (ignored if none is pending)."""
        if self._answer is not None and not self._answer.done():
            self._answer.set_result((accepted, passkey))

    async def confirm_numeric(self, number: int) -> bool:
        accepted, _ = await self._ask(PairingRequest(PairingQuestion.COMPARE, number))
        return accepted

    async def enter_passkey(self) -> int | None:
        accepted, passkey = await self._ask(PairingRequest(PairingQuestion.ENTER_PASSKEY, None))
        return passkey if accepted else None

    def display_passkey(self, passkey: int) -> None:
        self.request = PairingRequest(PairingQuestion.SHOW_PASSKEY, passkey)
        self._changed()


class ReportedAnswers:
    """Pairing answers that also report each question as an event (what a screen would show).

    Args:
        inner: Who really answers.
        emit: Where the events go.
    """

    def __init__(self, inner: PairingAnswers, emit: Callable[..., object]) -> None:
        self._inner = inner
        self._emit = emit

    async def confirm_numeric(self, number: int) -> bool:
        accepted = await self._inner.confirm_numeric(number)
        self._emit("pairing.numeric-comparison", number=number, accepted=accepted)
        return accepted

    async def enter_passkey(self) -> int | None:
        passkey = await self._inner.enter_passkey()
        self._emit("pairing.passkey-entry", entered=passkey is not None)
        return passkey

    def display_passkey(self, passkey: int) -> None:
        self._emit("pairing.passkey-display", passkey=passkey)
        self._inner.display_passkey(passkey)
