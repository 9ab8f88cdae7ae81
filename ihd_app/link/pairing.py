"""Who answers pairing questions: the :class:`PairingAnswers` protocol and its adapter to Bumble.

The UI implements :class:`PairingAnswers` with dialogs, the headless IHD uses :class:`AutoAccept`
(``--accept-pairing``) or :class:`RejectAll`. :class:`AnswersPairingDelegate` puts any of them
behind a Bumble :class:`~bumble.pairing.PairingDelegate`.

Numeric comparison, the method the IHD wants (LE Secure Connections with MITM protection), needs
an I/O capability with a display and a yes/no input, or a keyboard and a display, on *both*
sides: :data:`DEFAULT_IO_CAPABILITY`. With less, Bumble falls back to passkey entry or to Just
Works; Just Works gives no MITM protection, and the delegate refuses it unless told otherwise.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from bumble.pairing import PairingDelegate

logger = logging.getLogger(__name__)

#: Bumble's abstract I/O capabilities (display / yes-no / keyboard).
IoCapability = PairingDelegate.IoCapability
#: Display and yes/no input: numeric comparison with a peer that has the same or a keyboard.
DEFAULT_IO_CAPABILITY = IoCapability.DISPLAY_OUTPUT_AND_YES_NO_INPUT


class PairingAnswers(Protocol):
    """Answers a person (or a policy) gives during pairing."""

    async def confirm_numeric(self, number: int) -> bool:
        """Return True when ``number`` (six digits) is the one the peer shows."""
        ...

    async def enter_passkey(self) -> int | None:
        """Return the six-digit passkey the peer shows, or ``None`` to refuse."""
        ...

    def display_passkey(self, passkey: int) -> None:
        """Show ``passkey`` so it can be typed on the peer."""
        ...


@dataclass
class AutoAccept:
    """Accepts every pairing without asking (the headless IHD's ``--accept-pairing``).

    Attributes:
        passkey: What to answer when asked to enter a passkey (``None`` refuses).
        confirmed: Every number confirmed, in order.
        displayed: Every passkey displayed, in order.
    """

    passkey: int | None = None
    confirmed: list[int] = field(default_factory=list)
    displayed: list[int] = field(default_factory=list)

    async def confirm_numeric(self, number: int) -> bool:
        """Confirm ``number`` and record it."""
        self.confirmed.append(number)
        logger.info("pairing: accepted numeric comparison %06d", number)
        return True

    async def enter_passkey(self) -> int | None:
        """Answer with :attr:`passkey`."""
        return self.passkey

    def display_passkey(self, passkey: int) -> None:
        """Record ``passkey``."""
        self.displayed.append(passkey)
        logger.info("pairing: passkey %06d", passkey)


@dataclass
class RejectAll:
    """Refuses every pairing.

    Attributes:
        refused: Every number refused, in order.
    """

    refused: list[int] = field(default_factory=list)

    async def confirm_numeric(self, number: int) -> bool:
        """Refuse ``number`` and record it."""
        self.refused.append(number)
        logger.info("pairing: refused numeric comparison %06d", number)
        return False

    async def enter_passkey(self) -> int | None:
        """Refuse to enter a passkey."""
        return None

    def display_passkey(self, passkey: int) -> None:
        """Show nothing: the peer's attempt will fail."""


class AnswersPairingDelegate(PairingDelegate):
    """A Bumble pairing delegate that asks :class:`PairingAnswers`.

    Args:
        answers: Who answers the questions.
        io_capability: The I/O capability announced to the peer.
        allow_just_works: Accept Just Works pairing (no MITM protection). Off by default: the
            IHD's characteristics need an authenticated link, so an unauthenticated bond would
            only be refused later, with a less clear error.
    """

    def __init__(
        self,
        answers: PairingAnswers,
        *,
        io_capability: PairingDelegate.IoCapability = DEFAULT_IO_CAPABILITY,
        allow_just_works: bool = False,
    ) -> None:
        super().__init__(io_capability=io_capability)
        self.answers = answers
        self.allow_just_works = allow_just_works

    async def confirm(self, auto: bool = False) -> bool:
        """Just Works confirmation: allowed only when :attr:`allow_just_works` is set."""
        if not self.allow_just_works:
            logger.warning("pairing: refused Just Works pairing (no MITM protection)")
        return self.allow_just_works

    async def compare_numbers(self, number: int, digits: int) -> bool:
        """Numeric comparison: ask :meth:`PairingAnswers.confirm_numeric`."""
        return await self.answers.confirm_numeric(number)

    async def get_number(self) -> int | None:
        """Passkey entry: ask :meth:`PairingAnswers.enter_passkey`."""
        return await self.answers.enter_passkey()

    async def display_number(self, number: int, digits: int) -> None:
        """Passkey display: tell :meth:`PairingAnswers.display_passkey`."""
        self.answers.display_passkey(number)
