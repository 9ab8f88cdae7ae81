"""A time-of-use calendar's pieces survive a restart of the display."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ihd_app.core.readings import Fuel
from ihd_app.store.database import Database
from ihd_app.store.settings import Settings
from ihd_app.store.tou_calendars import TouCalendarStore
from tests.core.tou_sample import flex_calendar


def test_the_calendar_is_there_after_a_restart_and_per_fuel(tmp_path: Path) -> None:
    calendar = flex_calendar()
    with Database.in_data_dir(tmp_path) as db:
        TouCalendarStore(Settings(db)).save(Fuel.ELECTRICITY, calendar)
    with Database.in_data_dir(tmp_path) as db:
        store = TouCalendarStore(Settings(db))
        again = store.load(Fuel.ELECTRICITY)
        assert again is not None
        assert again.complete
        assert again.rate_bands_on(date(2026, 6, 20)) == calendar.rate_bands_on(date(2026, 6, 20))
        assert store.load(Fuel.GAS) is None
        assert store.drop(Fuel.ELECTRICITY)
        assert store.load(Fuel.ELECTRICITY) is None
