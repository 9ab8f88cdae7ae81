"""The emulator window's supply-switch controls: the operator console's Disconnect, Enable (arm)
and Clear safety alarm, offered to the roles the policy allows, and the attack console's attacks
on the supply switch, each refused by the meter with the supply unchanged."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from ihd_app.protocol.zcl import SupplyStatus
from tests.ui.meter.conftest import SLOW_MS, MeterDesk, paired


def test_operator_disconnects_and_enables_and_attacks_are_refused(
    qtbot: Any, desk: MeterDesk
) -> None:
    paired(qtbot, desk)
    console = desk.window.operator
    buttons = console.supply
    console.form.choose("supplier", "message.general")
    assert buttons.disconnect_button.isEnabled()
    assert buttons.arm_button.isEnabled()
    assert not buttons.clear_button.isEnabled(), "only the DNO clears a safety alarm"
    console.form.choose("dno", "message.general")
    assert buttons.clear_button.isEnabled()
    console.form.choose("gdn", "gas.message")
    assert not buttons.disconnect_button.isEnabled()

    console.form.choose("supplier", "message.general")
    console.form.text.setPlainText("the account was closed at your request")
    qtbot.mouseClick(buttons.disconnect_button, Qt.MouseButton.LeftButton)
    assert "Disconnection signed as supplier and sent" in console.result.text()
    premises = desk.meter.premises
    assert premises.supply_status(True) is SupplyStatus.OFF
    qtbot.waitUntil(
        lambda: bool(desk.ihd_events.named("message.accepted", type="supply.interrupted")),
        timeout=SLOW_MS,
    )

    attacks = desk.window.attacks.supply
    assert attacks is not None
    qtbot.mouseClick(attacks.buttons["supplier-as-dno"], Qt.MouseButton.LeftButton)
    assert attacks.outcome.text() == (
        "Supplier pretending to be the DNO: refused by the meter (role-not-authorised, as "
        "expected); the supply is unchanged."
    )

    qtbot.mouseClick(buttons.arm_button, Qt.MouseButton.LeftButton)
    assert premises.supply_status(True) is SupplyStatus.ARMED
    qtbot.mouseClick(desk.window.meter.restore, Qt.MouseButton.LeftButton)
    assert premises.supply_status(True) is SupplyStatus.ON

    qtbot.mouseClick(attacks.buttons["replayed-disconnection"], Qt.MouseButton.LeftButton)
    assert "(replay, as expected); the supply is unchanged." in attacks.outcome.text()
    qtbot.mouseClick(attacks.buttons["forged-disconnection"], Qt.MouseButton.LeftButton)
    assert "(untrusted-chain, as expected); the supply is unchanged." in attacks.outcome.text()
    assert premises.supply_status(True) is SupplyStatus.ON
