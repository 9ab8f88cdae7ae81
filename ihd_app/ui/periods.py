"""Chart periods: the same calendar periods the service aggregates, named and labelled.

The service charts calendar periods of a GB household (:class:`ihd_app.core.aggregation.Period`,
Europe/London): a day by half hours, a week (Monday to Sunday) and a month by days, a year
(January to December) by months. The chart must ask for, bound and label exactly those periods,
or bars fall outside the axis and the previous period is shifted wrongly; so everything here is
derived from :class:`Period`, never from rolling windows.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from ihd_app.core.aggregation import LONDON, Period, PeriodKind
from ihd_app.service.api import UsageRange

#: Length of the live range.
LIVE_WINDOW = timedelta(minutes=10)
#: The zone of the display's calendar (the service's periods are GB local time).
ZONE = LONDON
_INSTANT = timedelta(microseconds=1)
_KINDS = {
    UsageRange.DAY: PeriodKind.DAY,
    UsageRange.WEEK: PeriodKind.WEEK,
    UsageRange.MONTH: PeriodKind.MONTH,
    UsageRange.YEAR: PeriodKind.YEAR,
}
#: How the summary names the period before the one shown.
PREVIOUS = {
    UsageRange.DAY: "Day before",
    UsageRange.WEEK: "Week before",
    UsageRange.MONTH: "Month before",
    UsageRange.YEAR: "Year before",
}


def period(span: UsageRange, end: datetime) -> Period:
    """The calendar period of ``span`` that ends at ``end`` (not for the live range)."""
    return Period.containing(_KINDS[span], end - _INSTANT, ZONE)


def period_end(span: UsageRange, now: datetime) -> datetime:
    """The end of the current period of ``span`` (what the chart asks the service for)."""
    if span is UsageRange.LIVE:
        return now
    return Period.containing(_KINDS[span], now, ZONE).end


def period_start(span: UsageRange, end: datetime) -> datetime:
    """The start of the period of ``span`` that ends at ``end``."""
    if span is UsageRange.LIVE:
        return end - LIVE_WINDOW
    return period(span, end).start


def shift(span: UsageRange, end: datetime, steps: int) -> datetime:
    """The end of the period ``steps`` periods after (or before, if negative) ``end``."""
    if span is UsageRange.LIVE:
        return end + steps * LIVE_WINDOW
    return period(span, end).shifted(steps).end


def bucket_edges(span: UsageRange, end: datetime) -> list[datetime]:
    """Interval boundaries of the period ending at ``end``: half hours, days or months."""
    if span is UsageRange.LIVE:
        start = end - LIVE_WINDOW
        return [start + timedelta(seconds=10 * n) for n in range(61)]
    return period(span, end).edges()


def today(now: datetime) -> tuple[datetime, datetime]:
    """Today's local midnight and the next one (UTC instants)."""
    day = Period.containing(PeriodKind.DAY, now, ZONE)
    return day.start, day.end


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZONE)


def _day(moment: datetime, *, weekday: bool = True, month: bool = True, year: bool = True) -> str:
    local = _local(moment)
    parts = [f"{local:%a}"] if weekday else []
    parts.append(str(local.day))
    if month:
        parts.append(f"{local:%b}")
    if year:
        parts.append(str(local.year))
    return " ".join(parts)


def bucket_name(span: UsageRange, start: datetime) -> str:
    """The bucket starting at ``start`` for people: a month of a year chart ("October 2025"),
    else a day ("Thu 15 Oct 2025")."""
    return f"{_local(start):%B %Y}" if span is UsageRange.YEAR else _day(start)


def describe(span: UsageRange, end: datetime) -> str:
    """How the period is named ("Sun 22 Nov 2026", "Mon 16 – Sun 22 Nov 2026",
    "November 2026", "2026")."""
    if span is UsageRange.LIVE:
        return "Last 10 minutes"
    chosen = period(span, end)
    first, last = chosen.start, chosen.end - _INSTANT
    if span is UsageRange.DAY:
        return _day(first)
    if span is UsageRange.MONTH:
        return f"{_local(first):%B %Y}"
    if span is UsageRange.YEAR:
        return str(_local(first).year)
    same_year = _local(first).year == _local(last).year
    same_month = same_year and _local(first).month == _local(last).month
    return f"{_day(first, month=not same_month, year=not same_year)} – {_day(last)}"


def ticks(span: UsageRange, end: datetime) -> list[tuple[float, str]]:
    """Labels for the time axis (epoch seconds, text): hours of a day at their boundaries;
    days of a week, days of a month and months of a year at the middle of their bars."""
    if span is UsageRange.LIVE:
        return []
    edges = bucket_edges(span, end)
    labels: list[tuple[float, str]] = []
    if span is UsageRange.DAY:
        for edge in edges[:-1]:
            local = _local(edge)
            if local.minute == 0 and local.hour % 3 == 0:
                labels.append((edge.timestamp(), f"{local:%H:%M}"))
        return labels
    for start, stop in pairwise(edges):
        middle = (start.timestamp() + stop.timestamp()) / 2
        local = _local(start)
        if span is UsageRange.WEEK:
            labels.append((middle, f"{local:%a} {local.day}"))
        elif span is UsageRange.MONTH:
            if local.day in (1, 8, 15, 22, 29):
                labels.append((middle, str(local.day)))
        else:
            labels.append((middle, f"{local:%b}"))
    return labels
