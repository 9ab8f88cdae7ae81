"""Flexibility events on the display: an upcoming-event card on Home, a takeover when an event
starts, a countdown on Home while it runs, and the consumer's Opt out (which owes the
originator a ReportEventStatus "opted out"). The card and takeover fit a 480x272 panel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt

from ihd_app.protocol.demand_response import FlexibilityEvent
from ihd_app.protocol.zcl import DeviceClass, EventStatus
from ihd_app.ui.capture import settle
from ihd_app.ui.screens.home import HomeScreen
from ihd_app.ui.screens.privacy import PrivacyScreen
from ihd_app.ui.settings import UiSettings
from ihd_app.ui.theme import ThemeName
from tests.ui.clipping import clipped_text
from tests.ui.fakes import DEMO_NOW, make_service

CRITICAL = "a1f3c9e2"


def _event(start_in: timedelta, event_id: int = 11) -> FlexibilityEvent:
    return FlexibilityEvent(
        event_id=event_id,
        start=DEMO_NOW + start_in,
        minutes=60,
        reduction_percent=20,
        device_class=DeviceClass.ELECTRIC_VEHICLE,
        title="Reduce use 17:00-18:00",
        reward="20 % reward on your next bill",
    )


def _home(window: Any) -> HomeScreen:
    screen = window.screen_of(HomeScreen)
    assert isinstance(screen, HomeScreen)
    return screen


def test_an_upcoming_event_is_a_card_on_home_without_a_takeover(
    qtbot: Any, open_window: Any
) -> None:
    service, meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock)
    meter.flexibility.inject(_event(timedelta(hours=2)), organisation="Northern Power")
    card = _home(window).flexibility
    qtbot.waitUntil(card.isVisible)
    assert card.title.text() == "Coming up: Reduce use 17:00-18:00 (Northern Power)"
    assert "use 20 % less" in card.when.text()
    assert card.reward.text() == "20 % reward on your next bill"
    assert not window.flexibility_takeover.isVisible()
    # The originator is told it arrived (signed and queued by the real service).
    assert [s.status for s in meter.flexibility.sent] == [EventStatus.RECEIVED]


def test_an_event_that_starts_takes_over_and_opt_out_is_reported(
    qtbot: Any, open_window: Any
) -> None:
    service, meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock)
    meter.flexibility.set_agreement("dno-demo", DeviceClass.ELECTRIC_VEHICLE)
    meter.flexibility.inject(_event(-timedelta(minutes=10)))
    takeover = window.flexibility_takeover
    qtbot.waitUntil(takeover.isVisible)
    assert takeover.heading.text() == "Flexibility event now"
    assert takeover.when.text() == "Ends in 50:00 · use 20 % less"
    assert takeover.devices.text() == "With your agreement the meter pauses: EV charger"
    assert takeover.geometry() == window.centralWidget().rect()

    qtbot.mouseClick(takeover.opt_out, Qt.MouseButton.LeftButton)
    assert not takeover.isVisible()
    statuses = [s.status for s in meter.flexibility.sent]
    assert statuses == [EventStatus.RECEIVED, EventStatus.STARTED, EventStatus.OPTED_OUT]
    qtbot.waitUntil(lambda: not _home(window).flexibility.isVisible())


def test_taking_part_leaves_a_countdown_on_home_with_its_own_opt_out(
    qtbot: Any, open_window: Any
) -> None:
    service, meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock)
    meter.flexibility.inject(_event(-timedelta(minutes=15)))
    takeover = window.flexibility_takeover
    qtbot.waitUntil(takeover.isVisible)
    qtbot.mouseClick(takeover.take_part, Qt.MouseButton.LeftButton)
    assert not takeover.isVisible()
    card = _home(window).flexibility
    assert card.isVisible()
    assert card.title.text().startswith("Now: Reduce use")
    assert card.when.text() == "Ends in 45:00 · use 20 % less"
    # Seen once: the takeover does not come back for the same event.
    meter.flexibility.advance()
    window._update_flexibility()
    assert not takeover.isVisible()

    qtbot.mouseClick(card.opt_out, Qt.MouseButton.LeftButton)
    assert meter.flexibility.sent[-1].status is EventStatus.OPTED_OUT
    assert meter.flexibility.sent[-1].shown.event.event_id == 11


@pytest.mark.parametrize("size", [(480, 272), (800, 480)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("theme", list(ThemeName), ids=lambda t: t.value)
def test_card_and_takeover_fit_every_panel(
    qtbot: Any, open_window: Any, size: tuple[int, int], theme: ThemeName
) -> None:
    service, meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, UiSettings(theme=theme), form_factor=size)
    meter.flexibility.inject(_event(timedelta(hours=2), event_id=1))
    qtbot.waitUntil(_home(window).flexibility.isVisible)
    settle()
    assert clipped_text(window.screen_area) == []
    meter.flexibility.inject(_event(-timedelta(minutes=5), event_id=2))
    qtbot.waitUntil(window.flexibility_takeover.isVisible)
    settle()
    assert clipped_text(window.screen_area) == []


def test_the_householder_agrees_and_withdraws_direct_control_on_the_privacy_screen(
    qtbot: Any, open_window: Any
) -> None:
    service, meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock)
    privacy = window.show_kind(PrivacyScreen)
    assert isinstance(privacy, PrivacyScreen)
    card = privacy.direct_control
    assert card.nobody.isVisible()
    meter.flexibility.inject(_event(timedelta(hours=2)), organisation="Northern Power")
    ev = ("dno-demo", int(DeviceClass.ELECTRIC_VEHICLE))
    qtbot.waitUntil(lambda: ev in card.boxes)
    assert not card.nobody.isVisible()
    assert card.boxes[ev].accessibleName() == "Northern Power may pause the EV charger"

    qtbot.mouseClick(card.boxes[ev], Qt.MouseButton.LeftButton)
    assert meter.flexibility.agreements() == {"dno-demo": DeviceClass.ELECTRIC_VEHICLE}
    heater = ("dno-demo", int(DeviceClass.WATER_HEATER))
    qtbot.mouseClick(card.boxes[heater], Qt.MouseButton.LeftButton)
    assert meter.flexibility.agreements() == {
        "dno-demo": DeviceClass.ELECTRIC_VEHICLE | DeviceClass.WATER_HEATER
    }
    for key in (ev, heater):
        qtbot.mouseClick(card.boxes[key], Qt.MouseButton.LeftButton)
    assert meter.flexibility.agreements() == {}  # withdrawn


@pytest.mark.parametrize("size", [(480, 272), (800, 480)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_direct_control_card_fits_every_panel(
    qtbot: Any, open_window: Any, size: tuple[int, int]
) -> None:
    service, meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, form_factor=size)
    meter.flexibility.inject(_event(timedelta(hours=2)), organisation="Northern Power Distribution")
    privacy = window.show_kind(PrivacyScreen)
    assert isinstance(privacy, PrivacyScreen)
    qtbot.waitUntil(lambda: len(privacy.direct_control.boxes) == 3)
    privacy.direct_control.boxes[("dno-demo", int(DeviceClass.GENERATION_SYSTEMS))].setFocus()
    settle()
    assert clipped_text(window.screen_area) == []
