"""What the Tariff screen says of a time-of-use week, in a householder's words."""

from __future__ import annotations

from datetime import date

from ihd_app.ui.tou_text import season_text, week_text
from tests.core.tou_sample import FLEX, flex_calendar


def test_christmas_week_names_the_bank_holiday_and_when_each_day_is_dearest() -> None:
    calendar = flex_calendar()
    # Christmas Day 2025 is a Thursday, priced as a weekend day (no peak).
    text = week_text(calendar, date(2025, 12, 24))
    assert text == (
        "Dearest this week: Mon–Wed Peak 15:00–20:00 · Thu 25 Dec (bank holiday) Day 09:00–22:00"
        " · Fri Peak 15:00–20:00 · Sat–Sun Day 09:00–22:00"
    )
    assert season_text(calendar, date(2025, 12, 24)) == "This season since 1 Oct"


def test_a_day_with_one_price_says_all_day() -> None:
    flat_weekend = {
        **FLEX,
        "days": [*FLEX["days"][:1], {"id": 2, "schedule": [["00:00", 2]]}, FLEX["days"][2]],
    }
    text = week_text(flex_calendar(flat_weekend), date(2025, 6, 11))
    assert text == "Dearest this week: Mon–Fri Peak 16:00–19:00 · Sat–Sun Day all day"
