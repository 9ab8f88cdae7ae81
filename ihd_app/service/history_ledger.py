"""Which half hours the backfill asked the meter for and which of them have arrived.

One request may be answered by many GetProfileResponse units (a history range), so progress is
counted in half hours asked for and received the first time, never in responses: a half hour
that arrives twice, or that nobody asked for, counts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ihd_app.core.readings import Fuel

HALF_HOUR = timedelta(minutes=30)


@dataclass(eq=False)
class _Asked:
    """One request's half hours not received yet (compared by identity: two may be equal)."""

    fuel: Fuel
    oldest: datetime
    missing: set[datetime] = field(default_factory=set)


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
        self._asked: list[_Asked] = []

    @property
    def waiting(self) -> bool:
        """Whether a request still waits for some of its half hours."""
        return bool(self._asked)

    @property
    def outstanding(self) -> int:
        """Half hours asked for and not received yet."""
        return sum(len(asked.missing) for asked in self._asked)

    def clear(self) -> None:
        """Forget every request (the link dropped: the next plan starts from what is stored)."""
        self._asked.clear()

    def asked(self, fuel: Fuel, end: datetime, periods: int) -> None:
        """A request for the ``periods`` half hours of ``fuel`` before ``end`` is being sent.

        Recorded before it is written: the meter's first response may come in before the
        write's acknowledgement does.
        """
        oldest = end - HALF_HOUR * periods
        missing = {oldest + HALF_HOUR * n for n in range(periods)}
        self._asked.append(_Asked(fuel, oldest, missing))

    def withdraw(self) -> None:
        """The request recorded last was not delivered: nothing will answer it."""
        if self._asked:
            self._asked.pop()

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
        start = end - HALF_HOUR * count
        new = 0
        for asked in self._asked:
            if asked.fuel is not fuel:
                continue
            before = len(asked.missing)
            asked.missing.difference_update(start + HALF_HOUR * n for n in range(count))
            new += before - len(asked.missing)
        finished = [
            asked
            for asked in self._asked
            if asked.fuel is fuel and (not asked.missing or start <= asked.oldest)
        ]
        if not complete:
            first = next((asked for asked in self._asked if asked.fuel is fuel), None)
            if first is not None and first not in finished:
                finished.append(first)
        given_up = sum(len(asked.missing) for asked in finished)
        self._asked = [asked for asked in self._asked if asked not in finished]
        return Arrival(new, given_up)
