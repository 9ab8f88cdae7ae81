"""Keeping the display connected: the radio opened whenever it is there, the meter found and
connected, the radio reopened when it goes away, and a refused pairing held until someone acts.

One loop for the window and for ``ihd --headless``. The display may start before the meter (a
workshop laptop, ``./run ihd`` then ``./run meter-emulator``): on the virtual radio the meter
emulator *is* the air, so until it runs there is no radio to open. The keeper says so, retries
with backoff, and connects as soon as the meter appears; it never gives up by itself.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from ihd_app.link.errors import MeterNotTrustedError, PairingRefusedError
from ihd_app.link.pairing_failure import PairingFailure
from ihd_app.link.reconnect import ReconnectPolicy, raise_if_cancelled
from ihd_app.protocol.errors import IhdError
from ihd_app.service.api import ConnectionProblem, ProblemKind

#: Reopening a radio that is not there: quick at first (the meter is usually seconds behind),
#: then every few seconds.
RADIO_BACKOFF = ReconnectPolicy(initial_s=0.5, max_s=5.0)

REFUSED_ADVICE = (
    "Nothing was stored on either side. Check that both screens "
    "show the same number, then press Pair again."
)
#: A meter whose pairing window is closed refuses before any number is shown.
WINDOW_CLOSED_ADVICE = (
    "The meter is not accepting new displays now. Open its pairing window (on the meter), "
    "then press Pair again."
)


def refusal_advice(reason: str) -> str:
    """What the consumer can do after a refused pairing, by its reason."""
    return WINDOW_CLOSED_ADVICE if reason == PairingFailure.NOT_PAIRABLE else REFUSED_ADVICE


def untrusted_advice(exc: MeterNotTrustedError, display_id: str) -> str:
    """What the consumer is told when the meter was not accepted (the handshake's reason)."""
    advice = str(exc).split(" (", 1)[0]
    if display_id and exc.reason == "not-commissioned":
        advice += f" This display's ID is {display_id}."
    return advice


#: Problems that wait for someone to act (Pair again, Try again).
_WAITING_FOR_SOMEONE = frozenset({ProblemKind.PAIRING_REFUSED, ProblemKind.METER_NOT_TRUSTED})


class Connectable(Protocol):
    """What the keeper needs of the display's radio and link
    (:class:`~ihd_app.service.radio_link.RadioLink`)."""

    def radio_is_open(self) -> bool:
        """Whether the radio is open (a MeterLink exists)."""
        ...

    async def open_radio(self) -> None:
        """Open the radio. Raises IhdError when it is not there."""
        ...

    async def close_radio(self) -> None:
        """Close the link and the radio."""
        ...

    async def connect_until_connected(self, search_timeout_s: float = 10.0) -> None:
        """Find and connect to the meter. Raises PairingRefusedError."""
        ...

    async def radio_lost(self) -> None:
        """Return when the radio goes away."""
        ...

    async def link_refused(self) -> PairingRefusedError:
        """Return the refusal that ended the link's reconnecting by itself (the meter asked
        to pair again, or its handshake failed)."""
        ...


class ConnectionKeeper:
    """Runs the connection loop and remembers why the display is not connected.

    Args:
        service: The radio and link kept up.
        emit: Where DESIGN.md §8 events go (``radio.unavailable``, ``radio.lost``,
            ``link.pairing-refused``).
        changed: Called when :attr:`problem` changes (the window redraws its banner).
        radio_name: The radio as the user named it (``virtual:7400``), for events.
        search_timeout_s: How long one scan for a meter lasts before scanning again.
        rng: Jitter for the backoff.
        display_id: The display's identifier (a meter that does not know it is told it).
    """

    def __init__(
        self,
        service: Connectable,
        emit: Callable[..., Any],
        changed: Callable[[], None],
        radio_name: str,
        *,
        search_timeout_s: float = 10.0,
        rng: random.Random | None = None,
        display_id: str = "",
    ) -> None:
        self._service = service
        self._emit = emit
        self._changed = changed
        self._radio_name = radio_name
        self._search_timeout_s = search_timeout_s
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self._retry = asyncio.Event()
        self._stopped = False
        self._display_id = display_id
        self.problem: ConnectionProblem | None = None

    def stop(self) -> None:
        """The service is closing: make no further attempt.

        Cancelling :meth:`run` is not always enough: opening a radio goes through
        ``asyncio.timeout`` and ``wait_for``, which on Python 3.11 can turn a cancellation that
        arrives as they time out into a timeout (a "radio unavailable" here), and the loop would
        then try again for ever while the program waits for it to end.
        """
        self._stopped = True

    def _go_on(self) -> None:
        raise_if_cancelled()
        if self._stopped:
            raise asyncio.CancelledError

    def _set_problem(self, problem: ConnectionProblem | None) -> None:
        if problem != self.problem:
            self.problem = problem
            self._changed()

    def pair_again(self) -> None:
        """After a refused pairing: look for the meter and pair again."""
        self._retry.set()

    def connected(self) -> None:
        """The display connected (perhaps paired from the Meter screen while a refusal was
        shown): the refusal is over."""
        if self.problem is not None and self.problem.kind in _WAITING_FOR_SOMEONE:
            self._retry.set()
            self._set_problem(None)

    async def run(self, *, stop_on_refusal: bool = False) -> None:
        """Keep the display connected until cancelled.

        Args:
            stop_on_refusal: Raise when pairing is refused (headless: the run ends with its
                reason) instead of waiting for :meth:`pair_again` (the window).

        Raises:
            PairingRefusedError: Pairing was refused and ``stop_on_refusal`` is set.
        """
        while True:
            self._go_on()
            await self._open_radio()
            self._go_on()
            try:
                lost = await self._connected_until_lost()
            except PairingRefusedError as exc:
                if isinstance(exc, MeterNotTrustedError):
                    # The handshake said why (link.untrusted); the link is not used.
                    problem = ConnectionProblem(
                        ProblemKind.METER_NOT_TRUSTED, untrusted_advice(exc, self._display_id)
                    )
                else:
                    self._emit("link.pairing-refused", detail=str(exc))
                    self._emit("pairing.failed", reason=exc.reason, detail=str(exc))
                    problem = ConnectionProblem(
                        ProblemKind.PAIRING_REFUSED, refusal_advice(exc.reason)
                    )
                if stop_on_refusal:
                    raise
                self._retry.clear()
                self._set_problem(problem)
                lost = await self._wait_for_retry_or_loss()
                self._set_problem(None)
            if lost:
                self._emit("radio.lost", radio=self._radio_name)
                await self._service.close_radio()

    async def _open_radio(self) -> None:
        """Open the radio, retrying with backoff while it is not there."""
        attempt = 0
        while not self._service.radio_is_open():
            self._go_on()
            try:
                await self._service.open_radio()
            except IhdError as exc:
                self._go_on()
                delay = RADIO_BACKOFF.delay(min(attempt, 6), self._rng)
                attempt += 1
                self._emit("radio.unavailable", detail=str(exc), retry_in_s=round(delay, 2))
                self._set_problem(ConnectionProblem(ProblemKind.RADIO_UNAVAILABLE, str(exc)))
                await asyncio.sleep(delay)  # backoff between attempts
        if self.problem is not None and self.problem.kind is ProblemKind.RADIO_UNAVAILABLE:
            self._set_problem(None)

    async def _connected_until_lost(self) -> bool:
        """Connect, then wait for the radio to go; returns True once it has gone.

        Raises:
            PairingRefusedError: Pairing was refused (the radio is still open).
        """
        connect = asyncio.ensure_future(
            self._service.connect_until_connected(self._search_timeout_s)
        )
        lost = asyncio.ensure_future(self._service.radio_lost())
        refused: asyncio.Future[PairingRefusedError] | None = None
        try:
            done, _ = await asyncio.wait({connect, lost}, return_when=asyncio.FIRST_COMPLETED)
            if connect in done and not lost.done():
                connect.result()  # a refused pairing is raised here
                refused = asyncio.ensure_future(self._service.link_refused())
                await asyncio.wait({lost, refused}, return_when=asyncio.FIRST_COMPLETED)
                if refused.done() and not lost.done():
                    raise refused.result()  # reconnecting by itself was refused
            return True
        finally:
            await _cancel(connect, lost, *([refused] if refused is not None else []))

    async def _wait_for_retry_or_loss(self) -> bool:
        """Wait for Pair again (False) or for the radio to go (True)."""
        retry = asyncio.ensure_future(self._retry.wait())
        lost = asyncio.ensure_future(self._service.radio_lost())
        try:
            await asyncio.wait({retry, lost}, return_when=asyncio.FIRST_COMPLETED)
            return lost.done()
        finally:
            await _cancel(retry, lost)


async def _cancel(*tasks: Awaitable[Any]) -> None:
    futures = [asyncio.ensure_future(t) for t in tasks]
    for future in futures:
        future.cancel()
    await asyncio.gather(*futures, return_exceptions=True)
