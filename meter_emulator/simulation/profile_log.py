"""The meter's profile log: its household's energy per closed half hour, kept as a GB meter keeps
it.

A real meter (an ESME) does not recompute its history when asked: it stores each half hour's
consumption in flash as the half hour closes (13 months of them) and reads them back for a
GetProfile. The emulator's household is a pure function of the instant, so the log holds exactly
what :func:`~meter_emulator.simulation.household.interval_energy_wh` gives; it is computed once,
into one compact array per fuel, and appended to as time passes, so answering 13 months of
history is a slice instead of 38,000 evaluations of the model.
"""

from __future__ import annotations

import asyncio
from array import array
from datetime import UTC, datetime

from meter_emulator.simulation.household import SLOT, Household, interval_energy_wh

FUELS = ("electricity", "gas")
#: Half hours computed between two yields while the log is filled in the background, so the
#: meter keeps serving its link (a few milliseconds each).
FILL_SLICE = 1024
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SLOT_S = int(SLOT.total_seconds())


def slot_index(moment: datetime) -> int:
    """The number of the half hour that starts at or contains ``moment`` (aware), counted from
    the Unix epoch."""
    return int((moment - _EPOCH).total_seconds()) // _SLOT_S


class ProfileLog:
    """Half hours of energy per fuel, oldest first, kept for the last ``keep`` half hours.

    Args:
        household: Whose energy is logged.
        keep: How many half hours the log holds (older ones are dropped as it grows); older
            half hours asked for are computed from the model, as before the log.
    """

    def __init__(self, household: Household, keep: int) -> None:
        self._household = household
        self._keep = keep
        # Slot number of the oldest logged half hour, and each fuel's Wh from there on: the
        # arrays always have the same length (one entry per half hour, both fuels together).
        self._first = 0
        self._wh: dict[str, array[float]] = {fuel: array("d") for fuel in FUELS}

    @property
    def span(self) -> tuple[int, int]:
        """The slot numbers logged, ``[first, end)``."""
        return self._first, self._first + len(self._wh[FUELS[0]])

    def record_until(self, end: datetime, limit: int | None = None) -> bool:
        """Log every half hour that ends at or before ``end`` (the last :attr:`keep` of them).

        Args:
            end: The end of the newest half hour to log (a half-hour boundary or later).
            limit: Log at most this many half hours in this call (``None``: all).

        Returns:
            Whether the log now reaches ``end``.
        """
        wanted_end = slot_index(end)
        first, logged_end = self.span
        if wanted_end - self._keep > logged_end or wanted_end < first:
            # A clock set far ahead or back: start the log again rather than fill the gap.
            self._first = logged_end = max(wanted_end - self._keep, 0)
            for values in self._wh.values():
                del values[:]
        elif logged_end == first:
            self._first = logged_end = max(wanted_end - self._keep, 0)
        stop = wanted_end if limit is None else min(wanted_end, logged_end + limit)
        for fuel, values in self._wh.items():
            values.extend(
                interval_energy_wh(self._household, _EPOCH + SLOT * slot, fuel)
                for slot in range(logged_end, stop)
            )
        excess = len(self._wh[FUELS[0]]) - 2 * self._keep
        if excess > 0:  # dropped in bulk, not on every half hour
            excess += self._keep
            self._first += excess
            for values in self._wh.values():
                del values[:excess]
        return stop >= wanted_end

    async def fill(self, end: datetime) -> None:
        """Log up to ``end`` a slice at a time, yielding to the event loop between slices."""
        while not self.record_until(end, FILL_SLICE):
            await asyncio.sleep(0)

    def energy_wh(self, fuel: str, end: datetime, periods: int) -> list[float]:
        """The ``periods`` half hours of ``fuel`` before ``end`` (a half-hour boundary), newest
        first, in Wh: from the log, logging up to ``end`` first, and from the model for any
        older than the log keeps."""
        end_slot = slot_index(end)
        if _EPOCH + SLOT * end_slot != end:
            # Half hours that do not start on the clock's half hours (an ``end_time`` asked for
            # off the boundary) are not in the log: computed from the model, as they always were.
            return [
                interval_energy_wh(self._household, end - SLOT * (n + 1), fuel)
                for n in range(periods)
            ]
        if end_slot > self.span[1]:
            self.record_until(end)
        first, logged_end = self.span
        values = self._wh[fuel]
        start_slot = end_slot - periods
        newest = min(end_slot, logged_end)
        oldest = max(start_slot, first)
        result: list[float] = []
        if newest > oldest:
            result = values[oldest - first : newest - first].tolist()
            result.reverse()
        result.extend(
            interval_energy_wh(self._household, _EPOCH + SLOT * slot, fuel)
            for slot in range(min(oldest, end_slot) - 1, start_slot - 1, -1)
        )
        return result
