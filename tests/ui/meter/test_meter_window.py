"""Clicking the meter emulator's window with the real IHD service connected over the virtual
radio: pairing by numeric comparison, the operator console, consent, the attack console, the
live meter controls, the scenario player and the event log."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from ihd_app.link.meter_link import LinkState
from ihd_app.protocol.consent_terms import Granularity
from ihd_app.protocol.zcl import DeviceClass
from ihd_app.service.api import ProblemKind
from meter_emulator.attacks.console import AttackConsole
from tests.ui.meter.conftest import SLOW_MS, MeterDesk, paired


def test_pairing_shows_the_number_the_ihd_shows_and_waits_for_the_answer(
    qtbot: Any, desk: MeterDesk
) -> None:
    radio = desk.window.radio
    qtbot.waitUntil(lambda: "Advertising as" in radio.state.text(), timeout=SLOW_MS)
    desk.connect()
    qtbot.waitUntil(radio.same.isVisible, timeout=SLOW_MS)
    qtbot.waitUntil(
        lambda: bool(desk.ihd_events.named("pairing.numeric-comparison")), timeout=SLOW_MS
    )
    ihd_number = desk.ihd_events.named("pairing.numeric-comparison")[0]["number"]
    assert f"{ihd_number // 1000:03d} {ihd_number % 1000:03d}" in radio.pairing.text()
    assert not desk.meter_events.named("link.paired")  # nothing happens until the answer
    qtbot.mouseClick(radio.same, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(desk.meter_events.named("link.paired")), timeout=SLOW_MS)
    assert desk.meter_events.named("link.paired")[0]["number"] == ihd_number
    qtbot.waitUntil(lambda: "authenticated" in radio.state.text(), timeout=SLOW_MS)
    assert "NOT authenticated" not in radio.state.text()
    assert not radio.same.isVisible()
    assert radio.drop.isEnabled()


def test_a_different_number_refuses_the_pairing(qtbot: Any, desk: MeterDesk) -> None:
    radio = desk.window.radio
    desk.connect()
    qtbot.waitUntil(radio.different.isVisible, timeout=SLOW_MS)
    qtbot.mouseClick(radio.different, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(desk.meter_events.named("pairing.failed")), timeout=SLOW_MS)
    qtbot.waitUntil(lambda: "Pairing failed" in radio.pairing.text(), timeout=SLOW_MS)
    assert not desk.meter_events.named("link.paired")
    link = desk.service.link
    assert link is None or link.state is not LinkState.CONNECTED


def test_a_refused_comparison_is_explained_on_both_sides_and_pairing_again_works(
    qtbot: Any, desk: MeterDesk
) -> None:
    radio = desk.window.radio
    # The display keeps itself connected, as the window and --headless run it.
    desk.window.run(desk.service.keeper.run(), "keep connected")
    qtbot.waitUntil(radio.different.isVisible, timeout=SLOW_MS)
    qtbot.mouseClick(radio.different, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk.service.connection_problem is not None, timeout=SLOW_MS)
    problem = desk.service.connection_problem
    assert problem is not None
    assert problem.kind is ProblemKind.PAIRING_REFUSED
    assert "Pair again" in problem.detail
    qtbot.waitUntil(lambda: "you answered Different here" in radio.pairing.text(), timeout=SLOW_MS)
    assert "press Pair again on the IHD" in radio.pairing.text()
    # The display does not ask again by itself: nobody may be looking at the numbers.
    assert len(desk.meter_events.named("pairing.failed")) == 1

    desk.service.pair_again()
    qtbot.waitUntil(radio.same.isVisible, timeout=SLOW_MS)
    qtbot.mouseClick(radio.same, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(desk.meter_events.named("link.paired")), timeout=SLOW_MS)
    qtbot.waitUntil(lambda: desk.service.link_state is LinkState.CONNECTED, timeout=SLOW_MS)
    assert desk.service.connection_problem is None
    assert not desk.ihd_events.named("radio.lost"), "the radio stayed up throughout"
    assert len(desk.meter_events.named("pairing.failed")) == 1


def test_a_task_that_fails_as_the_window_closes_leaves_no_status_timer(
    qtbot: Any, desk: MeterDesk
) -> None:
    async def fail() -> None:
        raise RuntimeError("the meter went away")

    async def close_right_after_a_failure() -> None:
        task = desk.window.run(fail(), "connect")
        await asyncio.sleep(0)  # one loop turn: the task fails, its report is still queued
        assert task.done()
        await desk.window.shutdown()

    desk.run(close_right_after_a_failure(), timeout_ms=SLOW_MS)
    assert not [t for t in desk.window.findChildren(QTimer) if t.isActive()]


def test_operator_sends_a_notice_and_follows_it_to_displayed_then_cancels_it(
    qtbot: Any, desk: MeterDesk
) -> None:
    paired(qtbot, desk)
    console = desk.window.operator
    console.form.choose("supplier", "message.general")
    console.form.text.setPlainText("Your new meter reading card is in the post.")
    qtbot.mouseClick(console.send, Qt.MouseButton.LeftButton)
    model = console.model
    assert model.rowCount() == 1
    assert model.cell(0, 2) == "message.general"
    qtbot.waitUntil(lambda: model.cell(0, 3) == "displayed", timeout=SLOW_MS)
    assert "received" in model.cell(0, 4)
    assert "displayed" in model.cell(0, 4)
    accepted = desk.ihd_events.named("message.accepted", type="message.general")
    assert accepted[0]["text"] == "Your new meter reading card is in the post."

    console.table.selectRow(0)
    assert console.cancel.isEnabled()
    qtbot.mouseClick(console.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: any(model.cell(r, 3) == "cancelled" for r in range(model.rowCount())),
        timeout=SLOW_MS,
    )
    assert model.rowCount() == 2  # the notice and its cancellation
    qtbot.waitUntil(
        lambda: bool(desk.ihd_events.named("message.accepted", type="message.cancel")),
        timeout=SLOW_MS,
    )


def test_a_type_the_role_may_not_send_is_refused_by_the_meter_with_its_reason(
    qtbot: Any, desk: MeterDesk
) -> None:
    paired(qtbot, desk)
    console = desk.window.operator
    console.form.choose("supplier", "outage.planned")
    assert "not authorised" in console.form.kind.currentText()
    console.form.text.setPlainText("Power cut tomorrow.")
    qtbot.mouseClick(console.send, Qt.MouseButton.LeftButton)
    assert "refused by the meter: role-not-authorised" in console.result.text()
    assert console.model.cell(0, 3) == "refused"
    assert desk.meter_events.named("operator.error")[0]["reason"] == "role-not-authorised"
    assert not desk.ihd_events.named("message.accepted")


def test_a_display_message_without_text_is_not_sent_and_says_why(
    qtbot: Any, desk: MeterDesk
) -> None:
    console = desk.window.operator
    console.form.choose("dno", "outage.emergency")
    qtbot.mouseClick(console.send, Qt.MouseButton.LeftButton)
    assert console.result.text().startswith("Not sent:")
    assert "text" in console.result.text()
    assert console.model.rowCount() == 0


def data_request_row(model: Any) -> int:
    """The newest row of a data request (rows are newest first; the meter's own data.access
    notices to the household come in between)."""
    return next(r for r in range(model.rowCount()) if model.cell(r, 2) == "data.request")


def test_half_hourly_data_is_declined_without_consent_and_answered_with_it(
    qtbot: Any, desk: MeterDesk
) -> None:
    paired(qtbot, desk)
    console = desk.window.operator
    console.form.choose("dno", "data.request")
    qtbot.mouseClick(console.data, Qt.MouseButton.LeftButton)
    request = data_request_row(console.model)
    assert console.model.cell(request, 3) == "declined"
    assert "has not been given" in console.model.cell(request, 4)
    # The household is told: the meter's signed data.access notice waits for the display.
    assert "data.access" in [console.model.cell(r, 2) for r in range(console.model.rowCount())]
    assert "No consent given" in desk.window.meter.consent.text()

    grant = desk.service.set_consent("dno", "network-planning", Granularity.HALF_HOURLY)
    desk.run(grant, timeout_ms=SLOW_MS)
    qtbot.waitUntil(
        lambda: "DNO network-planning: half-hourly until" in desk.window.meter.consent.text(),
        timeout=SLOW_MS,
    )
    qtbot.mouseClick(console.data, Qt.MouseButton.LeftButton)
    assert console.model.cell(data_request_row(console.model), 3) == "carried-out"
    delivered = desk.meter_events.named("data.delivered")
    assert delivered[0]["party"] == "dno"
    assert len(delivered[0]["operator_read_wh"]) == 48
    # The console says the answer arrived encrypted to the DNO and what the DNO's key read.
    said = console.result.text()
    assert "encrypted to the DNO's certificate" in said
    assert "the DNO's private key opened it: 48 half-hourly electricity values" in said
    assert f"{delivered[0]['operator_read_kwh']:.3f} kWh" in said


def test_a_daily_request_composed_in_the_console_is_answered_with_daily_consent(
    qtbot: Any, desk: MeterDesk
) -> None:
    paired(qtbot, desk)
    desk.run(
        desk.service.set_consent("dno", "network-planning", Granularity.DAILY), timeout_ms=SLOW_MS
    )
    qtbot.waitUntil(
        lambda: "network-planning: daily" in desk.window.meter.consent.text(), timeout=SLOW_MS
    )
    console = desk.window.operator
    console.form.choose("dno", "data.request")
    form = console.form
    assert form.purpose.currentData() == "network-planning"
    assert [form.granularity.itemText(i) for i in range(form.granularity.count())] == [
        "Half-hourly",
        "Daily totals",
        "Monthly totals",
    ]

    qtbot.mouseClick(console.data, Qt.MouseButton.LeftButton)  # the half-hourly shortcut
    assert "ask for daily totals" in console.model.cell(data_request_row(console.model), 4)

    form.granularity.setCurrentIndex(form.granularity.findData("daily"))
    qtbot.mouseClick(console.send, Qt.MouseButton.LeftButton)
    assert console.model.cell(data_request_row(console.model), 3) == "carried-out"
    assert "daily electricity values" in console.result.text()


def test_every_attack_is_refused_by_the_ihd_with_its_reason(qtbot: Any, desk: MeterDesk) -> None:
    paired(qtbot, desk)
    panel = desk.window.attacks
    assert set(panel.buttons) == {a.name for a in AttackConsole.available()}
    qtbot.mouseClick(panel.run_all, Qt.MouseButton.LeftButton)
    count = len(panel.buttons)
    model = panel.model

    def all_answered() -> bool:
        return model.rowCount() == count and all(
            model.cell(r, 4) != "waiting for the IHD" for r in range(count)
        )

    qtbot.waitUntil(all_answered, timeout=SLOW_MS)
    verdicts = {model.cell(r, 1): model.cell(r, 4) for r in range(count)}
    assert set(verdicts.values()) == {"refused, as expected"}, verdicts
    # The table reads the records as they are; the summary line is redrawn on the window's
    # next refresh, which a loaded machine may run a moment later.
    qtbot.waitUntil(
        lambda: f"{count} refused with the right reason" in panel.summary.text(), timeout=SLOW_MS
    )
    assert "ACCEPTED" not in panel.summary.text()
    rejected = {e["reason"] for e in desk.ihd_events.named("message.rejected")}
    assert rejected == {model.cell(r, 2) for r in range(count)}
    assert not desk.ihd_events.named("message.accepted", type="outage.planned", role="supplier")


def test_meter_controls_act_on_the_meter_and_reach_the_ihd(qtbot: Any, desk: MeterDesk) -> None:
    paired(qtbot, desk)
    panel = desk.window.meter
    before = desk.meter.snapshot().electricity_w
    panel.appliances["shower"].setCurrentIndex(1)
    panel.appliances["shower"].activated.emit(1)
    assert desk.meter.snapshot().appliances == {"shower": True}
    assert desk.meter.snapshot().electricity_w > before + 7000
    assert desk.meter_events.named("appliance", state="on")

    qtbot.mouseClick(panel.restore, Qt.MouseButton.LeftButton)  # disabled: nothing happens
    assert not desk.meter_events.named("supply.restore-refused")
    qtbot.mouseClick(panel.outage, Qt.MouseButton.LeftButton)
    assert "Electricity OFF (network-outage)" in panel.supply.text()
    assert panel.outage.text() == "End power cut"
    assert panel.gauge.accessibleDescription().startswith("0.00 kW")
    qtbot.mouseClick(panel.outage, Qt.MouseButton.LeftButton)
    assert "Electricity ON" in panel.supply.text()
    qtbot.waitUntil(
        lambda: bool(desk.ihd_events.named("message.accepted", type="outage.restored")),
        timeout=SLOW_MS,
    )

    panel.volts.setValue(280.0)
    qtbot.mouseClick(panel.apply_volts, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "extreme-voltage" in panel.supply.text(), timeout=SLOW_MS)
    assert panel.restore.isEnabled()
    qtbot.mouseClick(panel.restore, Qt.MouseButton.LeftButton)
    assert "cannot restore" in panel.notice.text().lower()  # the voltage is still too high
    qtbot.mouseClick(panel.normal_volts, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.restore, Qt.MouseButton.LeftButton)
    assert "Electricity ON" in panel.supply.text()
    assert desk.meter_events.named("supply.restored", cause="extreme-voltage")


def test_a_scenario_plays_from_the_window_with_its_progress(qtbot: Any, desk: MeterDesk) -> None:
    paired(qtbot, desk)
    panel = desk.window.scenarios
    titles = [panel.list.item(r).text() for r in range(panel.list.count())]
    assert "Workshop morning (the demo)" in titles
    panel.list.setCurrentRow(titles.index("Workshop morning (the demo)"))
    assert "planned power cut" in panel.description.text()
    with qtbot.waitSignal(panel.finished, timeout=SLOW_MS) as finished:
        qtbot.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)
        assert not panel.play_button.isEnabled()
    assert finished.args == ["workshop-morning", True]
    qtbot.waitUntil(lambda: panel.step.text().startswith("Done"))
    assert panel.progress.value() == panel.progress.maximum() == 22
    assert panel.play_button.isEnabled()
    qtbot.waitUntil(
        lambda: bool(desk.ihd_events.named("message.accepted", type="outage.planned")),
        timeout=SLOW_MS,
    )


def test_the_event_log_filters_and_exports(qtbot: Any, desk: MeterDesk, tmp_path: Path) -> None:
    paired(qtbot, desk)
    desk.window.attacks.launch("expired")
    log = desk.window.log
    qtbot.waitUntil(lambda: bool(desk.meter_events.named("attack.refused")), timeout=SLOW_MS)
    qtbot.waitUntil(lambda: log.model.rowCount() >= len(desk.meter_events.seen), timeout=SLOW_MS)
    log.filter.setText("attack.")
    shown = {log.proxy.index(r, 1).data() for r in range(log.proxy.rowCount())}
    assert shown == {"attack.sent", "attack.refused"}
    written = log.export_to(tmp_path / "events.jsonl")
    lines = (tmp_path / "events.jsonl").read_text().splitlines()
    assert written == len(lines) == log.model.rowCount()
    # The pairing window opens just before the meter advertises (a display may connect at once).
    assert [json.loads(line)["event"] for line in lines[:2]] == [
        "pairing.window-opened",
        "advertising",
    ]


def test_every_control_has_an_accessible_name_and_takes_the_keyboard(
    qtbot: Any, desk: MeterDesk
) -> None:
    window = desk.window
    kinds = (
        QAbstractButton,
        QComboBox,
        QLineEdit,
        QAbstractSpinBox,
        QAbstractItemView,
        QPlainTextEdit,
    )
    unnamed = []
    for page in [window.meter, *window.consoles().values()]:
        window.show_console(page)
        for widget in window.findChildren(QWidget):
            if not isinstance(widget, kinds) or not widget.isVisibleTo(window):
                continue
            if isinstance(widget, QHeaderView) or widget.objectName().startswith("qt_"):
                continue  # Qt's own parts of a table or a spin box
            if isinstance(widget, QAbstractButton) and widget.parent() is not None:
                if widget.text().strip() == "" and not widget.accessibleName():
                    if type(widget).__name__ != "QToolButton":  # tab scrollers
                        unnamed.append(repr(widget))
                    continue
            elif not widget.accessibleName():
                unnamed.append(f"{type(widget).__name__} {widget.objectName()}")
            if widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
                unnamed.append(f"{type(widget).__name__} {widget.objectName()} takes no focus")
    assert not unnamed


def test_tab_reaches_the_send_button_from_the_form(qtbot: Any, desk: MeterDesk) -> None:
    console = desk.window.operator
    console.form.role.setFocus()
    qtbot.waitUntil(console.form.role.hasFocus)
    visited = []
    for _ in range(30):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        visited.append(QApplication.focusWidget())
        if QApplication.focusWidget() is console.send:
            break
    assert console.send in visited
    assert console.form.text in visited  # the text box passes Tab on instead of typing it


def test_the_operator_schedules_a_flexibility_event_and_the_display_reports_it(
    qtbot: Any, desk: MeterDesk
) -> None:
    paired(qtbot, desk)
    console = desk.window.operator
    console.form.choose("dno", "message.general")
    console.form.text.setPlainText("£3 off your next bill")
    qtbot.mouseClick(console.flexibility, Qt.MouseButton.LeftButton)
    assert console.result.text().startswith("Flexibility event")
    qtbot.waitUntil(
        lambda: bool(desk.meter_events.named("originator.demand-status", status="received")),
        timeout=SLOW_MS,
    )
    row = next(
        r for r in range(console.model.rowCount()) if console.model.cell(r, 2) == "demand.event"
    )
    said = console.model.cell(row, 4)
    assert "does not control EV charger, Immersion heater" in said
    assert said.endswith(": received") or said.endswith(": started")
    shown = desk.ihd_events.named("demand.event.shown")
    assert shown[0]["reward"] == "£3 off your next bill"


def test_a_plugged_in_ev_charger_is_paused_only_with_the_householders_agreement(
    qtbot: Any, desk: MeterDesk
) -> None:
    paired(qtbot, desk)
    panel = desk.window.meter
    box = panel.flexible.boxes["ev-charger"]
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert desk.meter.premises.flexible.plugged_in == {"ev-charger"}
    assert box.text() == "EV charger plugged in (7 kW)"

    dno = desk.meter.identity_of("dno").entity_id
    desk.service.flexibility.set_agreement(dno, DeviceClass.ELECTRIC_VEHICLE)
    qtbot.waitUntil(lambda: bool(desk.meter_events.named("demand.agreement")), timeout=SLOW_MS)
    console = desk.window.operator
    console.form.choose("dno", "message.general")
    qtbot.mouseClick(console.flexibility, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(desk.meter_events.named("demand.control")), timeout=SLOW_MS)
    panel.refresh()
    assert box.text() == "EV charger plugged in (7 kW) — paused by a flexibility event"
