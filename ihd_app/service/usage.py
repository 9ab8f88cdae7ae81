"""The usage figures the screens show: a fuel's energy over the live window (from the live
readings), or over the day, week, month or year holding an instant (from the stored history)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from ihd_app.core.aggregation import Period, PeriodKind, aggregate, intervals_from_readings
from ihd_app.core.model import Interval
from ihd_app.core.readings import Fuel
from ihd_app.service.api import UsageRange
from ihd_app.service.live_readings import LiveReadings
from ihd_app.store.readings import ReadingsRepository


def usage_intervals(
    store: ReadingsRepository,
    live: LiveReadings,
    fuel: Fuel,
    span: UsageRange,
    end: datetime,
) -> Sequence[Interval]:
    """The fuel's intervals over ``span`` ending at ``end`` (exclusive)."""
    if span is UsageRange.LIVE:
        return intervals_from_readings(live.recent(fuel))
    kind = {
        UsageRange.DAY: PeriodKind.DAY,
        UsageRange.WEEK: PeriodKind.WEEK,
        UsageRange.MONTH: PeriodKind.MONTH,
        UsageRange.YEAR: PeriodKind.YEAR,
    }[span]
    # ``end`` is exclusive (the UI passes the midnight after today): the period is the one
    # holding the instant just before it.
    period = Period.containing(kind, end - timedelta(microseconds=1))
    raw = store.intervals(fuel, period.start, period.end)
    return aggregate(raw, period, fuel)
