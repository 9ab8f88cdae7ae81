"""Every control can be reached with Tab and has a name a screen reader can say."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QScrollBar,
    QWidget,
)

from ihd_app.ui.main_window import SCREENS, MainWindow
from ihd_app.ui.screens.developer.screen import DeveloperScreen
from ihd_app.ui.settings import UiSettings
from ihd_app.ui.theme import ThemeName, load_palette
from tests.ui.fakes import make_service

CRITICAL = "a1f3c9e2"
INTERACTIVE = (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QAbstractSlider,
    QAbstractSpinBox,
    QAbstractItemView,
    QCheckBox,
)


def _controls(window: MainWindow) -> list[QWidget]:
    """The interactive controls visible in ``window``: not the parts of another control (the
    scroll bars of a view, which scrolls with the keyboard itself; a spin box's line edit)."""
    found = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, INTERACTIVE) or not widget.isVisible():
            continue
        parent = widget.parentWidget()
        if isinstance(widget, QScrollBar) or isinstance(
            parent, QAbstractScrollArea | QAbstractSpinBox | QComboBox
        ):
            continue
        if parent is not None and isinstance(parent.parentWidget(), QAbstractScrollArea):
            continue  # a view's scroll bar container
        found.append(widget)
    return found


def _name(widget: QWidget) -> str:
    if widget.accessibleName():
        return widget.accessibleName()
    if isinstance(widget, QAbstractButton):
        return widget.text().strip()
    return ""


def _describe(widget: QWidget) -> str:
    return f"{type(widget).__name__} {widget.objectName()!r} on {widget.window().objectName()}"


def _open(qtbot: Any, open_window: Any) -> MainWindow:
    service, _meter, clock = make_service(exclude=[CRITICAL])
    # Developer tools on: the Developer screen is one of those checked.
    window: MainWindow = open_window(service, clock, UiSettings(developer=True))
    window.activateWindow()
    qtbot.waitActive(window)
    return window


@pytest.mark.parametrize("index", range(len(SCREENS)), ids=[s.__name__ for s in SCREENS])
def test_every_control_has_a_name_and_takes_tab(qtbot: Any, open_window: Any, index: int) -> None:
    window = _open(qtbot, open_window)
    window.show_screen(index)
    controls = _controls(window)
    screen = window.screens[index]
    assert any(screen.isAncestorOf(c) for c in controls) or index == 0  # Home has none
    unnamed = [_describe(c) for c in controls if not _name(c)]
    assert unnamed == []
    # Once focus has moved through the window (Qt adjusts the focus policy of grouped buttons
    # as they are checked and focused), every control still takes Tab, or its group does.
    _tab_cycle(qtbot, window)
    no_tab = [_describe(c) for c in controls if not _takes_tab(c)]
    assert no_tab == []


def _takes_tab(widget: QWidget) -> bool:
    if widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
        return True
    if isinstance(widget, QAbstractButton) and widget.group() is not None:
        group = widget.group()
        assert group is not None
        return any(b.focusPolicy() & Qt.FocusPolicy.TabFocus for b in group.buttons())
    return False


def _tab_cycle(qtbot: Any, window: MainWindow, limit: int = 120) -> list[QWidget]:
    """Press Tab from the first navigation button until focus comes back to it."""
    start = window.nav.buttons[0]
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(start.hasFocus)
    visited: list[QWidget] = []
    for _ in range(limit):
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        assert focused is not None
        if focused is start:
            return visited
        visited.append(focused)
    pytest.fail(f"Tab never came back to the navigation: {[_describe(w) for w in visited]}")


@pytest.mark.parametrize("index", range(len(SCREENS)), ids=[s.__name__ for s in SCREENS])
def test_tab_visits_the_navigation_and_the_screen(qtbot: Any, open_window: Any, index: int) -> None:
    window = _open(qtbot, open_window)
    window.show_screen(index)
    visited = _tab_cycle(qtbot, window)
    buttons = window.nav.buttons
    assert [w for w in visited if w in buttons] == buttons[1:]
    screen = window.screens[index]
    reachable = [
        c
        for c in _controls(window)
        if screen.isAncestorOf(c) and c.isEnabled() and c.focusPolicy() & Qt.FocusPolicy.TabFocus
    ]
    missed = [_describe(c) for c in reachable if c not in visited and not _grouped(c, visited)]
    assert missed == []


@pytest.mark.parametrize("tab", range(4), ids=["gatt", "inspector", "events", "capture"])
def test_every_developer_tab_is_named_and_reached_by_tab(
    qtbot: Any, open_window: Any, tab: int
) -> None:
    window = _open(qtbot, open_window)
    screen = window.show_kind(DeveloperScreen)
    assert isinstance(screen, DeveloperScreen)
    screen.tabs.setCurrentIndex(tab)
    page = screen.tabs.currentWidget()
    controls = [c for c in _controls(window) if page.isAncestorOf(c)]
    assert controls
    assert [_describe(c) for c in controls if not _name(c)] == []
    visited = _tab_cycle(qtbot, window)
    reachable = [c for c in controls if c.isEnabled() and c.focusPolicy() & Qt.FocusPolicy.TabFocus]
    assert [_describe(c) for c in reachable if c not in visited] == []
    assert [_describe(c) for c in controls if c.isEnabled() and not _takes_tab(c)] == []


def _grouped(widget: QWidget, visited: list[QWidget]) -> bool:
    """An exclusive radio button is reached through its group (arrow keys move within it)."""
    if not isinstance(widget, QAbstractButton) or widget.group() is None:
        return False
    group = widget.group()
    assert group is not None
    return group.exclusive() and any(b in visited for b in group.buttons())


def test_high_contrast_theme_applies(qtbot: Any, open_window: Any) -> None:
    service, _meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, UiSettings(theme=ThemeName.HIGH_CONTRAST))
    palette = load_palette(ThemeName.HIGH_CONTRAST)
    assert palette.hex("bg") == "#000000"
    assert palette.hex("fg") == "#ffffff"
    assert "background: #000000" in window.styleSheet()
    assert "border: 2px solid #ffffff" in window.styleSheet()


def _looks_selected(window: MainWindow) -> list[str]:
    """The navigation items that look chosen: the checked one, and any with a focus ring."""
    return [b.text() for b in window.nav.buttons if b.isChecked() or b.hasFocus()]


def test_clicking_a_page_leaves_no_focus_ring_on_another(qtbot: Any, open_window: Any) -> None:
    window = _open(qtbot, open_window)
    home, usage = window.nav.buttons[0], window.nav.buttons[2]
    # Tab put the focus ring on Home; then a click (a finger) chooses Usage.
    home.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(home.hasFocus)
    qtbot.mouseClick(usage, Qt.MouseButton.LeftButton)
    assert window.stack.currentIndex() == 2
    assert _looks_selected(window) == ["Usage"]
    # The keyboard carries on from the page chosen.
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is window.nav.buttons[1]


def test_a_page_shown_by_the_window_moves_the_ring_with_it(qtbot: Any, open_window: Any) -> None:
    window = _open(qtbot, open_window)
    home = window.nav.buttons[0]
    home.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(home.hasFocus)
    window.show_screen(3)  # as the window does for a notice or a message link
    assert _looks_selected(window) == ["Tariff"]


def test_an_acknowledged_takeover_leaves_no_ring_in_the_navigation(
    qtbot: Any, open_window: Any
) -> None:
    service, _meter, clock = make_service()  # the critical message takes over
    window: MainWindow = open_window(service, clock)
    window.activateWindow()
    qtbot.waitActive(window)
    window.show_screen(2)
    assert window.takeover.isVisible()
    qtbot.waitUntil(window.takeover.acknowledge.hasFocus)
    qtbot.mouseClick(window.takeover.acknowledge, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.takeover.isVisible())
    assert _looks_selected(window) == ["Usage"]
