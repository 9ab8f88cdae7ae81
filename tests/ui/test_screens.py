"""Home, Messages, Security log and Privacy screens over the service."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from ihd_app.core.model import MessageState
from ihd_app.core.readings import Fuel, Reading
from ihd_app.link.meter_link import LinkState
from ihd_app.protocol.reasons import Reason
from ihd_app.ui.ambient import AmbientLevel
from ihd_app.ui.dialogs.confirm import ConfirmDialog
from ihd_app.ui.screens.home import HomeScreen, today_usage
from ihd_app.ui.screens.messages import MessagesScreen
from ihd_app.ui.screens.privacy import PrivacyScreen
from ihd_app.ui.screens.security_log import SecurityLogScreen
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
    assert electricity.rate.text() == f"£{reading.demand_w / 1000 * 0.286:.2f} per hour"
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


def test_message_detail_shows_the_verified_sender_and_history(qtbot: Any, open_window: Any) -> None:
    service, _meter, window = _window(open_window)
    screen = window.show_kind(MessagesScreen)
    screen.select_key(PLANNED)
    detail = screen.detail
    assert detail.title.text() == "Planned power cut"
    assert "Verified sender: Northern Power Distribution" in detail.sender_label.text()
    assert "Electricity network operator (DNO)" in detail.sender_label.text()
    assert detail.times["Ends"].text() == "Thu 16 Jan 2025 13:00"
    assert "received — signature and role verified" in detail.history.text()
    assert detail.acknowledge.isVisible()

    qtbot.mouseClick(detail.acknowledge, LEFT)

    qtbot.waitUntil(lambda: screen.inbox_model.row_of(PLANNED) == -1)
    assert service.called("acknowledge") == [(PLANNED,)]
    qtbot.mouseClick(screen.past_button, LEFT)
    row = screen.past_model.row_of(PLANNED)
    assert row >= 0
    screen.list.setCurrentIndex(screen.past_model.index(row, 0))
    assert detail.message.state is MessageState.ACKNOWLEDGED
    assert not detail.acknowledge.isVisible()
    assert "acknowledged by the consumer" in detail.history.text()


def test_messages_without_confirmation_have_no_acknowledge(qtbot: Any, open_window: Any) -> None:
    _service, _meter, window = _window(open_window)
    screen = window.show_kind(MessagesScreen)
    screen.select_key("58aa01f0")  # power threshold warning: no confirmation required
    assert screen.detail.title.text() == "High power use warning"
    assert not screen.detail.acknowledge.isVisible()


def test_security_log_explains_and_marks_claims_unverified(qtbot: Any, open_window: Any) -> None:
    service, _meter, window = _window(open_window)
    screen = window.show_kind(SecurityLogScreen)
    assert screen.model.rowCount() == len(service.security_log()) == 5
    assert "5 messages refused" in screen.summary.text()
    fields = screen.detail.fields
    assert fields["Why"].text() == f"replay: {Reason.REPLAY.explanation}"
    assert "unverified" in fields["Claimed sender"].text()
    assert "00-1D-A6-00-00-00-0D-01" in fields["Claimed sender"].text()
    assert "counter 1041" in fields["Detail"].text()
    screen.table.selectRow(1)
    assert fields["Why"].text().startswith("bad-signature")


def test_privacy_toggles_consent(qtbot: Any, open_window: Any) -> None:
    service, _meter, window = _window(open_window)
    screen = window.show_kind(PrivacyScreen)
    gdn = screen.toggles["gdn"]
    assert not gdn.isChecked()
    qtbot.mouseClick(gdn, LEFT)
    qtbot.waitUntil(lambda: {c.party: c.allowed for c in service.consents()}["gdn"])
    assert service.called("set_consent") == [("gdn", True)]
    qtbot.mouseClick(screen.toggles["supplier"], LEFT)
    qtbot.waitUntil(lambda: not {c.party: c.allowed for c in service.consents()}["supplier"])
    assert service.called("set_consent")[-1] == ("supplier", False)


def test_wipe_asks_then_wipes(qtbot: Any, open_window: Any) -> None:
    service, _meter, window = _window(open_window)
    screen = window.show_kind(PrivacyScreen)
    qtbot.mouseClick(screen.wipe_button, LEFT)
    dialog = screen.confirm
    assert isinstance(dialog, ConfirmDialog)
    qtbot.waitUntil(dialog.isVisible)
    assert service.called("wipe_local_data") == []
    qtbot.mouseClick(dialog.confirm_button, LEFT)
    qtbot.waitUntil(lambda: not service.security_log())
    assert service.called("wipe_local_data") == [()]
    assert not service.current_messages()
    window.show_kind(SecurityLogScreen)
    qtbot.waitUntil(lambda: window.screen_of(SecurityLogScreen).model.rowCount() == 0)


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
