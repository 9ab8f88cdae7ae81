"""Home and Messages on made-up data; a failed action is reported, not raised.

The message detail, the security log, consent and wipe on the real service and meter emulator
are tested in ``test_live_stack.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from ihd_app.core.readings import Fuel, Reading
from ihd_app.link.meter_link import LinkState
from ihd_app.protocol.zcl import SupplyStatus
from ihd_app.ui.ambient import AmbientLevel
from ihd_app.ui.screens.home import HomeScreen, today_usage
from ihd_app.ui.screens.messages import MessagesScreen
from ihd_app.ui.settings import UiSettings
from ihd_app.ui.theme import ThemeName, load_palette
from tests.ui.fakes import DEMO_NOW, make_service

LEFT = Qt.MouseButton.LeftButton
PLANNED = "7c0d55b1"


def _window(open_window: Any, **kwargs: Any) -> tuple[Any, Any, Any]:
    service, meter, clock = make_service(exclude=["a1f3c9e2"], **kwargs)
    return service, meter, open_window(service, clock)


def test_home_shows_live_cost_today_price_and_link(qtbot: Any, open_window: Any) -> None:
    service, meter, window = _window(open_window)
    home = window.screen_of(HomeScreen)
    electricity = home.tiles[Fuel.ELECTRICITY]
    reading = service.latest_reading(Fuel.ELECTRICITY)
    assert electricity.demand.text() == f"{reading.demand_w / 1000:.2f} kW"
    # Peak 28.6p/kWh at 18:05.
    assert electricity.rate.text() == f"{reading.demand_w / 1000 * 28.6:.1f}p per hour"
    kwh, pounds = today_usage(service, Fuel.ELECTRICITY, DEMO_NOW)
    assert electricity.today.text() == f"Today {kwh:.1f} kWh · £{pounds:.2f}"
    assert home.price_now.text() == "Now: Peak 28.6p/kWh"
    assert home.price_next.text() == "Next: Day 24.1p/kWh from 19:00"
    assert home.badge.text().endswith("Paired · encrypted · authenticated (LE Secure Connections)")
    assert home.badge.kind == "ok"
    assert home.tiles[Fuel.GAS].supply.isVisible()  # the gas network turned the supply off

    meter.inject_reading(Reading(Fuel.ELECTRICITY, DEMO_NOW, 2_400.0, 1.0))
    qtbot.waitUntil(lambda: electricity.demand.text() == "2.40 kW")
    assert home.light.level is AmbientLevel.HIGH
    meter.set_link(LinkState.IDLE)
    qtbot.waitUntil(lambda: home.badge.kind == "bad")
    assert "Not connected" in home.badge.text()


def test_a_power_cut_lights_no_lamp_and_says_the_supply_is_off(
    qtbot: Any, open_window: Any
) -> None:
    # No use during a power cut is not low use: a green light would tell the household all is
    # well when nothing works.
    _service, meter, window = _window(open_window)
    home = window.screen_of(HomeScreen)
    meter.inject_reading(Reading(Fuel.ELECTRICITY, DEMO_NOW, 0.0, 1.0, SupplyStatus.OFF))
    qtbot.waitUntil(lambda: home.light.level is AmbientLevel.SUPPLY_OFF)
    assert home.ambient_label.text() == "Supply off"
    meter.inject_reading(Reading(Fuel.ELECTRICITY, DEMO_NOW, 150.0, 1.0, SupplyStatus.ON))
    qtbot.waitUntil(lambda: home.light.level is AmbientLevel.LOW)
    assert home.ambient_label.text().startswith("Low use\n0.15 kW")


def test_messages_without_confirmation_have_no_acknowledge(qtbot: Any, open_window: Any) -> None:
    _service, _meter, window = _window(open_window)
    screen = window.show_kind(MessagesScreen)
    screen.select_key("58aa01f0")  # power threshold warning: no confirmation required
    assert screen.detail.title.text() == "High power use warning"
    assert not screen.detail.acknowledge.isVisible()


def test_failed_action_is_reported_not_raised(qtbot: Any, open_window: Any) -> None:
    service, _meter, window = _window(open_window)

    async def broken(_key: str) -> None:
        raise RuntimeError("the meter did not answer")

    service._service.acknowledge = broken  # the real service may fail the same way
    screen = window.show_kind(MessagesScreen)
    screen.select_key(PLANNED)
    qtbot.mouseClick(screen.detail.acknowledge, LEFT)
    qtbot.waitUntil(window.notice.isVisible)
    assert "the meter did not answer" in window.notice.text()


def _hue_apart(one: QColor, other: QColor) -> int:
    apart = abs(one.hsvHue() - other.hsvHue())
    return min(apart, 360 - apart)


@pytest.mark.parametrize("theme", list(ThemeName), ids=lambda t: t.value)
def test_the_medium_badge_is_a_badge_not_highlighted_text(
    qtbot: Any, open_window: Any, theme: ThemeName
) -> None:
    service, _meter, clock = make_service(exclude=["a1f3c9e2"])
    window = open_window(service, clock, UiSettings(theme=theme))
    screen = window.show_kind(MessagesScreen)
    assert isinstance(screen, MessagesScreen)
    badges = {}
    for row in range(screen.model.rowCount()):
        screen.list.setCurrentIndex(screen.model.index(row, 0))
        badge = screen.detail.importance
        badge.ensurePolished()
        badges[badge.text()] = (badge.font().bold(), badge.font().pixelSize())
    assert {"MEDIUM", "LOW"} <= badges.keys()
    # One shape for every importance: the same bold capitals at the same size.
    assert len(set(badges.values())) == 1
    assert badges["MEDIUM"][0]
    # Not the blue of a selection or of the accent (what highlighted text looks like).
    palette = load_palette(theme)
    medium = palette.color("medium")
    for name in ("selection", "accent"):
        colour = palette.color(name)
        if colour.saturation() > 40:
            assert _hue_apart(medium, colour) >= 30, name
