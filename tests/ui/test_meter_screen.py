"""The Meter screen: link and security badge, backfill progress, link loss.

Forget (with its confirmation) against the real service and bond store is in
``test_live_stack.py``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from ihd_app.link.meter_link import LinkState
from ihd_app.service.api import BackfillProgress
from ihd_app.ui.screens.meter import MeterScreen
from tests.ui.fakes import make_service

LEFT = Qt.MouseButton.LeftButton


def _meter_screen(qtbot: Any, open_window: Any) -> tuple[Any, Any, MeterScreen]:
    service, meter, clock = make_service(exclude=["a1f3c9e2"])
    window = open_window(service, clock)
    screen = window.show_kind(MeterScreen)
    assert isinstance(screen, MeterScreen)
    return service, meter, screen


def test_shows_the_bonded_meter_and_its_security(qtbot: Any, open_window: Any) -> None:
    _service, _meter, screen = _meter_screen(qtbot, open_window)
    assert screen.badge.kind == "ok"
    assert "LE Secure Connections" in screen.badge.text()
    assert screen.fields["Address"].text() == "F4:12:FA:6C:01:9E"
    assert "authenticated" in screen.fields["Security"].text()
    assert "128-bit key" in screen.fields["Security"].text()
    assert screen.forget_button.isEnabled()
    # GB displays show their own identifier, which the supplier commissions them by.
    assert screen.fields["This display"].text() == "ID 00-1D-A6-00-00-00-01-01"


def test_a_display_going_by_the_meters_time_says_how_far_off_its_own_clock_is(
    qtbot: Any, open_window: Any
) -> None:
    _service, meter, screen = _meter_screen(qtbot, open_window)
    assert screen.fields["Time"].isHidden(), "nothing to say while the clocks agree"
    meter.set_clock_correction(600.0)
    qtbot.waitUntil(screen.fields["Time"].isVisible)
    assert screen.fields["Time"].text() == (
        "Time taken from the meter: this display's own clock is 10\u00a0min behind."
    )
    assert screen.captions["Time"].isVisible()


def test_backfill_progress_bar_follows_the_service(qtbot: Any, open_window: Any) -> None:
    _service, meter, screen = _meter_screen(qtbot, open_window)
    meter.set_backfill(BackfillProgress(4_750, 19_000, True))
    qtbot.waitUntil(lambda: screen.backfill.value() == 4_750)
    assert screen.backfill.maximum() == 19_000
    assert "4,750 of 19,000" in screen.backfill_label.text()


def test_link_loss_turns_the_badge_amber(qtbot: Any, open_window: Any) -> None:
    _service, meter, screen = _meter_screen(qtbot, open_window)
    meter.set_link(LinkState.RECONNECTING)
    qtbot.waitUntil(lambda: screen.badge.kind == "warn")
    assert "reconnecting" in screen.badge.text()
