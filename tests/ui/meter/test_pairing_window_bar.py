"""The pairing window strip of the emulator's window, with the real IHD service connecting: open
from start, closed with its button (a display is then refused), opened again with it (the
display pairs), and closing by itself when its time is up (waited for by its event)."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt

from meter_emulator.gatt.pairing_window import DEFAULT_AT_START_S, DEFAULT_OPEN_S
from meter_emulator.ui.panels.pairing_window_bar import CLOSE_TEXT, OPEN_TEXT, time_left_text
from tests.ui.meter.conftest import SLOW_MS, MeterDesk

_TIME_LEFT = re.compile(r"(\d+):(\d\d) left")


def _seconds_left(text: str) -> int:
    found = _TIME_LEFT.search(text)
    assert found is not None, text
    return int(found[1]) * 60 + int(found[2])


def test_time_left_reads_as_minutes_and_seconds_rounded_up() -> None:
    assert time_left_text(300) == "5:00"
    assert time_left_text(119.2) == "2:00"
    assert time_left_text(61) == "1:01"
    assert time_left_text(0.1) == "0:01"
    assert time_left_text(-3) == "0:00"


def test_the_button_closes_the_window_a_display_is_refused_then_opening_it_lets_it_pair(
    qtbot: Any, desk: MeterDesk
) -> None:
    bar, radio = desk.window.pairing_window, desk.window.radio
    # A meter started without --pairing-window: open for its first minutes, shown so.
    assert bar.is_shown_open
    assert "Pairing window open" in bar.state.text()
    assert 0 < _seconds_left(bar.state.text()) <= DEFAULT_AT_START_S
    assert bar.button.text() == CLOSE_TEXT

    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    assert not bar.is_shown_open
    assert "Pairing window closed" in bar.state.text()
    assert bar.button.text() == OPEN_TEXT
    assert desk.meter_events.named("pairing.window-closed")[-1]["by"] == "button"

    desk.connect()
    qtbot.waitUntil(lambda: bool(desk.meter_events.named("pairing.failed")), timeout=SLOW_MS)
    assert desk.meter_events.named("pairing.failed")[0]["reason"] == "window-closed"
    qtbot.waitUntil(lambda: "pairing window is closed" in radio.pairing.text(), timeout=SLOW_MS)
    assert not radio.same.isVisible(), "nobody is asked to compare numbers"
    assert not desk.meter_events.named("link.paired")
    qtbot.waitUntil(lambda: bool(desk.meter_events.named("link.disconnected")), timeout=SLOW_MS)

    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    assert bar.is_shown_open
    assert 0 < _seconds_left(bar.state.text()) <= DEFAULT_OPEN_S
    opened = desk.meter_events.named("pairing.window-opened")[-1]
    assert opened["by"] == "button"
    assert opened["seconds"] == DEFAULT_OPEN_S

    desk.connect()
    qtbot.waitUntil(radio.same.isVisible, timeout=SLOW_MS)
    qtbot.mouseClick(radio.same, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(desk.meter_events.named("link.paired")), timeout=SLOW_MS)
    assert bar.is_shown_open, "a join leaves the window open until its time is up"


def test_the_window_closes_by_itself_when_its_time_is_up(qtbot: Any, desk: MeterDesk) -> None:
    bar = desk.window.pairing_window
    desk.meter.pairing_window.open(1, by="test")
    qtbot.waitUntil(lambda: _seconds_left(bar.state.text()) == 1, timeout=SLOW_MS)
    # Waiting on the meter's event, not on the second.
    qtbot.waitUntil(
        lambda: any(
            e["reason"] == "time-up" for e in desk.meter_events.named("pairing.window-closed")
        ),
        timeout=SLOW_MS,
    )
    qtbot.waitUntil(lambda: not bar.is_shown_open, timeout=SLOW_MS)
    assert "Pairing window closed" in bar.state.text()
    assert bar.button.text() == OPEN_TEXT
