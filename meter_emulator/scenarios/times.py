"""Times and durations as a scenario file writes them: ``90s``, ``1h30m``, ``now``, ``+2h``,
an ISO-8601 instant, or a ``HH:MM`` start in UK local time."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

#: Local time of the household (and of "HH:MM" starts).
LONDON = ZoneInfo("Europe/London")
_DURATION = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m)?\s*(?:(\d+(?:\.\d+)?)\s*s)?\s*$"
)
#: A clock time ``HH:MM`` (00:00 to 23:59).
HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_duration(value: object) -> float:
    """Seconds from ``90``, ``90.5``, ``"90s"``, ``"2m"``, ``"1h30m"``, ``"1h 30m 10s"``.

    Raises:
        ValueError: Anything else, or a negative number.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"{value} is negative")
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value.lstrip("+"))
        if match and any(match.groups()):
            hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
            return hours * 3600 + minutes * 60 + seconds
    raise ValueError(f"{value!r} is not a duration (use seconds, or e.g. '90s', '5m', '1h30m')")


@dataclass(frozen=True)
class TimeSpec:
    """A time in a step: ``now``, an offset in simulated time (``+2h``) or an instant.

    Attributes:
        offset_s: Simulated seconds from when the step runs (``None`` for an instant).
        instant: An absolute instant.
    """

    offset_s: float | None = None
    instant: datetime | None = None

    def resolve(self, wall_after: Callable[[float], datetime]) -> datetime:
        """The wall-clock instant (offsets are compressed by the speed: the IHD runs on real
        time)."""
        if self.instant is not None:
            return self.instant
        return wall_after(self.offset_s or 0.0)


def parse_time(value: object) -> TimeSpec:
    """``"now"``, ``"+90m"`` (an offset) or an ISO-8601 instant (UTC without an offset).

    Raises:
        ValueError: Anything else.
    """
    if not isinstance(value, str | datetime):
        raise ValueError(f"{value!r} is not a time ('now', '+2h' or ISO 8601)")
    if isinstance(value, datetime):
        return TimeSpec(instant=value if value.tzinfo else value.replace(tzinfo=UTC))
    text = value.strip()
    if text.lower() == "now":
        return TimeSpec(offset_s=0.0)
    if text.startswith("+"):
        return TimeSpec(offset_s=parse_duration(text[1:]))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"'{value}' is not a time ('now', '+2h' or ISO 8601)") from None
    return TimeSpec(instant=moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def parse_start(value: object, today: date) -> datetime:
    """The simulated start: ``"HH:MM"`` (that time today, UK local time) or an ISO instant.

    Raises:
        ValueError: Anything else.
    """
    if isinstance(value, str):
        match = HHMM.match(value.strip())
        if match:
            return datetime.combine(today, time(int(match[1]), int(match[2])), tzinfo=LONDON)
    problem = f"start {value!r} must be 'HH:MM' (UK time today) or an ISO-8601 instant"
    try:
        spec = parse_time(value)
    except ValueError:
        raise ValueError(problem) from None
    if spec.instant is None:
        raise ValueError(problem)
    return spec.instant


__all__ = ["HHMM", "LONDON", "TimeSpec", "parse_duration", "parse_start", "parse_time"]
