"""Chart periods in local time: where each range ends, starts, and how it steps.

The display speaks local time (a GB consumer's day starts at local midnight); the service and the
store speak UTC. Arithmetic is done on naive local datetimes and converted back, so a day is a
calendar day across clock changes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ihd_app.service.api import UsageRange

#: Length of the live range.
LIVE_WINDOW = timedelta(minutes=10)
#: Days shown by the week and month ranges.
WEEK_DAYS = 7
MONTH_DAYS = 30


def _naive_local(moment: datetime) -> datetime:
    return moment.astimezone().replace(tzinfo=None)


def _aware(naive_local: datetime) -> datetime:
    # A naive datetime is read as local time by astimezone().
    return naive_local.astimezone()


def start_of_day(moment: datetime) -> datetime:
    """Local midnight at the start of ``moment``'s day (aware, local zone)."""
    naive = _naive_local(moment)
    return _aware(naive.replace(hour=0, minute=0, second=0, microsecond=0))


def add_days(moment: datetime, days: int) -> datetime:
    """``moment`` plus ``days`` calendar days in local time."""
    return _aware(_naive_local(moment) + timedelta(days=days))


def add_months(moment: datetime, months: int) -> datetime:
    """The first day of the month ``months`` after ``moment``'s month, at local midnight."""
    naive = _naive_local(moment)
    index = naive.year * 12 + naive.month - 1 + months
    return _aware(datetime(index // 12, index % 12 + 1, 1))


def period_end(span: UsageRange, now: datetime) -> datetime:
    """The end of the current period of ``span`` (what the chart asks the service for)."""
    if span is UsageRange.LIVE:
        return now
    if span is UsageRange.YEAR:
        return add_months(now, 1)
    return add_days(start_of_day(now), 1)


def period_start(span: UsageRange, end: datetime) -> datetime:
    """The start of the period of ``span`` that ends at ``end``."""
    if span is UsageRange.LIVE:
        return end - LIVE_WINDOW
    if span is UsageRange.DAY:
        return add_days(end, -1)
    if span is UsageRange.WEEK:
        return add_days(end, -WEEK_DAYS)
    if span is UsageRange.MONTH:
        return add_days(end, -MONTH_DAYS)
    return add_months(end - timedelta(seconds=1), -11)


def shift(span: UsageRange, end: datetime, steps: int) -> datetime:
    """The end of the period ``steps`` periods after (or before, if negative) ``end``."""
    if span is UsageRange.LIVE:
        return end + steps * LIVE_WINDOW
    if span is UsageRange.DAY:
        return add_days(end, steps)
    if span is UsageRange.WEEK:
        return add_days(end, steps * WEEK_DAYS)
    if span is UsageRange.MONTH:
        return add_days(end, steps * MONTH_DAYS)
    return add_months(end - timedelta(seconds=1), steps * 12 + 1)


def bucket_edges(span: UsageRange, end: datetime) -> list[datetime]:
    """Interval boundaries of the period ending at ``end``: half hours, days or months."""
    start = period_start(span, end)
    edges = [start]
    while edges[-1] < end:
        last = edges[-1]
        if span is UsageRange.YEAR:
            edges.append(add_months(last, 1))
        elif span in (UsageRange.WEEK, UsageRange.MONTH):
            edges.append(add_days(last, 1))
        elif span is UsageRange.DAY:
            edges.append(last + timedelta(minutes=30))
        else:
            edges.append(last + timedelta(seconds=10))
    return edges


def describe(span: UsageRange, end: datetime) -> str:
    """How the period is named on screen ("Tue 14 Jan", "8 Jan – 14 Jan", "Feb 2024 – Jan 2025")."""
    start = period_start(span, end).astimezone()
    last = (end - timedelta(seconds=1)).astimezone()
    if span is UsageRange.LIVE:
        return "Last 10 minutes"
    if span is UsageRange.DAY:
        return start.strftime("%a %d %b %Y")
    if span is UsageRange.YEAR:
        return f"{start:%b %Y} – {last:%b %Y}"
    return f"{start:%d %b} – {last:%d %b %Y}"
