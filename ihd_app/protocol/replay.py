"""Replay protection: the last accepted counter of every originator.

Like GBCS originator counters, each originator's counter must strictly increase; an envelope
whose counter is not above the last accepted one is a replay. The verifier only talks to the
:class:`ReplayCounters` protocol, so the IHD can keep counters in its SQLite store (surviving a
restart) while tests and the meter keep them in memory.
"""

from __future__ import annotations

from typing import Protocol


class ReplayCounters(Protocol):
    """Where the last accepted counter per originator is kept."""

    def last_counter(self, originator: str) -> int | None:
        """The highest counter accepted from ``originator``, or ``None`` if none yet."""
        ...

    def advance(self, originator: str, counter: int) -> bool:
        """Record ``counter`` if it is above the last one; atomically.

        Returns:
            ``True`` if recorded, ``False`` if it is a replay (not above the last counter).
        """
        ...


class InMemoryReplayCounters:
    """Counters in a dict: for tests, the meter emulator and one-shot tools."""

    def __init__(self) -> None:
        self._last: dict[str, int] = {}

    def last_counter(self, originator: str) -> int | None:
        return self._last.get(originator)

    def advance(self, originator: str, counter: int) -> bool:
        last = self._last.get(originator)
        if last is not None and counter <= last:
            return False
        self._last[originator] = counter
        return True
