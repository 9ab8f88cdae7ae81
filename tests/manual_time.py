"""Clocks and a timer that move only when a test says so (the meter's pairing window; the wall
clock of the meter and the display)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(order=True)
class _Call:
    due: float
    order: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class ManualTime:
    """Monotonic seconds and ``call_later``, advanced by :meth:`advance` only."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._calls: list[_Call] = []
        self._made = 0

    def clock(self) -> float:
        """The time now."""
        return self.now

    def schedule(self, delay_s: float, callback: Callable[[], None]) -> _Call:
        """Call ``callback`` once :meth:`advance` reaches ``delay_s`` from now."""
        self._made += 1
        call = _Call(self.now + delay_s, self._made, callback)
        self._calls.append(call)
        return call

    @property
    def pending(self) -> int:
        """Scheduled calls not yet made nor cancelled."""
        return sum(not c.cancelled for c in self._calls)

    def advance(self, seconds: float) -> None:
        """Move time on, making every call that falls due, in order."""
        self.now += seconds
        while due := sorted(c for c in self._calls if c.due <= self.now):
            call = due[0]
            self._calls.remove(call)
            if not call.cancelled:
                call.callback()


class SharedClock:
    """A wall clock (aware ``datetime``) that moves only when the test sets :attr:`now`; one
    may be given to the meter and the display both."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
