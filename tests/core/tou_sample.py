"""A sample GB time-of-use calendar for tests: three tiers, summer and winter weeks, Christmas."""

from __future__ import annotations

from typing import Any

from ihd_app.core.tou_calendar import TouCalendar
from meter_emulator.scenarios.tou import tou_commands

FLEX: dict[str, Any] = {
    "name": "Flex TOU",
    "calendar_id": 7,
    "tiers": [
        {"tier": 1, "label": "Off-peak", "price": 9.5},
        {"tier": 2, "label": "Day", "price": 24.5},
        {"tier": 3, "label": "Peak", "price": 38.2},
    ],
    "days": [
        # Weekday: off-peak carries on from last night until 07:30.
        {"id": 1, "schedule": [["07:30", 2], ["16:00", 3], ["19:00", 2], ["23:30", 1]]},
        # Weekend: no peak.
        {"id": 2, "schedule": [["00:00", 1], ["09:00", 2], ["22:00", 1]]},
        # Winter weekday: a longer peak.
        {"id": 3, "schedule": [["00:00", 1], ["07:00", 2], ["15:00", 3], ["20:00", 2]]},
    ],
    "weeks": [{"id": 1, "days": [1, 1, 1, 1, 1, 2, 2]}, {"id": 2, "days": [3, 3, 3, 3, 3, 2, 2]}],
    "seasons": [{"start": "04-01", "week": 1}, {"start": "10-01", "week": 2}],
    "special_days": [{"date": "12-25", "day": 2}],
    "block_thresholds": [10, 20],
}


def flex_calendar(spec: dict[str, Any] | None = None) -> TouCalendar:
    """The calendar the display assembles from every command publishing ``spec``."""
    calendar = TouCalendar.empty()
    for command in tou_commands(spec or FLEX):
        calendar = calendar.add(command)  # type: ignore[arg-type]
    return calendar
