"""Which half hours the backfill asked the meter for and which of them have arrived.

One request may be answered by many GetProfileResponse units (a history range), so progress is
counted in half hours asked for and received the first time, never in responses: a half hour
that arrives twice, or that nobody asked for, counts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ihd_app.core.readings import Fuel

_HALF_HOUR_S = 30 * 60


def _slot(moment: datetime) -> int:
    """The half hour starting at ``moment`` as a number (half hours since the POSIX epoch);
    numbers, not datetimes: a 13-month range is counted off 255 at a time."""
    return int(moment.timestamp()) // _HALF_HOUR_S


@dataclass(eq=False)
class AskedRange:
    """One request's half hours not received yet, as sorted, disjoint [first, end) runs of
    half-hour numbers (compared by identity: two requests may be equal)."""

    fuel: Fuel
    oldest: int
    missing: list[tuple[int, int]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(end - first for first, end in self.missing)

    def receive(self, first: int, end: int) -> int:
        """Cross off the half hours [first, end); how many were still missing."""
        kept: list[tuple[int, int]] = []
        received = 0
        for lo, hi in self.missing:
            overlap = min(hi, end) - max(lo, first)
            if overlap <= 0:
                kept.append((lo, hi))
                continue
            received += overlap
            if lo < first:
                kept.append((lo, first))
            if end < hi:
                kept.append((end, hi))
        self.missing = kept
        return received


@dataclass(frozen=True)
class Arrival:
    """What one response did to the ledger.

    Attributes:
        new: Half hours asked for and received for the first time.
        given_up: Half hours of requests the response ended without them (the meter answered
            a shorter or shifted range); the next plan asks for them again.
    """

    new: int
    given_up: int


class HistoryLedger:
    """The backfill's requests in flight, in the order they were sent, and their half hours."""

    def __init__(self) -> None:
        self._asked: list[AskedRange] = []

    @property
    def waiting(self) -> bool:
        """Whether a request still waits for some of its half hours."""
        return bool(self._asked)

    @property
    def outstanding(self) -> int:
        """Half hours asked for and not received yet."""
        return sum(asked.count for asked in self._asked)

    def clear(self) -> None:
        """Forget every request (the link dropped: the next plan starts from what is stored)."""
        self._asked.clear()

    def asked(self, fuel: Fuel, end: datetime, periods: int) -> AskedRange:
        """A request for the ``periods`` half hours of ``fuel`` before ``end`` is being sent;
        returns what :meth:`withdraw` takes should its write fail.

        Recorded before it is written: the meter's first response may come in before the
        write's acknowledgement does.
        """
        last = _slot(end)
        asked = AskedRange(fuel, last - periods, [(last - periods, last)])
        self._asked.append(asked)
        return asked

    def withdraw(self, asked: AskedRange) -> bool:
        """The request ``asked`` was not delivered: nothing will answer it. Whether it was still
        waiting (an answer that came in despite the failed write has already finished it)."""
        if asked in self._asked:
            self._asked.remove(asked)
            return True
        return False

    def arrived(self, fuel: Fuel, end: datetime, count: int, *, complete: bool) -> Arrival:
        """A response brought the ``count`` half hours of ``fuel`` before ``end``.

        The meter answers requests in turn, each newest first, so a response reaching back to a
        request's oldest half hour is that request's last: whatever it still lacks then is given
        up. An incomplete response (any status but success) ends the oldest request of its fuel.

        Args:
            fuel: The response's fuel.
            end: The end of its newest interval.
            count: How many intervals it carries.
            complete: Its status was success.
        """
        last = _slot(end)
        first = last - count
        new = sum(asked.receive(first, last) for asked in self._asked if asked.fuel is fuel)
        finished = [
            asked
            for asked in self._asked
            if asked.fuel is fuel and (not asked.missing or first <= asked.oldest)
        ]
        if not complete:
            oldest = next((asked for asked in self._asked if asked.fuel is fuel), None)
            if oldest is not None and oldest not in finished:
                finished.append(oldest)
        given_up = sum(asked.count for asked in finished)
        self._asked = [asked for asked in self._asked if asked not in finished]
        return Arrival(new, given_up)
