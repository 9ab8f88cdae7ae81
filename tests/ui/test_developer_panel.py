"""The Developer screen: GATT explorer, unit inspector, live event log, btsnoop capture.

The GATT, event and capture tests run on the real stack (the meter emulator over the virtual
radio, the IHD service in-process); the inspector needs no meter.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bumble import hci
from bumble.apps.show import SnoopPacketReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from ihd_app.protocol import gatt_profile
from ihd_app.ui.main_window import MainWindow
from ihd_app.ui.screens.developer.screen import DeveloperScreen
from ihd_app.ui.screens.settings import SettingsScreen
from ihd_app.ui.settings import UiSettings
from ihd_app.ui.unit_inspector import ReadAs
from tests.ui.conftest import Live
from tests.ui.fakes import make_service

GB_VECTOR = "090000804A371C0000000000FFFF055265736574"
#: DisplayMessage cut short after its MessageID and control (docs/protocol.md §4.7).
TRUNCATED_UNIT = "0307010900000410000000"
LIVE_MS = 15_000


def _developer(window: MainWindow) -> DeveloperScreen:
    window.apply_settings(window.context.settings.with_changes(developer=True))
    screen = window.show_kind(DeveloperScreen)
    assert isinstance(screen, DeveloperScreen)
    return screen


def _readings(live_events: Any) -> int:
    return len(live_events.named("reading"))


def test_gatt_explorer_lists_the_profile_and_reads_meter_info(live: Live, qtbot: Any) -> None:
    stack = live.start()
    window = live.window(stack, (1280, 800))
    screen = _developer(window)
    gatt = screen.gatt
    qtbot.waitUntil(lambda: gatt.characteristic_item("History") is not None, timeout=LIVE_MS)
    for spec in gatt_profile.CHARACTERISTICS:
        item = gatt.characteristic_item(spec.name)
        assert item is not None, spec.name
        assert item.text(3) == spec.uuid
        assert set(item.text(2).split(", ")) == spec.properties
        assert item.text(1).startswith("0x")
        if spec.properties & {"notify", "indicate"}:
            # The display subscribed to every notify/indicate characteristic on connecting.
            cccd = [item.child(i) for i in range(item.childCount())]
            states = [c.text(2) for c in cccd if c is not None and c.text(0) == "CCCD"]
            assert len(states) == 1, spec.name
            assert states[0].endswith(" on"), states[0]
    assert "read-only" in gatt.status.text().lower()
    # Read is offered only where the profile allows it.
    metering = gatt.characteristic_item("Metering")
    assert metering is not None
    gatt.tree.setCurrentItem(metering)
    assert not gatt.read_button.isEnabled()
    info = gatt.characteristic_item("Meter Info")
    assert info is not None
    gatt.tree.setCurrentItem(info)
    assert gatt.read_button.isEnabled()
    qtbot.mouseClick(gatt.read_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Decoded (CBOR)" in gatt.value.toPlainText(), timeout=LIVE_MS)
    shown = gatt.value.toPlainText()
    assert stack.meter.meter_id in shown
    assert f"{gatt_profile.METER_INFO_UUID}:" in shown
    assert "0000  " in shown  # the hex dump


def test_unit_inspector_decodes_refuses_and_round_trips(qtbot: Any, open_window: Any) -> None:
    service, _meter, clock = make_service()
    window = open_window(service, clock, UiSettings(developer=True), (1280, 800))
    screen = window.show_kind(DeveloperScreen)
    assert isinstance(screen, DeveloperScreen)
    screen.tabs.setCurrentWidget(screen.inspector)
    tab = screen.inspector
    # The GB vector is a bare Messaging frame (ihd frame decode HEX --cluster 0x0703).
    tab.input.setText(GB_VECTOR)
    qtbot.mouseClick(tab.decode_button, Qt.MouseButton.LeftButton)
    assert "DisplayMessage" in tab.result.text()
    assert "0x0703" in tab.result.text()
    rows = {
        tab.fields.item(r, 1).text(): tab.fields.item(r, 2).text()  # type: ignore[union-attr]
        for r in range(tab.fields.rowCount())
    }
    assert rows["message"] == "Reset"
    assert rows["message_id"] == "473385600 (0x1C374A80)"
    assert rows["duration_minutes"] == "65535 (0xFFFF)"
    assert tab.output.text() == GB_VECTOR
    assert "identical" in tab.round_trip.text()
    # The same bytes read explicitly as a Messaging frame.
    tab.read_as.setCurrentIndex(tab.read_as.findData(ReadAs.MESSAGING.value))
    assert "DisplayMessage" in tab.result.text()
    # Editing a simple field re-encodes.
    row = next(r for r in range(tab.fields.rowCount()) if tab.fields.item(r, 1).text() == "message")  # type: ignore[union-attr]
    tab.fields.item(row, 2).setText("Hello")  # type: ignore[union-attr]
    assert tab.output.text() == "090000804A371C0000000000FFFF0548656C6C6F"
    assert "differs" in tab.round_trip.text()
    tab.input.setText(tab.output.text())
    tab.decode()
    assert "identical" in tab.round_trip.text()
    # An edit the field cannot hold is refused and not applied.
    row = next(r for r in range(tab.fields.rowCount()) if tab.fields.item(r, 1).text() == "tsn")  # type: ignore[union-attr]
    tab.fields.item(row, 2).setText("seven")  # type: ignore[union-attr]
    assert "Not applied" in tab.round_trip.text()
    # Not hex.
    tab.read_as.setCurrentIndex(tab.read_as.findData(ReadAs.AUTO.value))
    tab.input.setText("zz")
    qtbot.keyClick(tab.input, Qt.Key.Key_Return)
    assert "Not hexadecimal" in tab.result.text()
    assert tab.fields.rowCount() == 0
    assert not tab.encode_button.isEnabled()
    # A truncated unit: refused with the reason code and its sentence, and the detail.
    tab.input.setText(TRUNCATED_UNIT)
    tab.decode()
    text = tab.result.text()
    assert text.startswith("Refused, malformed: ")
    assert "start time needs 4 byte(s)" in text
    assert tab.output.text() == ""


def test_event_log_shows_live_readings_and_exports_them(
    live: Live, qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    stack = live.start()
    window = live.window(stack, (1280, 800))
    screen = _developer(window)
    screen.tabs.setCurrentWidget(screen.events)
    tab = screen.events
    # What happened before the panel opened is there too.
    assert any(r["event"] == "link.ready" for r in tab.model.records)
    before = _readings(stack.events)
    qtbot.waitUntil(lambda: _readings(stack.events) >= before + 2, timeout=LIVE_MS)
    qtbot.waitUntil(lambda: tab.model.records[-1]["event"] == "reading", timeout=LIVE_MS)
    stamps = [r["ts"] for r in tab.model.records]
    assert stamps == sorted(stamps)  # newest at the bottom
    newest = tab.proxy.index(tab.proxy.rowCount() - 1, 1)
    assert tab.proxy.data(newest) == "reading"
    qtbot.keyClicks(tab.filter, "reading")
    shown = tab.shown_records()
    assert shown
    assert all(r["event"] == "reading" for r in shown)
    assert tab.proxy.rowCount() < tab.model.rowCount()
    target = tmp_path / "events.jsonl"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *_args, **_kw: (str(target), "JSON lines")
    )
    qtbot.mouseClick(tab.export_button, Qt.MouseButton.LeftButton)
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(shown)
    assert all(r["event"] == "reading" and "demand_w" in r for r in lines)
    assert "Exported" in tab.status.text()


def test_btsnoop_capture_toggles_at_run_time(live: Live, qtbot: Any, tmp_path: Path) -> None:
    stack = live.start()
    window = live.window(stack, (1280, 800))
    screen = _developer(window)
    screen.tabs.setCurrentWidget(screen.capture)
    tab = screen.capture
    assert tab.toggle.isEnabled()
    assert str(tab.path.text()).endswith(".btsnoop")
    capture = tmp_path / "run.btsnoop"
    tab.path.setText(str(capture))
    qtbot.mouseClick(tab.toggle, Qt.MouseButton.LeftButton)
    assert stack.service.capture.path == capture
    assert tab.toggle.text() == "Stop capture"
    # Live readings keep coming: their notifications are HCI ACL packets.
    before = _readings(stack.events)
    qtbot.waitUntil(lambda: _readings(stack.events) >= before + 2, timeout=LIVE_MS)
    qtbot.waitUntil(lambda: capture.stat().st_size > 16, timeout=LIVE_MS)
    qtbot.mouseClick(tab.toggle, Qt.MouseButton.LeftButton)
    assert stack.service.capture.path is None
    assert tab.toggle.text() == "Start capture"
    assert "Capture stopped" in tab.status.text()
    size = capture.stat().st_size
    after = _readings(stack.events)
    qtbot.waitUntil(lambda: _readings(stack.events) >= after + 2, timeout=LIVE_MS)
    assert capture.stat().st_size == size  # nothing written after Stop
    assert stack.events.named("capture.started", path=str(capture))
    assert stack.events.named("capture.stopped", path=str(capture), bytes=size)
    with capture.open("rb") as file:
        reader = SnoopPacketReader(file)
        packets = []
        while True:
            _flags, _drops, packet = reader.next_packet()
            if packet is None:
                break
            packets.append(hci.HCI_Packet.from_bytes(packet))
    assert packets
    assert any(isinstance(p, hci.HCI_AclDataPacket) for p in packets)
    assert capture.read_bytes().startswith(b"btsnoop\0")


def test_developer_screen_is_hidden_until_enabled_in_settings(qtbot: Any, open_window: Any) -> None:
    service, _meter, clock = make_service()
    window = open_window(service, clock)
    index = window.screens.index(window.screen_of(DeveloperScreen))
    button = window.nav.buttons[index]
    assert not button.isVisible()
    assert not window.is_available(index)
    settings = window.show_kind(SettingsScreen)
    assert isinstance(settings, SettingsScreen)
    assert settings.developer.accessibleName() == "Developer tools"
    qtbot.mouseClick(settings.developer, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(button.isVisible)
    assert window.context.settings.developer
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.screen_of(DeveloperScreen)
    # Turned off while shown: back to Home.
    window.apply_settings(window.context.settings.with_changes(developer=False))
    assert not button.isVisible()
    assert window.stack.currentIndex() == 0


def test_capture_on_the_system_radio_says_btmon(qtbot: Any, open_window: Any) -> None:
    service, _meter, clock = make_service()
    window = open_window(service, clock, UiSettings(developer=True), (1280, 800))
    screen = window.show_kind(DeveloperScreen)
    assert isinstance(screen, DeveloperScreen)
    screen.tabs.setCurrentWidget(screen.capture)
    assert not screen.capture.toggle.isEnabled()
    assert "btmon" in screen.capture.note.text()
