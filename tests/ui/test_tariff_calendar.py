"""The Tariff screen under a GB time-of-use calendar: today's bands by tier, this week's day
profiles, the season in force and the block thresholds."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QLabel, QTableView

from ihd_app.core.readings import Fuel
from ihd_app.core.tou_calendar import TouCalendar
from ihd_app.core.tou_tariff import tariff_from_calendar
from ihd_app.ui.capture import settle
from ihd_app.ui.screens.tariff import TariffScreen
from meter_emulator.scenarios.tou import tou_commands
from tests.core.tou_sample import FLEX, flex_calendar
from tests.ui.fake.demo_data import demo_tariffs
from tests.ui.fakes import make_service
from tests.ui.test_clipping import CRITICAL


def _open(open_window: Callable[..., Any], calendar: TouCalendar, size: tuple[int, int]) -> Any:
    # Without the demo's critical message, whose takeover would cover the screen.
    service, meter, clock = make_service(exclude=[CRITICAL])
    electricity = demo_tariffs(clock())[0]
    if calendar.complete:
        meter.set_tariff(
            tariff_from_calendar(electricity, calendar, fuel=Fuel.ELECTRICITY, received_at=clock())
        )
    meter.set_tou_calendar(Fuel.ELECTRICITY, calendar)
    window = open_window(service, clock, size=size)
    screen = window.show_kind(TariffScreen)
    assert isinstance(screen, TariffScreen)
    settle()
    return window, screen


def _rows(table: QTableView) -> list[str]:
    model = table.model()
    return [
        " ".join(str(model.index(r, c).data()) for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]


def test_the_screen_shows_today_s_bands_week_season_and_thresholds(
    open_window: Callable[..., Any],
) -> None:
    # Tuesday 14 January 2025: the winter season (from 1 October), weekday profile 3.
    window, screen = _open(open_window, flex_calendar(), (800, 480))
    card = screen.cards[Fuel.ELECTRICITY]
    rows = _rows(card.table)
    # The band in force is marked with an arrow.
    assert [row.removeprefix("▶ ").split()[0] for row in rows] == ["Off-peak", "Day", "Peak", "Day"]
    assert "15:00" in rows[2]
    assert "38.2" in rows[2]
    text = card.calendar.text()
    assert "Time-of-use calendar Flex TOU" in text
    assert "This season since 1 Oct" in text
    assert "Dearest this week: Mon–Fri Peak 15:00–20:00 · Sat–Sun Day 09:00–22:00" in text
    assert "Block thresholds: 10, 20 kWh" in text
    assert card.now.text().startswith("Now: Peak")  # 18:05 GMT
    gas = screen.cards[Fuel.GAS]
    assert gas.calendar.isHidden()
    assert card.calendar.isVisible()
    if shots := os.environ.get("IHD_SCREENSHOT_DIR"):
        window.grab().save(str(Path(shots) / "tariff-calendar-800x480.png"))


def test_a_calendar_still_arriving_says_what_it_waits_for(
    open_window: Callable[..., Any],
) -> None:
    calendar = TouCalendar.empty()
    for command in tou_commands(FLEX)[:3]:
        calendar = calendar.add(command)  # type: ignore[arg-type]
    _window, screen = _open(open_window, calendar, (480, 272))
    label: QLabel = screen.cards[Fuel.ELECTRICITY].calendar
    assert label.text().startswith("Time-of-use calendar arriving; waiting for 1 day profile(s)")


def test_tiers_without_labels_are_named_by_number(open_window: Callable[..., Any]) -> None:
    spec = {**FLEX, "tiers": [{k: v for k, v in t.items() if k != "label"} for t in FLEX["tiers"]]}
    window, screen = _open(open_window, flex_calendar(spec), (480, 272))
    names = [row.split(" ")[0:2] for row in _rows(screen.cards[Fuel.ELECTRICITY].table)]
    assert names[0] == ["Tier", "1"]
    if shots := os.environ.get("IHD_SCREENSHOT_DIR"):
        window.grab().save(str(Path(shots) / "tariff-calendar-480x272.png"))
