"""Today's figures between backfills: the energy of each live register reading added to its half
hour, kept in the readings store as a ``live`` interval until the meter's history replaces it."""

from __future__ import annotations

from datetime import datetime, timedelta

from ihd_app.core.model import Interval
from ihd_app.core.readings import Fuel, Reading
from ihd_app.store.readings import ReadingsRepository

HALF_HOUR = timedelta(minutes=30)


def half_hour_floor(moment: datetime) -> datetime:
    """The start of the half hour holding ``moment``."""
    return moment.replace(minute=0 if moment.minute < 30 else 30, second=0, microsecond=0)


class LiveTotals:
    """Adds each reading's energy to this half hour's live interval.

    Args:
        store: Where the live intervals are kept (and the latest readings read back from).
    """

    def __init__(self, store: ReadingsRepository) -> None:
        self._store = store
        #: Each fuel's last register reading (when, Wh): live totals grow from it.
        self._last_register: dict[Fuel, tuple[datetime, float]] = {}
        #: Each fuel's current half hour and its Wh so far.
        self._bucket: dict[Fuel, tuple[datetime, float]] = {}

    def resume(self) -> None:
        """Carry on from the register and the half hour's live total kept before a restart:
        starting again from nothing made today's figures go backwards (9.8 -> 9.6 kWh)."""
        for fuel in Fuel:
            latest = self._store.latest(fuel)
            if latest is None or latest.summation_wh is None:
                continue
            self._last_register[fuel] = (latest.at, latest.summation_wh)
            start = half_hour_floor(latest.at)
            for kept in self._store.intervals(fuel, start, start + HALF_HOUR, "live"):
                if kept.start == start and kept.duration == HALF_HOUR:
                    self._bucket[fuel] = (start, kept.kwh * 1000)

    def add(self, reading: Reading) -> None:
        """Add the energy since the previous register reading to this half hour's interval.

        Raises:
            sqlite3.Error: The store could not keep it.
        """
        if reading.summation_wh is None:
            return
        fuel = reading.fuel
        previous = self._last_register.get(fuel)
        self._last_register[fuel] = (reading.at, reading.summation_wh)
        if previous is None:
            return  # the first reading ever: no energy to attribute
        last_at, last = previous
        if reading.summation_wh < last or reading.at - last_at > HALF_HOUR:
            # A register reset, or a gap (the display was off): which half hours the energy
            # belongs to is the meter's history to say, not this half hour's.
            return
        start = half_hour_floor(reading.at)
        bucket_start, wh = self._bucket.get(fuel, (start, 0.0))
        if bucket_start != start:
            bucket_start, wh = start, 0.0
        wh += reading.summation_wh - last
        self._bucket[fuel] = (bucket_start, wh)
        self._store.add_intervals([Interval(fuel, start, HALF_HOUR, wh / 1000)], "live")
