"""Clicking the window of the real IHD service, connected to the real meter emulator.

Each test runs the meter emulator and the IHD service in-process on the shared qasync loop (the
``live`` fixture), pairs over the virtual air with LE Secure Connections, and checks both ends:
what the window shows, what the service holds and what the meter received.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt

from ihd_app.core.model import MessageState
from ihd_app.core.readings import Fuel
from ihd_app.link.meter_link import LinkState
from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.consent_terms import Granularity
from ihd_app.protocol.pki import load_identity
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.resources import demo_pki_dir
from ihd_app.protocol.zcl import Endpoint, Importance
from ihd_app.service.api import UsageRange
from ihd_app.ui import periods
from ihd_app.ui.dialogs.confirm import ConfirmDialog
from ihd_app.ui.dialogs.pairing import CompareDialog, PasskeyDialog
from ihd_app.ui.main_window import MainWindow
from ihd_app.ui.screens.messages import MessagesScreen
from ihd_app.ui.screens.meter import MeterScreen
from ihd_app.ui.screens.privacy import PrivacyScreen
from ihd_app.ui.screens.security_log import SecurityLogScreen
from ihd_app.ui.screens.usage import UsageScreen
from ihd_app.ui.settings import Unit
from meter_emulator.attacks.forgery import AttackContext, attack
from meter_emulator.gatt import PairingMode
from tests.ui.conftest import Live
from tests.ui.live import LiveStack

LEFT = Qt.MouseButton.LeftButton
#: Real radio work (pairing, delivery to the meter, 13 months of history) gets this long.
SLOW_MS = 20_000
GAS_OFF = 0x0602


def test_acknowledging_the_takeover_reaches_the_meter(qtbot: Any, live: Live) -> None:
    stack = live.start()
    window = live.window(stack)
    request = MessageRequest(
        "gas.supply-disabled",
        message_id=GAS_OFF,
        text="We have turned off your gas supply because of a gas escape nearby.",
        importance=Importance.CRITICAL,
        confirmation_required=True,
        fuel=Endpoint.GAS,
    )
    live.run(stack.meter.send_envelope(stack.envelope("gdn", request)))

    overlay = window.takeover
    qtbot.waitUntil(overlay.isVisible, timeout=SLOW_MS)
    assert overlay.message is not None
    assert overlay.message.message_id == GAS_OFF
    assert overlay.title.text() == "Gas supply turned off"
    assert "Midlands Gas Networks" in overlay.sender_label.text()
    assert overlay.importance.text() == "CRITICAL · Gas"
    assert overlay.geometry() == window.centralWidget().rect()

    qtbot.mouseClick(overlay.acknowledge, LEFT)

    qtbot.waitUntil(lambda: not overlay.isVisible())
    assert stack.service.takeover_message() is None
    qtbot.waitUntil(
        lambda: bool(stack.meter_events.named("ack.received", message_id=GAS_OFF)), timeout=SLOW_MS
    )
    past = stack.service.past_messages()[0]
    assert past.message_id == GAS_OFF
    assert past.state is MessageState.ACKNOWLEDGED


def _scan_and_pair(qtbot: Any, window: MainWindow) -> MeterScreen:
    screen = window.show_kind(MeterScreen)
    assert isinstance(screen, MeterScreen)
    screen.scan_seconds = 1.0
    qtbot.mouseClick(screen.scan_button, LEFT)
    qtbot.waitUntil(lambda: screen.results.rowCount() == 1, timeout=SLOW_MS)
    assert screen.selected_result() is not None
    assert screen.connect_button.text() == "Pair"
    qtbot.mouseClick(screen.connect_button, LEFT)
    qtbot.waitUntil(
        lambda: window.pairing is not None and window.pairing.isVisible(), timeout=SLOW_MS
    )
    return screen


def _number_on_the_meter(stack: LiveStack) -> str:
    (line,) = [line for line in stack.shown_by_meter if "numeric comparison" in line]
    number = line.split("comparison ", 1)[1][:6]
    return f"{number[:3]} {number[3:]}"


def test_numeric_comparison_yes_pairs(qtbot: Any, live: Live) -> None:
    stack = live.start(pairing=None, connect=False)
    window = live.window(stack)
    screen = _scan_and_pair(qtbot, window)
    dialog = window.pairing
    assert isinstance(dialog, CompareDialog)
    assert dialog.number.text() == _number_on_the_meter(stack)

    qtbot.mouseClick(dialog.yes, LEFT)

    service = stack.service
    qtbot.waitUntil(lambda: service.link_state is LinkState.CONNECTED, timeout=SLOW_MS)
    assert service.security.authenticated
    assert service.security.encrypted
    assert service.security.secure_connections
    assert service.paired_meter is not None
    assert service.paired_meter.meter_id == stack.meter.meter_id
    assert window.pairing is None
    assert stack.events.named("pairing.numeric-comparison", accepted=True)
    qtbot.waitUntil(lambda: screen.badge.kind == "ok")
    assert screen.fields["Meter ID"].text() == stack.meter.meter_id


def test_numeric_comparison_no_refuses(qtbot: Any, live: Live) -> None:
    stack = live.start(pairing=None, connect=False)
    window = live.window(stack)
    _scan_and_pair(qtbot, window)
    dialog = window.pairing
    assert isinstance(dialog, CompareDialog)

    qtbot.mouseClick(dialog.no, LEFT)

    qtbot.waitUntil(window.notice.isVisible, timeout=SLOW_MS)
    assert "pairing was refused" in window.notice.text()
    service = stack.service
    assert stack.events.named("pairing.numeric-comparison", accepted=False)
    assert service.link_state is not LinkState.CONNECTED
    assert not service.security.authenticated
    assert service.paired_meter is None
    assert window.pairing is None


def test_passkey_typed_from_the_meter_pairs(qtbot: Any, live: Live) -> None:
    stack = live.start(pairing=None, connect=False, mode=PairingMode.PASSKEY_DISPLAY)
    window = live.window(stack)
    _scan_and_pair(qtbot, window)
    dialog = window.pairing
    assert isinstance(dialog, PasskeyDialog)
    qtbot.waitUntil(lambda: any("passkey" in line for line in stack.shown_by_meter))
    (line,) = [line for line in stack.shown_by_meter if "passkey" in line]
    passkey = line.rsplit(" ", 1)[1]
    assert not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.entry, f"{passkey[:3]}x{passkey[3:5]}")
    assert dialog.entry.text() == passkey[:5]  # digits only
    assert not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.entry, passkey[5:])
    assert dialog.ok.isEnabled()

    qtbot.mouseClick(dialog.ok, LEFT)

    service = stack.service
    qtbot.waitUntil(lambda: service.link_state is LinkState.CONNECTED, timeout=SLOW_MS)
    assert service.security.authenticated
    assert service.paired_meter is not None


def _bonds(stack: LiveStack) -> list[str]:
    """The peer addresses the IHD's key store holds keys for."""
    path = stack.service.config.data_dir / "bonds.json"
    if not path.exists():
        return []
    stored: dict[str, Any] = json.loads(path.read_text() or "{}")
    return [address for namespace in stored.values() for address in namespace]


def test_forget_asks_then_deletes_the_bond(qtbot: Any, live: Live) -> None:
    stack = live.start()
    assert _bonds(stack), "pairing stored a bond"
    window = live.window(stack)
    screen = window.show_kind(MeterScreen)
    assert isinstance(screen, MeterScreen)
    assert screen.badge.kind == "ok"

    qtbot.mouseClick(screen.forget_button, LEFT)
    dialog = screen.confirm
    assert isinstance(dialog, ConfirmDialog)
    qtbot.waitUntil(dialog.isVisible)
    qtbot.mouseClick(dialog.cancel_button, LEFT)
    assert not dialog.isVisible()
    assert stack.service.paired_meter is not None
    assert _bonds(stack)

    qtbot.mouseClick(screen.forget_button, LEFT)
    dialog = screen.confirm
    assert isinstance(dialog, ConfirmDialog)
    qtbot.waitUntil(dialog.isVisible)
    qtbot.mouseClick(dialog.confirm_button, LEFT)

    qtbot.waitUntil(lambda: stack.service.paired_meter is None, timeout=SLOW_MS)
    assert _bonds(stack) == []
    assert stack.service.link_state is not LinkState.CONNECTED
    qtbot.waitUntil(lambda: screen.badge.kind == "bad")
    assert screen.fields["Meter"].text() == "None paired"
    assert not screen.forget_button.isEnabled()


def _plotted(screen: UsageScreen) -> tuple[np.ndarray, np.ndarray]:
    return screen.chart.shown()


def _check_previous_period(
    qtbot: Any, stack: LiveStack, screen: UsageScreen, span: UsageRange, buckets: tuple[int, ...]
) -> None:
    qtbot.mouseClick(screen.range_buttons[span], LEFT)
    assert screen.span is span
    assert screen.range_buttons[span].isChecked()
    # The period before this one lies wholly within the 13 months fetched: every bucket drawn.
    qtbot.mouseClick(screen.earlier, LEFT)
    end = periods.shift(span, periods.period_end(span, datetime.now(UTC)), -1)
    expected = stack.service.usage(Fuel.ELECTRICITY, span, end)
    assert len(expected) in buckets
    assert all(i.kwh > 0 for i in expected), "a household uses electricity every half hour"
    x, y = _plotted(screen)
    np.testing.assert_allclose(y[::2], [i.kwh for i in expected])
    np.testing.assert_allclose(x[::2], [i.start.timestamp() for i in expected])
    assert periods.describe(span, end) in screen.summary.text()
    # Compare: the period before that one, dashed, shifted onto this one.
    screen.set_compare(True)
    before = stack.service.usage(Fuel.ELECTRICITY, span, periods.shift(span, end, -1))
    px, py = screen.chart.previous.getOriginalDataset()
    np.testing.assert_allclose(np.asarray(py)[::2], [i.kwh for i in before])
    assert np.asarray(px)[0] == pytest.approx(x[0])
    assert screen.chart.previous.isVisible()
    screen.set_compare(False)


def test_range_buttons_chart_the_backfilled_history(qtbot: Any, live: Live) -> None:
    stack = live.start(backfill=True)
    qtbot.waitUntil(lambda: bool(stack.events.named("history.done")), timeout=SLOW_MS)
    price = MessageRequest("tariff.price", message_id=1, price_pence_per_kwh=24.5)
    live.run(stack.meter.send_envelope(stack.envelope("supplier", price)), timeout_ms=SLOW_MS)
    qtbot.waitUntil(lambda: stack.service.tariff(Fuel.ELECTRICITY) is not None)
    window = live.window(stack)
    screen = window.show_kind(UsageScreen)
    assert isinstance(screen, UsageScreen)
    for span, buckets in (
        (UsageRange.WEEK, (7,)),
        (UsageRange.DAY, (46, 48, 50)),
        (UsageRange.MONTH, (28, 29, 30, 31)),
    ):
        _check_previous_period(qtbot, stack, screen, span, buckets)

    # This year so far: every month to this one (13 months of history cover it), in kWh...
    qtbot.mouseClick(screen.range_buttons[UsageRange.YEAR], LEFT)
    now = datetime.now(UTC)
    end = periods.period_end(UsageRange.YEAR, now)
    months_so_far = now.astimezone(periods.ZONE).month
    x, y = _plotted(screen)
    assert len(y) == 2 * months_so_far
    assert x[0] == pytest.approx(periods.period_start(UsageRange.YEAR, end).timestamp())
    assert x[-1] > now.timestamp(), "this month so far is drawn, the months to come are not"
    months = stack.service.usage(Fuel.ELECTRICITY, UsageRange.YEAR, end)[:months_so_far]
    np.testing.assert_allclose(y[::2], [m.kwh for m in months])
    # ... and in pounds at the supplier's price.
    qtbot.mouseClick(screen.unit_buttons[Unit.POUNDS], LEFT)
    _x, pounds = _plotted(screen)
    np.testing.assert_allclose(
        pounds[::2], [stack.service.cost_pence(Fuel.ELECTRICITY, [m]) / 100 for m in months]
    )
    assert screen.chart.plot.getPlotItem().getAxis("left").labelText == "£"
    assert "£" in screen.summary.text()


def test_acknowledge_in_the_message_detail_reaches_the_meter(qtbot: Any, live: Live) -> None:
    stack = live.start()
    window = live.window(stack)
    start = datetime(2030, 1, 16, 9, tzinfo=UTC)
    request = MessageRequest(
        "outage.planned",
        message_id=0x0D07,
        text="Planned power cut on Thursday from 09:00 to 13:00.",
        importance=Importance.MEDIUM,
        confirmation_required=True,
        outage_start=start,
        outage_end=start.replace(hour=13),
    )
    live.run(stack.meter.send_envelope(stack.envelope("dno", request)), timeout_ms=SLOW_MS)
    screen = window.show_kind(MessagesScreen)
    assert isinstance(screen, MessagesScreen)
    qtbot.waitUntil(lambda: screen.inbox_model.rowCount() == 1, timeout=SLOW_MS)
    assert not window.takeover.isVisible(), "a medium message stays in the inbox"
    detail = screen.detail
    assert detail.title.text() == "Planned power cut"
    assert "Verified sender: Northern Power Distribution" in detail.sender_label.text()
    assert "Electricity network operator (DNO)" in detail.sender_label.text()
    assert detail.times["Power off"].text() == "Wed 16 Jan 2030 09:00 – 13:00"
    assert "received — verified from Northern Power Distribution" in detail.history.text()
    assert detail.acknowledge.isVisible()

    qtbot.mouseClick(detail.acknowledge, LEFT)

    qtbot.waitUntil(lambda: screen.inbox_model.rowCount() == 0)
    qtbot.waitUntil(
        lambda: bool(stack.meter_events.named("ack.received", message_id=0x0D07)),
        timeout=SLOW_MS,
    )
    qtbot.mouseClick(screen.past_button, LEFT)
    assert screen.past_model.rowCount() == 1
    assert detail.message is not None
    assert detail.message.state is MessageState.ACKNOWLEDGED
    assert not detail.acknowledge.isVisible()
    assert "acknowledged by the consumer" in detail.history.text()


def test_security_log_lists_real_refusals(qtbot: Any, live: Live) -> None:
    stack = live.start()
    window = live.window(stack)
    screen = window.show_kind(SecurityLogScreen)
    assert isinstance(screen, SecurityLogScreen)
    assert screen.model.rowCount() == 0
    payload, _ = compose(MessageRequest("outage.planned", message_id=1, text="Fake power cut"))
    identities = lambda name: load_identity(demo_pki_dir(), name)  # noqa: E731
    for name in ("role-not-authorised", "bad-signature"):
        context = AttackContext(identities, stack.meter.meter_id, datetime.now(UTC), 50, payload)
        live.run(stack.meter.send_envelope(attack(name).build(context)), timeout_ms=SLOW_MS)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 2, timeout=SLOW_MS)

    assert "2 messages refused" in screen.summary.text()
    fields = screen.detail.fields
    assert fields["Why"].text() == f"bad-signature: {Reason.BAD_SIGNATURE.explanation}"
    screen.table.selectRow(1)
    assert fields["Why"].text().startswith("role-not-authorised")
    assert "unverified" in fields["Claimed sender"].text()
    assert load_identity(demo_pki_dir(), "supplier").entity_id in fields["Claimed sender"].text()
    assert "sender notified" in fields["Refused"].text()
    assert not stack.service.current_messages(), "nothing unverified is shown"


def test_privacy_consent_is_sent_to_the_meter(qtbot: Any, live: Live) -> None:
    stack = live.start()
    window = live.window(stack)
    screen = window.show_kind(PrivacyScreen)
    assert isinstance(screen, PrivacyScreen)
    dno = screen.choices["dno-network-planning"]
    # The DNO's licence already allows monthly totals: it is a fact, not offered as a choice.
    assert [dno.itemText(i) for i in range(dno.count())] == [
        "Only what the licence allows (monthly totals)",
        "Daily totals",
        "Half-hourly",
    ]
    assert "licence" in screen.exemptions["dno-network-planning"].text()
    assert screen.status["dno-network-planning"].text() == "Never asked"

    dno.setFocus()
    qtbot.keyClick(dno, Qt.Key.Key_Down)  # as a keyboard user chooses: one step finer

    stored = stack.meter_events
    qtbot.waitUntil(lambda: bool(stored.named("consent.stored")), timeout=SLOW_MS)
    assert stored.named("consent.stored")[-1]["consent"] == {"dno/network-planning": "daily"}
    [grant] = [
        g for g in stack.service.consents() if (g.party, g.purpose) == ("dno", "network-planning")
    ]
    assert grant.granularity is Granularity.DAILY
    assert grant.expires is not None
    qtbot.waitUntil(
        lambda: screen.status["dno-network-planning"].text().startswith("Allowed since")
    )
    assert (
        f"until {grant.expires.astimezone():%d %b %Y}"
        in screen.status["dno-network-planning"].text()
    )


def test_wipe_asks_then_forgets_personal_data(qtbot: Any, live: Live) -> None:
    stack = live.start()
    window = live.window(stack)
    request = MessageRequest("message.general", message_id=5, text="Annual statement ready")
    live.run(stack.meter.send_envelope(stack.envelope("supplier", request)), timeout_ms=SLOW_MS)
    qtbot.waitUntil(lambda: len(stack.service.current_messages()) == 1, timeout=SLOW_MS)
    screen = window.show_kind(PrivacyScreen)
    assert isinstance(screen, PrivacyScreen)

    qtbot.mouseClick(screen.wipe_button, LEFT)
    dialog = screen.confirm
    assert isinstance(dialog, ConfirmDialog)
    qtbot.waitUntil(dialog.isVisible)
    assert stack.service.current_messages(), "nothing is wiped before the consumer confirms"
    qtbot.mouseClick(dialog.confirm_button, LEFT)

    qtbot.waitUntil(lambda: not stack.service.current_messages(), timeout=SLOW_MS)
    assert bool(stack.events.named("privacy.wiped"))
    messages = window.show_kind(MessagesScreen)
    assert isinstance(messages, MessagesScreen)
    qtbot.waitUntil(lambda: messages.inbox_model.rowCount() == 0)
