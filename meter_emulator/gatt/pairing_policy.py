"""Who answers the meter's pairing questions: the pairing mode, and the person's answers to
"is this the same number?" and "show this passkey" (the GUI asks; ``--headless`` accepts and
logs the number)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Protocol

_LOG = logging.getLogger(__name__)


class PairingMode(StrEnum):
    """How the meter takes part in authenticating a pairing."""

    #: Display and yes/no: numeric comparison with a display-and-keyboard (or yes/no) IHD.
    NUMERIC_COMPARISON = "numeric-comparison"
    #: Display only: the meter shows a passkey the IHD types.
    PASSKEY_DISPLAY = "passkey-display"


class PairingPolicy(Protocol):
    """Answers the questions pairing asks of the person at the meter."""

    async def confirm(self, number: int) -> bool:
        """Return whether the six-digit number shown matches the IHD's."""
        ...

    def display_passkey(self, passkey: int) -> None:
        """Show the six-digit passkey the person must type on the IHD."""
        ...


class AutoAcceptPolicy:
    """The ``--headless`` policy: accept every comparison, and log every number shown.

    The peripheral asks it only while the pairing window is open, and refuses its "yes" if the
    window closed meanwhile, so it accepts no more than the window lets in.

    Args:
        log: Where to write the numbers; the module logger at INFO if ``None``.
    """

    def __init__(self, log: Callable[[str], None] | None = None) -> None:
        self._log = log or _LOG.info

    async def confirm(self, number: int) -> bool:
        """Accept, logging the number."""
        self._log(f"pairing: numeric comparison {number:06d} accepted automatically")
        return True

    def display_passkey(self, passkey: int) -> None:
        """Log the passkey."""
        self._log(f"pairing: passkey {passkey:06d}")


class CallbackPolicy:
    """A policy whose answers come from two callables (e.g. GUI dialogs).

    Args:
        confirm: ``await confirm(number)`` returns whether the person confirmed the number.
        display_passkey: ``display_passkey(passkey)`` shows the passkey.
    """

    def __init__(
        self,
        confirm: Callable[[int], Awaitable[bool]],
        display_passkey: Callable[[int], None],
    ) -> None:
        self._confirm = confirm
        self._display_passkey = display_passkey

    async def confirm(self, number: int) -> bool:
        """Ask the callable."""
        return await self._confirm(number)

    def display_passkey(self, passkey: int) -> None:
        """Hand the passkey to the callable."""
        self._display_passkey(passkey)


__all__ = ["AutoAcceptPolicy", "CallbackPolicy", "PairingMode", "PairingPolicy"]
