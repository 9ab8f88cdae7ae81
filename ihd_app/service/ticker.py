"""The display's one-second clock: what happens because time passes rather than because the meter
sent something (messages start and expire, waiting messages are stored once storage recovers,
the backfill is refreshed each half hour, the retention is applied each day, live readings age
out of the live chart)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Final

#: Seconds between ticks.
TICK_S: Final = 1.0


class Ticker:
    """Runs the display's timed work every second, until cancelled.

    Args:
        clock: The display's time.
        writes: Steps that write to the database, in order; a failed write stops the rest of
            that tick and is reported to ``storage_failed``.
        then: Steps that run every tick whatever storage does.
        storage_failed: Reports a failed write.
    """

    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        writes: Sequence[Callable[[datetime], None]],
        then: Sequence[Callable[[datetime], None]],
        storage_failed: Callable[[sqlite3.Error], None],
    ) -> None:
        self._clock = clock
        self._writes = tuple(writes)
        self._then = tuple(then)
        self._storage_failed = storage_failed

    async def run(self) -> None:
        """Tick every :data:`TICK_S` seconds, until cancelled."""
        while True:
            await asyncio.sleep(TICK_S)  # a timer: messages start and expire on the clock
            self.tick(self._clock())

    def tick(self, now: datetime) -> None:
        """One tick at ``now``."""
        try:
            for step in self._writes:
                step(now)
        except sqlite3.Error as exc:
            self._storage_failed(exc)
        for step in self._then:
            step(now)
