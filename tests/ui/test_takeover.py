"""High and critical messages take over the window until acknowledged."""

from __future__ import annotations

from typing import Any

from ihd_app.core.model import Importance
from tests.ui.fake.demo_data import DNO, message
from tests.ui.fakes import DEMO_NOW, make_service

CRITICAL = "a1f3c9e2"


def test_critical_message_takes_over_on_opening(qtbot: Any, open_window: Any) -> None:
    # Acknowledging it with a click, through the real service to the meter, is in
    # test_live_stack.py; here: a critical message already on display when the window opens.
    service, _meter, clock = make_service()
    window = open_window(service, clock)
    overlay = window.takeover
    assert overlay.isVisible()
    assert overlay.message.key == CRITICAL
    assert overlay.title.text() == "Gas supply turned off"
    assert "Northern Gas Networks" in overlay.sender_label.text()
    assert overlay.geometry() == window.centralWidget().rect()


def test_a_high_message_arriving_later_takes_over(qtbot: Any, open_window: Any) -> None:
    service, meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock)
    assert not window.takeover.isVisible()
    meter.inject_message(
        message(
            "e1",
            "outage.emergency",
            "Emergency power cut. Expected back by 21:00.",
            importance=Importance.HIGH,
            originator=DNO,
            received=DEMO_NOW,
        )
    )
    qtbot.waitUntil(window.takeover.isVisible)
    assert window.takeover.message.key == "e1"
    assert window.takeover.importance.text().startswith("IMPORTANT")


def test_low_and_medium_messages_stay_in_the_inbox(qtbot: Any, open_window: Any) -> None:
    service, meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock)
    meter.inject_message(
        message(
            "m1",
            "message.general",
            "Smart meter upgrade next week.",
            importance=Importance.MEDIUM,
            originator=DNO,
            received=DEMO_NOW,
        )
    )
    badge = window.nav._counts[1]
    # The badge counts the new message once the notification has been handled.
    qtbot.waitUntil(lambda: badge.text() == "4")
    assert not window.takeover.isVisible()


def test_a_cancelled_takeover_gives_the_screen_back(qtbot: Any, open_window: Any) -> None:
    service, meter, clock = make_service()
    window = open_window(service, clock)
    assert window.takeover.isVisible()
    meter.cancel_message(CRITICAL, "cancelled by the GDN")
    qtbot.waitUntil(lambda: not window.takeover.isVisible())
    assert service.called("acknowledge") == []
