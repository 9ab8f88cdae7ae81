"""Settings: the theme switch restyles the window; thresholds move the traffic light."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from ihd_app.ui.ambient import AmbientLevel
from ihd_app.ui.screens.home import HomeScreen
from ihd_app.ui.screens.settings import SettingsScreen
from ihd_app.ui.settings import UiSettings
from ihd_app.ui.theme import ThemeName, load_palette
from tests.ui.fakes import make_service

LEFT = Qt.MouseButton.LeftButton


def _settings(qtbot: Any, open_window: Any) -> tuple[Any, SettingsScreen]:
    service, _meter, clock = make_service(exclude=["a1f3c9e2"])
    window = open_window(service, clock, UiSettings(theme=ThemeName.DARK))
    screen = window.show_kind(SettingsScreen)
    assert isinstance(screen, SettingsScreen)
    return window, screen


def test_theme_switch_applies_the_stylesheet(qtbot: Any, open_window: Any) -> None:
    window, screen = _settings(qtbot, open_window)
    dark, light = load_palette(ThemeName.DARK), load_palette(ThemeName.LIGHT)
    assert f"background: {dark.hex('bg')}" in window.styleSheet()
    changes: list[object] = []
    window.settings_changed.connect(changes.append)

    qtbot.mouseClick(screen.theme_buttons[ThemeName.LIGHT], LEFT)

    assert window.theme.theme is ThemeName.LIGHT
    assert f"background: {light.hex('bg')}" in window.styleSheet()
    assert "@" not in window.styleSheet().replace("@define", "")  # every token substituted
    # Custom-painted widgets follow: the chart background is the light card colour.
    chart = window.screens[2].chart.plot
    assert chart.backgroundBrush().color().name() == light.hex("card")
    assert changes
    assert changes[-1].theme is ThemeName.LIGHT

    qtbot.mouseClick(screen.theme_buttons[ThemeName.HIGH_CONTRAST], LEFT)
    assert "background: #000000" in window.styleSheet()


def test_the_stylesheet_scales_with_the_window(qtbot: Any, open_window: Any) -> None:
    service, _meter, clock = make_service(exclude=["a1f3c9e2"])
    small = open_window(service, clock, size=(800, 480))
    big = open_window(service, clock, size=(1280, 800))
    assert small.theme.sizes.base < big.theme.sizes.base
    assert f"font-size: {big.theme.sizes.base}px" in big.styleSheet()


def test_ambient_thresholds_move_the_traffic_light(qtbot: Any, open_window: Any) -> None:
    window, screen = _settings(qtbot, open_window)
    home = window.screen_of(HomeScreen)
    assert home.light.level is AmbientLevel.MEDIUM  # 1.24 kW between 0.3 and 1.5
    screen.high.setValue(1.0)
    screen.high.editingFinished.emit()
    assert window.context.settings.ambient.high_kw == 1.0
    assert home.light.level is AmbientLevel.HIGH


def test_thresholds_keep_their_order(qtbot: Any, open_window: Any) -> None:
    window, screen = _settings(qtbot, open_window)
    screen.low.setValue(2.0)
    screen.low.editingFinished.emit()
    assert window.context.settings.ambient.low_kw == 0.3
    assert screen.low.value() == 0.3


def test_stepper_buttons_change_a_threshold(qtbot: Any, open_window: Any) -> None:
    window, screen = _settings(qtbot, open_window)
    button = screen.findChild(QPushButton, "AmbientLowUp")
    qtbot.mouseClick(button, LEFT)
    assert window.context.settings.ambient.low_kw == 0.4


def test_settings_show_the_displays_own_identifier(qtbot: Any, open_window: Any) -> None:
    _window, screen = _settings(qtbot, open_window)
    assert screen.display_id.text() == "ID 00-1D-A6-00-00-00-01-01"
    assert screen.display_id.isVisible()
