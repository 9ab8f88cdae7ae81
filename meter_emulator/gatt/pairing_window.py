"""The meter's pairing ("join") window: while it is open, a new display may pair.

A GB meter lets a device join its home area network only while someone has opened its join
window; outside it, a central that asks to pair is refused, however readily it says yes. The
emulator does the same: :class:`MeterPeripheral` asks :meth:`PairingWindow.is_open` when a
pairing request arrives (and again when the meter answers the numeric comparison), and refuses
it at the SMP level when the window is closed. A display that reconnects with its bond does not
pair, so the window does not concern it.

The window closes by itself when its time is up. It is not closed by a join: like the timed
permit-joining of the Zigbee networks GB meters run, every display that pairs while it is open
joins (two displays set up together, or a display that forgot its bond and pairs again), and
the person closes it early with the window's button. Events (DESIGN.md §8):
``pairing.window-opened {seconds, by}`` and ``pairing.window-closed {reason, by}``, the reason
``time-up`` or ``closed``.

Time is read from an injected clock and the closing is scheduled on an injected timer, so tests
drive the window without waiting for it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Final, Protocol

#: How long the window's button (and ``kill -RTMIN`` on a headless meter) opens it for.
DEFAULT_OPEN_S: Final = 120.0
#: How long the window is open once the meter has started, unless ``--pairing-window`` says
#: otherwise: long enough to start a display beside it (or run a test) without hunting for a
#: button, and no longer.
DEFAULT_AT_START_S: Final = 300.0
#: The ``pairing.failed`` reason of a pairing asked for while the window was closed.
REASON_WINDOW_CLOSED: Final = "window-closed"
#: Why a window closed: its time was up, or someone closed it.
CLOSED_TIME_UP: Final = "time-up"
CLOSED_BY_PERSON: Final = "closed"


class Cancellable(Protocol):
    """A scheduled call that can be called off (``asyncio.TimerHandle``)."""

    def cancel(self) -> None:
        """Call it off."""
        ...


#: ``schedule(delay_s, callback)``: call ``callback`` after ``delay_s`` seconds.
Schedule = Callable[[float, Callable[[], None]], Cancellable]


#: ``on_event(name, **fields)``: where the window's events go (an ``EventLog.emit``, whose own
#: first parameter's name rules out a keyword-checked protocol).
WindowEventSink = Callable[..., object]


def _call_later(delay_s: float, callback: Callable[[], None]) -> Cancellable:
    return asyncio.get_running_loop().call_later(delay_s, callback)


class PairingWindow:
    """Whether a new display may pair with the meter now, and for how much longer.

    Args:
        on_event: Receives ``pairing.window-opened`` and ``pairing.window-closed``.
        clock: Monotonic seconds (default :func:`time.monotonic`, the asyncio loop's clock).
        schedule: Schedules the closing (default: the running asyncio loop's ``call_later``).
    """

    def __init__(
        self,
        on_event: WindowEventSink | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        schedule: Schedule = _call_later,
    ) -> None:
        self._on_event = on_event
        self._clock = clock
        self._schedule = schedule
        self._closes_at: float | None = None
        self._timer: Cancellable | None = None
        self._stopped = False

    @property
    def is_open(self) -> bool:
        """Whether a new display may pair now."""
        return self._closes_at is not None and self._clock() < self._closes_at

    @property
    def remaining_s(self) -> float:
        """Seconds until the window closes; 0 when it is closed."""
        if self._closes_at is None:
            return 0.0
        return max(0.0, self._closes_at - self._clock())

    def open(self, seconds: float, *, by: str) -> None:
        """Open the window for ``seconds`` from now (an open window starts its time again).

        Args:
            seconds: How long; 0 or less closes an open window instead.
            by: Who opened it, for the event (``start``, ``button``, ``signal``, ...).
        """
        if self._stopped:
            return  # the meter has stopped: a late button press must not leave a timer behind
        if seconds <= 0:
            self.close(by=by)
            return
        self._cancel_timer()
        self._closes_at = self._clock() + seconds
        self._timer = self._schedule(seconds, self._time_up)
        self._emit("pairing.window-opened", seconds=seconds, by=by)

    def close(self, *, by: str) -> None:
        """Close the window now (nothing happens if it is closed).

        Args:
            by: Who closed it, for the event.
        """
        if self._closes_at is None:
            return
        self._end(CLOSED_BY_PERSON, by)

    def shutdown(self) -> None:
        """The meter stops: call off the closing, with no event (nothing can pair any more)."""
        self._stopped = True
        self._cancel_timer()
        self._closes_at = None

    # ----------------------------------------------------------------------------------------

    def _time_up(self) -> None:
        self._timer = None
        if self._closes_at is not None:
            self._end(CLOSED_TIME_UP, "timer")

    def _end(self, reason: str, by: str) -> None:
        self._cancel_timer()
        self._closes_at = None
        self._emit("pairing.window-closed", reason=reason, by=by)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _emit(self, name: str, /, **fields: object) -> None:
        if self._on_event is not None:
            self._on_event(name, **fields)
