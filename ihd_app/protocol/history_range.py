"""History ranges: a ``history.request`` for more half hours than one GetProfileResponse carries.

GetProfile's NumberOfPeriods is a u8, so one request used to bring at most 255 half hours. A
display may sign the whole range it wants in the ``periods`` details key of its
``history.request``; the GetProfile payload stays valid on its own (same EndTime,
NumberOfPeriods = min(255, periods)). The meter answers with consecutive GetProfileResponse
units, newest first, each a valid response of at most 255 intervals ending where the previous
one began: the first one is exactly the answer to the GetProfile alone. A range is bounded
(:data:`MAX_RANGE_PERIODS`, 13 months): above it the meter answers the newest
:data:`MAX_RANGE_PERIODS` half hours and marks its last response "more periods requested than
returned" (docs/protocol.md §4.5).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.zcl import Endpoint, GetProfile
from ihd_app.protocol.zcl.metering import MAX_PROFILE_PERIODS

#: The details key of ``history.request`` that carries the whole range, in half hours.
PERIODS_DETAIL: Final = "periods"
#: Intervals in one GetProfileResponse (its NumberOfPeriodsDelivered is a u8).
PERIODS_PER_RESPONSE: Final = MAX_PROFILE_PERIODS
#: The most half hours one request makes the meter send: 13 months of 31 days (19,344 half
#: hours, 76 responses), the display's whole window. It bounds the work one signed request causes.
MAX_RANGE_PERIODS: Final = 13 * 31 * 48
HALF_HOUR: Final = timedelta(minutes=30)


class RangeError(ValueError):
    """A ``periods`` detail that does not describe a range (the request is refused)."""


@dataclass(frozen=True)
class HistoryRange:
    """What one history request asks the meter for.

    Attributes:
        periods: Half hours to send, at most :data:`MAX_RANGE_PERIODS`.
        clamped: The request asked for more than :data:`MAX_RANGE_PERIODS`.
    """

    periods: int
    clamped: bool = False

    @property
    def responses(self) -> int:
        """How many GetProfileResponse units answer it."""
        return -(-self.periods // PERIODS_PER_RESPONSE)


def requested_range(command: GetProfile, details: Mapping[str, object]) -> HistoryRange:
    """The range a verified ``history.request`` asks for.

    Without ``periods`` it is the GetProfile alone (one response). With it, ``periods`` must be
    a whole number of at least one, and NumberOfPeriods must be ``min(255, periods)``: a request
    whose two counts disagree is refused rather than guessed at.

    Raises:
        RangeError: ``periods`` is not a count, or disagrees with NumberOfPeriods.
    """
    wanted = details.get(PERIODS_DETAIL)
    if wanted is None:
        return HistoryRange(command.number_of_periods)
    # bool is an int in Python, and True is not a count.
    if not isinstance(wanted, int) or isinstance(wanted, bool) or wanted < 1:
        raise RangeError(f"'{PERIODS_DETAIL}' must be a whole number of half hours, not {wanted!r}")
    if command.number_of_periods != min(PERIODS_PER_RESPONSE, wanted):
        raise RangeError(
            f"NumberOfPeriods {command.number_of_periods} disagrees with "
            f"'{PERIODS_DETAIL}' {wanted} (it must be min(255, periods))"
        )
    if wanted > MAX_RANGE_PERIODS:
        return HistoryRange(MAX_RANGE_PERIODS, clamped=True)
    return HistoryRange(wanted)


def response_blocks(end: datetime, periods: int) -> Iterator[tuple[datetime, int]]:
    """The responses answering ``periods`` half hours before ``end``: (end, intervals) each,
    newest first, every block ending where the previous one began."""
    remaining = periods
    while remaining > 0:
        count = min(PERIODS_PER_RESPONSE, remaining)
        yield end, count
        end -= HALF_HOUR * count
        remaining -= count


def range_request(fuel: Endpoint, end: datetime, periods: int) -> MessageRequest:
    """The ``history.request`` for ``periods`` half hours before ``end``.

    A range that fits one GetProfile carries no ``periods`` detail: such a request is byte for
    byte what a display that knows nothing of ranges sends.

    Raises:
        ValueError: ``periods`` is outside 1 to :data:`MAX_RANGE_PERIODS`.
    """
    if not 1 <= periods <= MAX_RANGE_PERIODS:
        raise ValueError(f"a history range is 1 to {MAX_RANGE_PERIODS} half hours, not {periods}")
    return MessageRequest(
        "history.request",
        periods=min(PERIODS_PER_RESPONSE, periods),
        end=end,
        fuel=fuel,
        extra_details={PERIODS_DETAIL: periods} if periods > PERIODS_PER_RESPONSE else {},
    )
