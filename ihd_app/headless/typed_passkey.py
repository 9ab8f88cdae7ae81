"""The headless display's pairing answers: numeric comparison by flag, the passkey typed in.

A meter (or dev board) that can only display a passkey needs a person to type it on the display
(passkey entry). Without a window, ``ihd --headless`` asks on standard error and reads one line
from standard input, so a developer at a terminal types the six digits the board shows, and a
script pipes them in. Nothing to read (standard input closed or empty) refuses the pairing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from ihd_app.link.pairing import AutoAccept, PairingAnswers, RejectAll

logger = logging.getLogger(__name__)

_MAX_PASSKEY = 999_999


def _read_line(source: TextIO) -> str | None:
    try:
        line = source.readline()
    except (OSError, ValueError):  # closed, or not readable at all
        return None
    return line or None


class TypedPasskey:
    """Answers numeric comparison as ``--accept-pairing`` says, and asks for a typed passkey.

    Args:
        accept_comparison: Confirm numeric comparison automatically (``--accept-pairing``);
            otherwise every comparison is refused.
        source: Where the passkey is read from (standard input).
        say: Where the prompt and a refusal are written (standard error).
    """

    def __init__(
        self,
        *,
        accept_comparison: bool,
        source: TextIO | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self._comparison: PairingAnswers = AutoAccept() if accept_comparison else RejectAll()
        self._source = source if source is not None else sys.stdin
        self._say = say or (lambda text: print(text, file=sys.stderr, flush=True))

    async def confirm_numeric(self, number: int) -> bool:
        """Confirm or refuse, as ``--accept-pairing`` says."""
        return await self._comparison.confirm_numeric(number)

    async def enter_passkey(self) -> int | None:
        """Ask for the passkey the meter shows and read it from :attr:`source`.

        Returns:
            The passkey, or ``None`` (refuse) when nothing can be read or the line is not six
            digits.
        """
        self._say("ihd: type the 6-digit passkey the meter shows, then Enter:")
        line = await self._read_in_thread()
        if line is None:
            self._say("ihd: no passkey to read on standard input: pairing refused")
            return None
        text = line.strip()
        if not (text.isdigit() and len(text) <= len(str(_MAX_PASSKEY))):
            self._say(f"ihd: {text!r} is not a 6-digit passkey: pairing refused")
            return None
        return int(text)

    def display_passkey(self, passkey: int) -> None:
        """Show the passkey the meter's keypad must type."""
        self._say(f"ihd: type {passkey:06d} on the meter")

    async def _read_in_thread(self) -> str | None:
        # A daemon thread, not the loop's executor: a read that never returns (nobody types)
        # must not keep the process from exiting, and executor threads are joined at exit.
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[str | None] = loop.create_future()

        def deliver(line: str | None) -> None:
            if not answer.done():
                answer.set_result(line)

        def read() -> None:
            line = _read_line(self._source)
            with contextlib.suppress(RuntimeError):  # the loop closed while nobody typed
                loop.call_soon_threadsafe(deliver, line)

        threading.Thread(target=read, name="ihd-passkey", daemon=True).start()
        return await answer
