"""Reading instants given by people (command lines, scenario files)."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_instant(text: str, *, now: datetime | None = None) -> datetime:
    """Parse ``now`` or an ISO-8601 instant; a time without an offset is taken as UTC.

    Raises:
        ValueError: With a sentence saying what is expected.
    """
    if text.strip().lower() == "now":
        return now or datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"'{text}' is not a time; use ISO 8601 such as 2026-11-22T14:00:00Z, or 'now'"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
