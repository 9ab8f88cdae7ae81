"""The meter's live readings: decoded from its notifications, the last ten minutes kept in memory
for the live graph, each saved as the latest reading and added to today's live totals."""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from ihd_app.core.readings import Fuel, Reading, ReadingTracker
from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.zcl import ReportAttributes, decode_unit
from ihd_app.service.live_totals import LiveTotals
from ihd_app.service.storage_health import StorageHealth
from ihd_app.store.readings import ReadingsRepository

LIVE_WINDOW = timedelta(minutes=10)


class LiveReadings:
    """Turns the meter's attribute reports into readings and keeps the recent ones.

    Args:
        store: Where the latest reading and today's live totals are kept.
        emit: Where DESIGN.md §8 events go.
        changed: Called with the fuel's name after each new reading.
        storage: Reports failed writes and the recovery after them.
        clock: Current time.
    """

    def __init__(
        self,
        store: ReadingsRepository,
        *,
        emit: Callable[..., Any],
        changed: Callable[[str], None],
        storage: StorageHealth,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._emit = emit
        self._changed = changed
        self._storage = storage
        self._clock = clock
        self._tracker = ReadingTracker()
        self._live: dict[Fuel, deque[Reading]] = {fuel: deque() for fuel in Fuel}
        self.totals = LiveTotals(store)

    def latest(self, fuel: Fuel) -> Reading | None:
        """The fuel's latest reading."""
        return self._tracker.latest(fuel)

    def recent(self, fuel: Fuel) -> Sequence[Reading]:
        """The fuel's readings of the last ten minutes, oldest first."""
        return list(self._live[fuel])

    def on_metering(self, data: bytes) -> None:
        """A metering notification from the meter."""
        try:
            unit = decode_unit(data)
        except DecodeError as exc:
            self._emit("reading.rejected", reason=exc.reason.value, detail=exc.detail)
            return
        if not isinstance(unit.command, ReportAttributes):
            return
        reading = self._tracker.apply(unit.endpoint, unit.command, self._clock())
        if reading is None:
            return
        self._live[reading.fuel].append(reading)
        try:
            self._store.save_latest(reading)
            self.totals.add(reading)
        except sqlite3.Error as exc:
            self._storage.failed(exc)  # shown live, not kept; history fills the gap later
        else:
            self._storage.succeeded()
        self._emit("reading", **reading.to_event())
        self._changed(reading.fuel.value)

    def prune(self, now: datetime) -> None:
        """Forget readings older than the live window."""
        cutoff = now - LIVE_WINDOW
        for readings in self._live.values():
            while readings and readings[0].at < cutoff:
                readings.popleft()

    def clear(self) -> None:
        """Forget every live reading (the consumer wiped the display's data)."""
        for fuel in Fuel:
            self._live[fuel].clear()
