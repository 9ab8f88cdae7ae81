"""A time-of-use calendar as the fuel's tariff: today's bands, and costs by the day's tier.

The tariff the display stores stays a :class:`~ihd_app.core.model.Tariff` (name, bands of a day,
standing charge), so every screen and cost keeps working unchanged; while a complete
:class:`~ihd_app.core.tou_calendar.TouCalendar` is in force its bands are the calendar's for the
day asked about (:func:`tariff_on`), and :func:`calendar_cost_pence` prices each interval with
the bands of its own local day (a Saturday half hour at the weekend profile's tier, Christmas Day
at the special day's).

Which PublishPrice messages belong to the calendar (:func:`is_tier_price`): one that says it is
one tier of several (NumberOfPriceTiers above 1) while a calendar is being collected or in force.
Any other PublishPrice is a flat or banded price as before and ends the calendar.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, tzinfo

from ihd_app.core.model import Interval, Tariff
from ihd_app.core.readings import Fuel
from ihd_app.core.tariff import LONDON, STANDARD, TariffError, cost_pence
from ihd_app.core.tou_calendar import TouCalendar
from ihd_app.protocol.zcl import PublishPrice


def is_tier_price(price: PublishPrice, calendar: TouCalendar | None) -> bool:
    """Whether ``price`` prices (and names) a tier of ``calendar`` rather than replacing it."""
    return calendar is not None and price.number_of_price_tiers > 1


def tariff_from_calendar(
    current: Tariff | None,
    calendar: TouCalendar,
    *,
    fuel: Fuel,
    received_at: datetime,
    tz: tzinfo = LONDON,
) -> Tariff:
    """The fuel's tariff once ``calendar`` is complete: the current tariff's name (the
    TariffLabel of a PublishTariffInformation) unless it has none, then the calendar's; the
    current standing charge; the bands of the day it takes effect.

    Raises:
        TariffError: The calendar is not complete (what is missing is said).
    """
    if not calendar.complete:
        raise TariffError("the time-of-use calendar still lacks " + ", ".join(calendar.missing()))
    # From now, whatever the calendar's StartTime: the display keeps one calendar per fuel
    # and uses it once complete (a future start is a known gap, protocol.md §6.2).
    effective = received_at
    named = current.name if current and current.name != STANDARD else ""
    name = named or calendar.name.strip() or STANDARD
    bands = calendar.rate_bands_on(effective.astimezone(tz).date())
    standing = current.standing_charge_pence_per_day if current else 0.0
    return Tariff(fuel, name, bands, standing, effective.astimezone(UTC))


def tariff_on(tariff: Tariff, calendar: TouCalendar | None, day: date) -> Tariff:
    """``tariff`` with the bands ``calendar`` gives ``day`` (unchanged without a complete
    calendar, or on a day the calendar does not cover)."""
    if calendar is None or not calendar.complete:
        return tariff
    bands = calendar.rate_bands_on(day)
    return replace(tariff, bands=bands) if bands else tariff


def calendar_cost_pence(
    tariff: Tariff,
    calendar: TouCalendar | None,
    intervals: Iterable[Interval],
    tz: tzinfo = LONDON,
) -> float:
    """What ``intervals`` cost (unit rates plus pro-rata standing charge), each priced with the
    bands of its own local day.

    Raises:
        TariffError: As :func:`~ihd_app.core.tariff.cost_pence`.
    """
    if calendar is None or not calendar.complete:
        return cost_pence(tariff, intervals, tz)
    by_day: dict[date, list[Interval]] = defaultdict(list)
    for interval in intervals:
        by_day[interval.start.astimezone(tz).date()].append(interval)
    return sum(
        cost_pence(tariff_on(tariff, calendar, day), items, tz) for day, items in by_day.items()
    )


__all__ = ["calendar_cost_pence", "is_tier_price", "tariff_from_calendar", "tariff_on"]
