"""Today's figures between backfills: the energy between successive live register readings,
split over the half hours it covers and kept in the readings store as ``live`` intervals until
the meter's history replaces them.

Electricity is reported every few seconds; a GB gas meter, on its battery, reports once a half
hour (docs/protocol.md §4.5). A gas reading that arrives just after 10:30 carries the 10:00 half
hour's gas, so the energy goes to the half hours between the two readings, not to the half hour
the later one arrives in; and a report half an hour (and a moment) after the previous one is
the meter's cadence, not a gap.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ihd_app.core.aggregation import HALF_HOUR, by_half_hour, half_hour_floor
from ihd_app.core.model import Interval
from ihd_app.core.readings import Fuel, Reading
from ihd_app.store.readings import ReadingsRepository

#: How late a half-hourly report may arrive and still be the next one: the meter reports on its
#: own clock, the link and a reconnection add their delays, and the two clocks may differ by the
#: ten seconds the display tolerates (``meter_time.CORRECTION_THRESHOLD_S``).
LATE_REPORT = timedelta(minutes=5)
#: Two register readings further apart than this have a gap between them (the display was off):
#: which half hours that energy belongs to is the meter's history to say.
MAX_STEP = HALF_HOUR + LATE_REPORT

__all__ = ["HALF_HOUR", "LATE_REPORT", "MAX_STEP", "LiveTotals", "half_hour_floor"]


class LiveTotals:
    """Adds the energy between register readings to the live intervals of its half hours.

    Args:
        store: Where the live intervals are kept (and the latest readings read back from).
    """

    def __init__(self, store: ReadingsRepository) -> None:
        self._store = store
        #: Each fuel's last register reading (when, Wh): live totals grow from it.
        self._last_register: dict[Fuel, tuple[datetime, float]] = {}
        #: Each fuel's recent half hours and their Wh so far (the three newest: a step between
        #: readings spans at most three half hours, 10:29 to 11:04 with a late report).
        self._buckets: dict[Fuel, dict[datetime, float]] = {fuel: {} for fuel in Fuel}

    def resume(self) -> None:
        """Carry on from the register and the half hour's live total kept before a restart:
        starting again from nothing made today's figures go backwards (9.8 -> 9.6 kWh)."""
        for fuel in Fuel:
            latest = self._store.latest(fuel)
            if latest is None or latest.summation_wh is None:
                continue
            self._last_register[fuel] = (latest.at, latest.summation_wh)
            start = half_hour_floor(latest.at)
            self._buckets[fuel][start] = self._kept_wh(fuel, start)

    def _kept_wh(self, fuel: Fuel, start: datetime) -> float:
        """The Wh kept in the live interval of the half hour starting at ``start``."""
        for kept in self._store.intervals(fuel, start, start + HALF_HOUR, "live"):
            if kept.start == start and kept.duration == HALF_HOUR:
                return kept.kwh * 1000
        return 0.0

    def add(self, reading: Reading) -> None:
        """Add the energy since the previous register reading to the half hours between them.

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
        step = reading.at - last_at
        if reading.summation_wh < last or step < timedelta(0) or step > MAX_STEP:
            # A register reset, a clock set back, or a gap (the display was off): which half
            # hours the energy belongs to is the meter's history to say.
            return
        buckets = self._buckets[fuel]
        changed = []
        energy = Interval(fuel, last_at, step, (reading.summation_wh - last) / 1000)
        for piece in by_half_hour(energy):
            if piece.start not in buckets:
                buckets[piece.start] = self._kept_wh(fuel, piece.start)
            buckets[piece.start] += piece.kwh * 1000
            changed.append(Interval(fuel, piece.start, HALF_HOUR, buckets[piece.start] / 1000))
        for start in sorted(buckets)[:-3]:
            del buckets[start]
        self._store.add_intervals(changed, "live")
