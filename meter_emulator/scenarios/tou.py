"""A time-of-use tariff as the ZCL commands that publish it, from a scenario's description.

A ``publish-tou`` step describes the tariff the way a person would; :func:`tou_commands` turns
it into PublishCalendar, a PublishDayProfile per day profile, a PublishWeekProfile per week
profile, PublishSeasons, PublishSpecialDays, PublishPriceMatrix (TOU-based), optionally
PublishBlockThresholds, and a PublishPrice per tier (which names the tier: the matrix has no
labels), each to be sent as its own ``tariff.price`` envelope::

    calendar = { name = "Flex TOU", calendar_id = 7,
        tiers = [ { tier = 1, label = "Off-peak", price = 9.5 }, ... ],
        days = [ { id = 1, schedule = [ ["00:30", 1], ["07:30", 2] ] }, ... ],
        weeks = [ { id = 1, days = [1, 1, 1, 1, 1, 2, 2] } ],   # Monday to Sunday
        seasons = [ { start = "01-01", week = 1 } ],           # MM-DD (any year) or YYYY-MM-DD
        special_days = [ { date = "12-25", day = 2 } ],
        block_thresholds = [ 10.0, 20.0 ] }                    # kWh, every tier (optional)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ihd_app.protocol.compose import PRICE_TRAILING_DIGITS
from ihd_app.protocol.zcl import PublishPrice, PublishPriceMatrix
from ihd_app.protocol.zcl.calendar import (
    DATE_UNSPECIFIED,
    PublishCalendar,
    PublishDayProfile,
    PublishWeekProfile,
    ScheduleEntry,
    ZclDate,
)
from ihd_app.protocol.zcl.calendar_dates import (
    PublishSeasons,
    PublishSpecialDays,
    SeasonEntry,
    SpecialDayEntry,
)
from ihd_app.protocol.zcl.messaging import UNTIL_CHANGED
from ihd_app.protocol.zcl.price_matrix import (
    MATRIX_TOU_BASED,
    THRESHOLDS_ALL_TIERS,
    BlockThresholdEntry,
    PriceMatrixEntry,
    PublishBlockThresholds,
)
from ihd_app.protocol.zcl.unit import Command

_PROVIDER = 1
#: Block thresholds in Wh (a BlockThresholdDivisor of 1000 would make them kWh).
_WH_PER_KWH = 1000


def _minutes(value: object) -> int:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        raise ValueError(f"schedule start '{value}' is not HH:MM")
    hours, minutes = int(value[:2]), int(value[3:])
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise ValueError(f"schedule start '{value}' is not a time of day")
    return hours * 60 + minutes


def _date(value: object) -> ZclDate:
    parts = str(value).split("-")
    if len(parts) == 2:
        parts = [str(DATE_UNSPECIFIED + 1900), *parts]
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"date '{value}' is not MM-DD or YYYY-MM-DD")
    year, month, day = (int(p) for p in parts)
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise ValueError(f"date '{value}' is not a date")
    return ZclDate(year - 1900, month, day)


def _wh(kwh: object) -> int:
    if isinstance(kwh, bool) or not isinstance(kwh, int | float) or kwh < 0:
        raise ValueError("block thresholds must be kWh numbers of 0 or more")
    return round(float(kwh) * _WH_PER_KWH)


def _int(item: Mapping[str, Any], key: str, high: int = 0xFF) -> int:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise ValueError(f"'{key}' must be a whole number from 0 to {high}")
    return value


def _list(spec: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = spec.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise ValueError(f"'{key}' must be a list of tables")
    return value


def tou_commands(spec: Mapping[str, Any], *, first_event_id: int = 1) -> list[Command]:
    """The commands that publish the tariff ``spec`` describes (format in the module docstring).

    Raises:
        ValueError: ``spec`` is not a usable description (one sentence says what is wrong).
    """
    if not isinstance(spec, Mapping):
        raise ValueError("calendar must be a table")
    name = str(spec.get("name", "Time of use"))
    calendar_id = _int(spec, "calendar_id", 0xFFFFFFFF) if "calendar_id" in spec else 1
    tiers, days, weeks = _list(spec, "tiers"), _list(spec, "days"), _list(spec, "weeks")
    seasons, specials = _list(spec, "seasons"), _list(spec, "special_days")
    if not tiers or not days or not weeks:
        raise ValueError("calendar needs tiers, days and weeks")
    events = iter(range(first_event_id, first_event_id + 1000))
    head = {"provider_id": _PROVIDER, "issuer_calendar_id": calendar_id}
    commands: list[Command] = [
        PublishCalendar(
            **head,
            issuer_event_id=next(events),
            start_time=0,
            calendar_name=name,
            number_of_seasons=len(seasons),
            number_of_week_profiles=len(weeks),
            number_of_day_profiles=len(days),
        )
    ]
    for day in days:
        schedule = day.get("schedule")
        if not isinstance(schedule, list) or not schedule:
            raise ValueError('each day needs a schedule of ["HH:MM", tier] pairs')
        entries = tuple(ScheduleEntry(_minutes(start), int(tier)) for start, tier in schedule)
        commands.append(
            PublishDayProfile(
                **head,
                issuer_event_id=next(events),
                day_id=_int(day, "id"),
                total_number_of_schedule_entries=len(entries),
                entries=entries,
            )
        )
    for week in weeks:
        refs = week.get("days")
        if not isinstance(refs, list) or len(refs) != 7:
            raise ValueError("each week needs seven day profile ids, Monday to Sunday")
        a, b, c, d, e, f, g = (int(r) for r in refs)
        commands.append(
            PublishWeekProfile(
                **head,
                issuer_event_id=next(events),
                week_id=_int(week, "id"),
                day_id_refs=(a, b, c, d, e, f, g),
            )
        )
    if seasons:
        commands.append(
            PublishSeasons(
                **head,
                issuer_event_id=next(events),
                entries=tuple(SeasonEntry(_date(s.get("start")), _int(s, "week")) for s in seasons),
            )
        )
    if specials:
        commands.append(
            PublishSpecialDays(
                **head,
                issuer_event_id=next(events),
                start_time=0,
                total_number_of_special_days=len(specials),
                entries=tuple(
                    SpecialDayEntry(_date(s.get("date")), _int(s, "day")) for s in specials
                ),
            )
        )
    scale = 10**PRICE_TRAILING_DIGITS
    prices = [(_int(t, "tier", 0x0F), float(t.get("price", -1))) for t in tiers]
    if any(not 0 <= price <= 10_000 for _, price in prices):
        raise ValueError("each tier needs a price from 0 to 10000 pence per kWh")
    tariff = {"provider_id": _PROVIDER, "start_time": 0, "issuer_tariff_id": calendar_id}
    commands.append(
        PublishPriceMatrix(
            **tariff,
            issuer_event_id=next(events),
            command_index=0,
            total_number_of_commands=1,
            sub_payload_control=MATRIX_TOU_BASED,
            entries=tuple(PriceMatrixEntry(tier, round(price * scale)) for tier, price in prices),
        )
    )
    thresholds = spec.get("block_thresholds")
    if thresholds:
        commands.append(
            PublishBlockThresholds(
                **tariff,
                issuer_event_id=next(events),
                command_index=0,
                total_number_of_commands=1,
                sub_payload_control=THRESHOLDS_ALL_TIERS,
                entries=(
                    BlockThresholdEntry(
                        0, tuple(round(float(t) * _WH_PER_KWH) for t in thresholds)
                    ),
                ),
            )
        )
    for (tier, price), item in zip(prices, tiers, strict=True):
        commands.append(
            PublishPrice(
                provider_id=_PROVIDER,
                rate_label=str(item.get("label", f"Tier {tier}"))[:12],
                issuer_event_id=next(events),
                current_time=0,
                price_trailing_digit=PRICE_TRAILING_DIGITS,
                price_tier=tier,
                # Above 1 even for a single tier: it says "a tier of the calendar", not a
                # flat price that ends it (ihd_app.core.tou_tariff.is_tier_price).
                number_of_price_tiers=max(len(prices), 2),
                register_tier=tier,
                start_time=0,
                duration_minutes=UNTIL_CHANGED,
                price=round(price * scale),
            )
        )
    return commands


__all__ = ["tou_commands"]
