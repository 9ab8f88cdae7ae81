"""The meter's supply switch under remote disconnection, enabling and the DNO's safety clear
(seed use case 18 steps 5-7), GB semantics: an enabled supply is armed, never switched on
remotely; the consumer switches it back on; only the DNO clears a safety alarm.

The behaviour runs on its own here (no radio): what it would send to the display is collected.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl import SupplyStatus
from meter_emulator.behaviour.meter import MeterBehaviour, RestoreRefusedError
from meter_emulator.behaviour.remote_supply import SupplyCommandRefusedError
from meter_emulator.simulation.clock import SimClock
from meter_emulator.simulation.household import Household
from meter_emulator.simulation.premises import Premises, SupplyCause
from meter_emulator.state import MeterState

START = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)


class Meter:
    """A meter's behaviour with what it sends to the display and its events collected."""

    def __init__(self, tmp_path: Path) -> None:
        self.sent: list[MessageRequest] = []
        self.events: list[dict[str, Any]] = []
        log = EventLog()
        log.subscribe(self.events.append)
        self.premises = Premises(Household(seed=1))
        self.behaviour = MeterBehaviour(
            self.premises,
            SimClock(start=START, wall=lambda: START),
            log,
            MeterState(tmp_path / "meter-state.json"),
            self.sent.append,
        )

    @property
    def status(self) -> SupplyStatus:
        return self.premises.supply_status(True)

    def named(self, event: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == event]


@pytest.fixture
def meter(tmp_path: Path) -> Meter:
    return Meter(tmp_path)


def test_disconnection_is_shown_and_the_consumer_cannot_switch_back_on(meter: Meter) -> None:
    remote = meter.behaviour.remote
    remote.disconnect("supplier", "Demo Energy", "the account is closed")
    assert meter.status is SupplyStatus.OFF
    assert meter.behaviour.sample().electricity_w == 0.0
    shown = meter.sent[-1]
    assert shown.type_name == "supply.interrupted"
    assert shown.text.startswith("Your supplier (Demo Energy) has switched your electricity off")
    assert "the account is closed" in shown.text
    assert shown.confirmation_required
    assert len(shown.text.encode()) <= 254, "one DisplayMessage"

    with pytest.raises(RestoreRefusedError, match="only after your supplier enables it"):
        meter.behaviour.restore("consumer")
    assert meter.status is SupplyStatus.OFF, "Restore refused: the supply is unchanged"
    assert meter.named("supply.restore-refused")[-1]["reason"].startswith("Your supplier")


def test_arming_never_switches_on_the_consumer_does(meter: Meter) -> None:
    remote = meter.behaviour.remote
    remote.disconnect("supplier", "Demo Energy", "no access to the meter")
    episode = meter.sent[-1].message_id
    remote.arm("supplier", "Demo Energy")
    assert meter.status is SupplyStatus.ARMED, "armed: still off until the consumer acts"
    assert meter.behaviour.sample().electricity_w == 0.0
    armed = meter.sent[-1]
    assert armed.type_name == "supply.armed"
    assert "Press Restore on your meter to switch your supply back on." in armed.text
    assert armed.message_id == episode, "each step replaces the last on the display"

    meter.behaviour.restore("consumer (meter button)")
    assert meter.status is SupplyStatus.ON
    restored = meter.sent[-1]
    assert restored.type_name == "supply.restored"
    assert restored.message_id == episode
    assert "after your supplier enabled it" in restored.text
    assert meter.premises.armed is False


def test_a_supplier_cannot_enable_what_the_dno_disconnected(meter: Meter) -> None:
    remote = meter.behaviour.remote
    remote.disconnect("dno", "Northern Power Distribution", "danger reported at the meter")
    with pytest.raises(SupplyCommandRefusedError, match="only the DNO can enable it") as caught:
        remote.arm("supplier", "Demo Energy")
    assert caught.value.reason is Reason.ROLE_NOT_AUTHORISED
    assert meter.status is SupplyStatus.OFF
    with pytest.raises(RestoreRefusedError):
        meter.behaviour.restore()
    remote.arm("dno", "Northern Power Distribution")
    assert meter.status is SupplyStatus.ARMED


def test_a_safety_alarm_is_cleared_only_by_the_dno(meter: Meter) -> None:
    meter.behaviour.safety_alarm("The meter's terminal cover was removed.")
    assert meter.status is SupplyStatus.OFF
    alarm = meter.sent[-1]
    with pytest.raises(RestoreRefusedError, match="only your network operator can clear it"):
        meter.behaviour.restore("consumer (meter button)")
    assert meter.premises.off_causes == {SupplyCause.SAFETY_ALARM}

    outcome = meter.behaviour.remote.clear_safety("dno", "Northern Power Distribution")
    assert outcome.startswith("safety alarm cleared")
    assert meter.status is SupplyStatus.ARMED, "cleared: armed, not switched on"
    cleared = meter.sent[-1]
    assert cleared.type_name == "supply.armed"
    assert cleared.message_id == alarm.message_id
    assert "cleared it" in cleared.text

    meter.behaviour.restore("consumer")
    assert meter.status is SupplyStatus.ON
    assert "cleared the safety alarm" in meter.sent[-1].text


def test_a_new_safety_alarm_needs_a_new_clear(meter: Meter) -> None:
    meter.behaviour.safety_alarm()
    meter.behaviour.remote.clear_safety("dno", "Northern Power Distribution")
    meter.behaviour.safety_alarm("Overheating at the meter.")
    assert meter.status is SupplyStatus.OFF
    with pytest.raises(RestoreRefusedError):
        meter.behaviour.restore()


def test_arming_without_a_disconnection_changes_nothing(meter: Meter) -> None:
    assert meter.behaviour.remote.arm("supplier", "Demo Energy").startswith("nothing to enable")
    assert meter.behaviour.remote.clear_safety("dno", "N") == "no safety alarm to clear"
    assert meter.status is SupplyStatus.ON
    assert meter.sent == []


def test_a_threshold_interruption_is_still_restored_by_the_consumer(meter: Meter) -> None:
    meter.premises.off_causes.add(SupplyCause.POWER_THRESHOLD)
    meter.behaviour.restore()
    assert meter.status is SupplyStatus.ON


def test_a_restarted_meter_keeps_the_supply_off_as_an_operator_left_it(tmp_path: Path) -> None:
    before = Meter(tmp_path)
    before.behaviour.remote.disconnect("dno", "Northern Power Distribution", "fire risk")
    before.behaviour.safety_alarm("Overheating at the meter.")

    after = Meter(tmp_path)  # the same state file: the meter restarted
    assert after.status is SupplyStatus.OFF, "a restart never switches the supply on"
    with pytest.raises(RestoreRefusedError, match="only your network operator"):
        after.behaviour.restore()
    after.behaviour.remote.clear_safety("dno", "Northern Power Distribution")
    assert after.status is SupplyStatus.ARMED, "the DNO's clear also enables its disconnection"

    again = Meter(tmp_path)
    assert again.status is SupplyStatus.ARMED
    again.behaviour.restore("consumer")
    assert again.status is SupplyStatus.ON
    assert Meter(tmp_path).status is SupplyStatus.ON


def test_a_long_reason_still_fits_one_display_message(meter: Meter) -> None:
    meter.behaviour.remote.disconnect("supplier", "Demo Energy", "é" * 300)
    shown = meter.sent[-1]
    assert len(shown.text.encode()) <= 254
    assert shown.text.endswith("this display will tell you.")
