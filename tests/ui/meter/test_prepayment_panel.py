"""The emulator window's Prepayment tab: real clicks sign the supplier's commands, the meter
verifies and acts on them, and a vended code is one the meter accepts once."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from ihd_app.protocol.utrn import normalise_utrn
from ihd_app.protocol.zcl.prepayment import OriginatingDevice
from tests.ui.meter.conftest import SLOW_MS, MeterDesk


def test_the_supplier_switches_tops_up_and_vends_a_code_from_the_window(
    qtbot: Any, desk: MeterDesk
) -> None:
    panel = desk.window.prepayment
    desk.window.show_console(panel)
    assert panel.balance.text() == "Credit mode: no prepayment balance."
    qtbot.mouseClick(panel.to_prepayment, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(desk.meter_events.named("prepay.mode")), timeout=SLOW_MS)
    assert "payment mode prepayment" in panel.result.text()
    panel.top_up_pence.setValue(750)
    qtbot.mouseClick(panel.top_up, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: bool(desk.meter_events.named("prepay.credit-adjusted")), timeout=SLOW_MS
    )
    assert "£7.50 added" in panel.result.text()
    assert panel.balance.text().startswith("Prepayment: Credit £7.")

    panel.vend_pence.setValue(2000)
    qtbot.mouseClick(panel.vend, Qt.MouseButton.LeftButton)
    shown = panel.code.text()
    assert len(shown) == 24  # 5 groups of 4 digits
    prepayment = desk.meter.prepayment
    verdict = prepayment.enter_code(shown, OriginatingDevice.METER, "test")
    assert verdict.value == "valid"
    again = prepayment.enter_code(normalise_utrn(shown), OriginatingDevice.METER, "test")
    assert again.value == "used"
