"""Friendly-credit periods: when a prepayment meter must not disconnect (GB licence conditions).

No disconnection in the evening and overnight (by default 16:00 to 10:00 the next morning), at
weekends and on bank holidays; the supply is kept on and the consumer is told why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

#: GB's local time: the friendly hours are the household's evening, not UTC's.
GB_TIME = ZoneInfo("Europe/London")

#: England and Wales bank holidays of 2026 and 2027 (gov.uk).
BANK_HOLIDAYS: frozenset[date] = frozenset(
    date.fromisoformat(day)
    for day in (
        "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
        "2026-12-25", "2026-12-28", "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03",
        "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28",
    )
)  # fmt: skip


@dataclass(frozen=True)
class FriendlyCredit:
    """The friendly-credit calendar.

    Attributes:
        evening_start: Local time the nightly period starts.
        morning_end: Local time it ends the next morning.
        weekends: Whether Saturday and Sunday are friendly all day.
        holidays: Days friendly all day.
    """

    evening_start: time = time(16, 0)
    morning_end: time = time(10, 0)
    weekends: bool = True
    holidays: frozenset[date] = field(default_factory=lambda: BANK_HOLIDAYS)

    def reason(self, at: datetime) -> str | None:
        """Why ``at`` is friendly, in words for the consumer, or None if it is not."""
        local = at.astimezone(GB_TIME)
        if local.date() in self.holidays:
            return "it is a bank holiday"
        if self.weekends and local.weekday() >= 5:
            return "it is the weekend"
        clock = local.time()
        if clock >= self.evening_start or clock < self.morning_end:
            return f"it is between {self.evening_start:%H:%M} and {self.morning_end:%H:%M}"
        return None

    def with_holidays(self, days: Iterable[date]) -> FriendlyCredit:
        """The same calendar with ``days`` as holidays too."""
        return FriendlyCredit(
            self.evening_start, self.morning_end, self.weekends, self.holidays | frozenset(days)
        )
