"""The emulator window's HAN device log and the attack console's link demonstrations: the model
without widgets, then real clicks on a real meter with the real IHD service connected."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QRadioButton

from ihd_app.protocol.pki import load_identity
from ihd_app.protocol.resources import demo_pki_dir
from meter_emulator.attacks.link_demonstrations import DemonstrationRecord
from meter_emulator.device_log import HanDevice
from meter_emulator.han_candidates import display_candidates, parse_display, short_fingerprint
from meter_emulator.ui.models.attacks import AttackResultsModel
from meter_emulator.ui.models.devices import DeviceLogModel
from meter_emulator.ui.panels.add_display_dialog import AddDisplayDialog
from tests.support import IHD_ID
from tests.ui.meter.conftest import SLOW_MS, MeterDesk, paired

SECOND_DISPLAY = "00-1D-A6-00-00-00-01-02"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
#: A display reconnecting with backoff (at most about 20 s apart) gets this long.
RECONNECT_MS = 45_000


def _fingerprint(name: str) -> str:
    return load_identity(demo_pki_dir(), name).kid.hex()


def test_a_device_row_says_who_added_it_and_whether_it_is_connected(qapp: Any) -> None:
    model = DeviceLogModel()
    first = HanDevice(IHD_ID, _fingerprint("ihd"), "2026-11-22T12:00:00+00:00", "first start")
    second = HanDevice(SECOND_DISPLAY, "ab" * 32, "2026-11-22T12:05:00+00:00", "Brightwater")
    model.show_devices([first, second], served=[IHD_ID])
    assert model.rowCount() == 2
    assert [model.ihd_id_of(0), model.ihd_id_of(1)] == [IHD_ID, SECOND_DISPLAY]
    assert model.cell(1, 1) == "abab abab abab abab …"
    assert model.cell(0, 2).endswith("by first start")
    assert model.cell(0, 3) == "connected now"
    assert model.cell(1, 3) == "not connected"
    assert model.index(1, 1).data(Qt.ItemDataRole.ToolTipRole) == f"SHA-256 {'ab' * 32}"


def test_the_pki_offers_its_displays_not_on_the_log_and_a_pasted_one_is_checked() -> None:
    pki = demo_pki_dir()
    offered = display_candidates(pki, lambda n: load_identity(pki, n), [IHD_ID])
    assert [(c.name, c.ihd_id) for c in offered] == [("ihd-2", SECOND_DISPLAY)]
    assert offered[0].fingerprint == _fingerprint("ihd-2")
    assert display_candidates(pki, lambda n: load_identity(pki, n), [IHD_ID, SECOND_DISPLAY]) == []

    spaced = " ".join(_fingerprint("ihd-2")[i : i + 4] for i in range(0, 64, 4)).upper()
    assert parse_display("00-1d-a6-00-00-00-01-02 ", spaced) == (
        SECOND_DISPLAY,
        _fingerprint("ihd-2"),
    )
    with pytest.raises(ValueError, match="not a display identifier"):
        parse_display("display two", "ab" * 32)
    with pytest.raises(ValueError, match="64 hex digits, not 6"):
        parse_display(SECOND_DISPLAY, "abcdef")
    assert short_fingerprint("0123456789abcdef" * 4) == "0123 4567 89ab cdef …"


def test_a_demonstration_row_shows_the_outcome_and_the_link_coming_back(qapp: Any) -> None:
    record = DemonstrationRecord("fake-meter-untrusted", "meter-unproven", NOW, IHD_ID, "fake")
    model = AttackResultsModel()
    model.show_records([], [record])
    assert model.cell(0, 4) == "waiting for the display"
    record.reason = "meter-unproven"
    record.restored_at = NOW
    model.show_records([], [record])
    assert model.cell(0, 3) == "meter-unproven"
    assert model.cell(0, 4) == (
        "refused, as expected: the display hung up on the fake meter · restored, waiting for "
        "Try again on the display"
    )
    record.back_at = NOW
    model.show_records([], [record])
    assert "link back" in model.cell(0, 4)


def _ready(qtbot: Any, desk: MeterDesk) -> int:
    """Pair and wait until the display proved the meter and the meter serves it; how many
    times the display proved it."""
    paired(qtbot, desk)
    qtbot.waitUntil(lambda: bool(desk.ihd_events.named("link.ready")), timeout=SLOW_MS)
    qtbot.waitUntil(lambda: bool(desk.meter_events.named("session.established")), timeout=SLOW_MS)
    return len(desk.ihd_events.named("link.ready"))


def _choose(qtbot: Any, button: QRadioButton) -> None:
    """Click a radio button on its indicator (its middle may lie beyond its words)."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(6, button.height() // 2))
    assert button.isChecked()


def _devices_shown(desk: MeterDesk) -> list[tuple[str, str]]:
    model = desk.window.devices.model
    return [(model.cell(r, 0), model.cell(r, 3)) for r in range(model.rowCount())]


def test_add_and_remove_are_the_suppliers_signed_commands(qtbot: Any, desk: MeterDesk) -> None:
    _ready(qtbot, desk)
    window = desk.window
    panel = window.devices
    window.show_console(panel)
    qtbot.waitUntil(lambda: _devices_shown(desk) == [(IHD_ID, "connected now")], timeout=SLOW_MS)

    qtbot.mouseClick(panel.add, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert isinstance(dialog, AddDisplayDialog)
    qtbot.waitExposed(dialog)
    assert dialog.candidates.count() == 1
    assert SECOND_DISPLAY in dialog.candidates.itemText(0)
    # A pasted fingerprint that is not one keeps the dialog open, saying why.
    _choose(qtbot, dialog.pasted)
    qtbot.keyClicks(dialog.identifier, SECOND_DISPLAY)
    qtbot.keyClicks(dialog.fingerprint, "not hex")
    qtbot.mouseClick(dialog.send, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "64 hex digits" in dialog.problem.text()
    _choose(qtbot, dialog.from_pki)
    qtbot.mouseClick(dialog.send, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: bool(desk.meter_events.named("han.device-added")), timeout=SLOW_MS)
    added = desk.meter_events.named("han.device-added")[0]
    assert added == added | {"ihd_id": SECOND_DISPLAY, "by": "Brightwater Energy Supply"}
    assert added["fingerprint"] == _fingerprint("ihd-2")
    qtbot.waitUntil(
        lambda: (
            _devices_shown(desk) == [(IHD_ID, "connected now"), (SECOND_DISPLAY, "not connected")]
        )
    )
    assert (
        panel.result.text()
        == f"Adding {SECOND_DISPLAY}: display {SECOND_DISPLAY} added to the device log"
    )
    # Like any operator command, in the operator console's table.
    operator = window.operator.model
    qtbot.waitUntil(
        lambda: "han.device-add" in [operator.cell(r, 2) for r in range(operator.rowCount())]
    )

    panel.table.selectRow(1)
    qtbot.mouseClick(panel.remove, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _devices_shown(desk) == [(IHD_ID, "connected now")])
    assert desk.meter_events.named("han.device-removed", ihd_id=SECOND_DISPLAY)
    assert desk.ihd_events.named("link.disconnected") == [], "the other display stays"
    assert not panel.remove.isEnabled(), "nothing selected any more"


def test_the_fake_meter_is_refused_by_the_display_and_restore_brings_the_link_back(
    qtbot: Any, desk: MeterDesk
) -> None:
    ready = _ready(qtbot, desk)
    window = desk.window
    panel = window.attacks
    window.show_console(panel)
    assert not panel.restore.isEnabled()

    qtbot.mouseClick(panel.demonstration_buttons["fake-meter-supplier"], Qt.MouseButton.LeftButton)

    assert "supplier's certificate instead of a meter's" in panel.demonstration.text()
    assert "Brightwater Energy Supply" in panel.demonstration.text()
    qtbot.waitUntil(lambda: bool(desk.ihd_events.named("link.untrusted")), timeout=RECONNECT_MS)
    assert desk.ihd_events.named("link.untrusted")[0]["reason"] == "meter-unproven"
    qtbot.waitUntil(lambda: panel.model.cell(0, 3) == "meter-unproven", timeout=SLOW_MS)
    assert panel.model.cell(0, 1) == "fake-meter-supplier"
    assert panel.model.cell(0, 4).startswith("refused, as expected")
    # The model reads the record as it is; the outcome line is redrawn on the window's next
    # refresh, which a loaded machine may run a moment later.
    qtbot.waitUntil(
        lambda: "the display hung up on the fake meter" in panel.demonstration.text(),
        timeout=SLOW_MS,
    )
    assert len(desk.ihd_events.named("link.ready")) == ready

    qtbot.mouseClick(panel.restore, Qt.MouseButton.LeftButton)
    assert "waiting for Try again on the display" in panel.demonstration.text()
    desk.connect()  # Try again, on the display
    qtbot.waitUntil(
        lambda: len(desk.ihd_events.named("link.ready")) == ready + 1, timeout=RECONNECT_MS
    )
    qtbot.waitUntil(lambda: "link back" in panel.model.cell(0, 4), timeout=SLOW_MS)
    assert not panel.restore.isEnabled()


def test_the_uncommissioned_display_is_refused_by_name_and_restored(
    qtbot: Any, desk: MeterDesk
) -> None:
    ready = _ready(qtbot, desk)
    window = desk.window
    panel = window.attacks
    window.show_console(panel)

    qtbot.mouseClick(
        panel.demonstration_buttons["uncommissioned-display"], Qt.MouseButton.LeftButton
    )
    # The display lost its bond with the meter: it pairs again, and the person at the meter
    # compares the number as for any pairing.
    qtbot.waitUntil(window.radio.same.isVisible, timeout=RECONNECT_MS)
    window.radio.same.click()
    qtbot.waitUntil(lambda: bool(desk.ihd_events.named("link.untrusted")), timeout=RECONNECT_MS)
    assert desk.ihd_events.named("link.untrusted")[0]["reason"] == "not-commissioned"
    qtbot.waitUntil(lambda: panel.model.cell(0, 3) == "not-commissioned", timeout=SLOW_MS)
    assert "the meter turned the display away" in panel.model.cell(0, 4)
    qtbot.waitUntil(lambda: window.devices.model.rowCount() == 0)

    qtbot.mouseClick(panel.restore, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.devices.model.rowCount() == 1)
    desk.connect()  # Try again, on the display: it pairs again

    def answered_or_back() -> bool:
        if window.radio.same.isVisible():
            window.radio.same.click()
        return len(desk.ihd_events.named("link.ready")) > ready

    qtbot.waitUntil(answered_or_back, timeout=RECONNECT_MS)
    qtbot.waitUntil(lambda: "link back" in panel.model.cell(0, 4), timeout=SLOW_MS)
