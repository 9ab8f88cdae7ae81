"""Which time-of-use tier is in force when, from an assembled GB calendar."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest

from ihd_app.core.model import Interval
from ihd_app.core.readings import Fuel
from ihd_app.core.tariff import flat_tariff
from ihd_app.core.tou_calendar import TouCalendar
from ihd_app.core.tou_tariff import calendar_cost_pence, tariff_from_calendar, tariff_on
from ihd_app.protocol.zcl import PublishPriceMatrix
from meter_emulator.scenarios.tou import tou_commands
from tests.core.tou_sample import FLEX, flex_calendar

SUMMER_WEDNESDAY = date(2026, 6, 17)
SUMMER_SATURDAY = date(2026, 6, 20)
WINTER_MONDAY = date(2026, 12, 7)
CHRISTMAS_FRIDAY = date(2026, 12, 25)


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


@pytest.mark.parametrize(
    ("day", "at", "tier"),
    [
        (SUMMER_WEDNESDAY, "17:00", 3),  # summer weekday peak
        (SUMMER_WEDNESDAY, "12:00", 2),
        (SUMMER_WEDNESDAY, "23:45", 1),
        (SUMMER_WEDNESDAY, "03:00", 1),  # carried over midnight from Tuesday's 23:30
        (SUMMER_SATURDAY, "17:00", 2),  # weekend: no peak
        (WINTER_MONDAY, "15:30", 3),  # winter season: peak from 15:00
        (WINTER_MONDAY, "20:30", 2),
        (CHRISTMAS_FRIDAY, "17:00", 2),  # special day: the weekend profile
        (date(2027, 1, 6), "15:30", 3),  # January: last October's winter season still in force
    ],
)
def test_tier_in_force(day: date, at: str, tier: int) -> None:
    assert flex_calendar().tier_at(day, _minutes(at)) == tier


def test_today_s_bands_cover_the_day_with_names_and_prices() -> None:
    bands = flex_calendar().rate_bands_on(SUMMER_WEDNESDAY)
    assert [(b.name, b.start, b.end, b.pence_per_kwh) for b in bands] == [
        ("Off-peak", time(0), time(7, 30), 9.5),
        ("Day", time(7, 30), time(16), 24.5),
        ("Peak", time(16), time(19), 38.2),
        ("Day", time(19), time(23, 30), 24.5),
        ("Off-peak", time(23, 30), time(0), 9.5),
    ]


def test_a_monday_after_a_weekend_carries_the_weekend_s_last_tier_past_midnight() -> None:
    spec = {
        **FLEX,
        "days": [*FLEX["days"][:1], {"id": 2, "schedule": [["00:00", 2]]}, FLEX["days"][2]],
    }
    # Sunday ends at tier 2 (Day): Monday's first entry is 07:30, so Day runs on until then.
    assert flex_calendar(spec).tier_at(date(2026, 6, 22), 60) == 2


def test_the_week_and_the_season() -> None:
    calendar = flex_calendar()
    week = calendar.week(SUMMER_WEDNESDAY)
    assert next(d.isoformat() for d, _ in week) == "2026-06-15"
    assert [profile for _, profile in week] == [1, 1, 1, 1, 1, 2, 2]
    assert calendar.season_on(SUMMER_WEDNESDAY) == (date(2026, 4, 1), 1)
    assert calendar.thresholds() == [(None, [10_000, 20_000])]


def test_a_calendar_is_not_used_until_every_piece_and_price_is_in() -> None:
    commands = tou_commands(FLEX)
    calendar = TouCalendar.empty()
    for command in commands[:-5]:  # no matrix, thresholds or tier prices yet
        calendar = calendar.add(command)  # type: ignore[arg-type]
    assert not calendar.complete
    assert calendar.missing() == ["prices of tier(s) 1, 2, 3"]
    assert calendar.rate_bands_on(SUMMER_WEDNESDAY) == ()
    # Pieces may come in any order; a repeated piece changes nothing.
    for command in reversed(commands):
        calendar = calendar.add(command)  # type: ignore[arg-type]
    assert calendar.complete
    assert calendar.rate_bands_on(SUMMER_WEDNESDAY) == flex_calendar().rate_bands_on(
        SUMMER_WEDNESDAY
    )


def test_a_piece_of_another_calendar_starts_over() -> None:
    calendar = flex_calendar()
    newer = tou_commands({**FLEX, "calendar_id": 8})[0]
    calendar = calendar.add(newer)  # type: ignore[arg-type]
    assert not calendar.complete
    assert "day profile" in calendar.missing()[0]


def test_the_calendar_survives_json() -> None:
    calendar = flex_calendar()
    again = TouCalendar.from_json(json.loads(json.dumps(calendar.to_json())))
    assert again is not None
    assert again.rate_bands_on(WINTER_MONDAY) == calendar.rate_bands_on(WINTER_MONDAY)


def test_each_half_hour_costs_the_tier_of_its_own_day() -> None:
    calendar = flex_calendar()
    received = datetime(2026, 6, 17, 8, tzinfo=UTC)
    base = flat_tariff(Fuel.ELECTRICITY, 20.0)
    tariff = tariff_from_calendar(base, calendar, fuel=Fuel.ELECTRICITY, received_at=received)
    assert tariff.name == "Flex TOU"  # the flat tariff had no name of its own
    # 17:00 BST on Wednesday (peak) and on Saturday (day rate): 1 kWh each.
    wednesday = Interval(
        Fuel.ELECTRICITY, datetime(2026, 6, 17, 16, tzinfo=UTC), timedelta(minutes=30), 1.0
    )
    saturday = Interval(
        Fuel.ELECTRICITY, datetime(2026, 6, 20, 16, tzinfo=UTC), timedelta(minutes=30), 1.0
    )
    assert calendar_cost_pence(tariff, calendar, [wednesday]) == pytest.approx(38.2)
    assert calendar_cost_pence(tariff, calendar, [saturday]) == pytest.approx(24.5)
    assert calendar_cost_pence(tariff, calendar, [wednesday, saturday]) == pytest.approx(62.7)
    assert tariff_on(tariff, calendar, SUMMER_SATURDAY).bands[0].name == "Off-peak"


def test_without_a_matrix_each_tier_is_priced_by_its_publish_price() -> None:
    calendar = TouCalendar.empty()
    for command in tou_commands(FLEX):
        if not isinstance(command, PublishPriceMatrix):
            calendar = calendar.add(command)  # type: ignore[arg-type]
    assert calendar.complete
    assert calendar.prices() == {1: 9.5, 2: 24.5, 3: 38.2}
    assert calendar.label(3) == "Peak"
    assert calendar.label(9) == "Tier 9"


def test_a_matrix_price_wins_over_a_publish_price() -> None:
    cheaper = {**FLEX, "tiers": [{**t, "price": t["price"] / 2} for t in FLEX["tiers"]]}
    calendar = flex_calendar()
    matrix = next(c for c in tou_commands(cheaper) if isinstance(c, PublishPriceMatrix))
    assert calendar.add(matrix).prices()[3] == pytest.approx(19.1)


def test_a_bad_description_is_one_sentence() -> None:
    with pytest.raises(ValueError, match="calendar needs tiers, days and weeks"):
        tou_commands({"name": "x", "tiers": [{"tier": 1, "price": 1}]})
    with pytest.raises(ValueError, match="schedule start '7:30' is not HH:MM"):
        tou_commands({**FLEX, "days": [{"id": 1, "schedule": [["7:30", 1]]}]})
