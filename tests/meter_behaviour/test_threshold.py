"""Maximum power threshold (seed use case 09 scenario 3) against the real IHD service.

The simulation runs 10x (``stack`` fixture): a 10 s grace period lasts 1 real second.
"""

from __future__ import annotations

import pytest

from ihd_app.core.model import MessageState
from ihd_app.core.readings import Fuel
from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.zcl import SupplyStatus
from meter_emulator.behaviour.meter import RestoreRefusedError
from tests.meter_behaviour.support import Stack


async def _set_threshold(stack: Stack, kw: float, grace_s: int) -> None:
    record = stack.meter.operator.send(
        "dno", MessageRequest("power.threshold-set", threshold_kw=kw, grace_s=grace_s)
    )
    confirmed = await stack.meter_events.wait("operator.confirmed", key=record.key)
    assert confirmed["type"] == "power.threshold-set"
    assert record.status.value == "carried-out"
    assert record.outcome == f"threshold {kw:g} kW, grace {grace_s:g} s"


async def test_breach_warns_then_interrupts_and_the_consumer_restores(stack: Stack) -> None:
    meter, ihd = stack.meter, stack.ihd_events
    assert stack.ihd is not None
    await _set_threshold(stack, 3.0, 10)
    meter.behaviour.set_appliance("shower", True)

    warning = await ihd.wait("message.accepted", type="power.threshold-warning", role="meter")
    shown = await ihd.wait("message.displayed", id=warning["id"])
    takeover = stack.ihd.takeover_message()
    assert takeover is not None
    assert takeover.key == shown["key"]
    assert takeover.confirmation_required
    assert "3 kW" in takeover.text

    # Nobody switches the shower off: after the grace period the supply is interrupted.
    interrupted = await ihd.wait("message.accepted", type="supply.interrupted")
    assert interrupted["id"] == warning["id"], "one episode, one message id"
    await ihd.wait("message.superseded", key=shown["key"])
    takeover = stack.ihd.takeover_message()
    assert takeover is not None
    assert takeover.type == "supply.interrupted"
    assert takeover.importance.value == "critical"
    off = await ihd.wait("reading", fuel="electricity", demand_w=0.0)
    assert off["demand_w"] == 0.0
    reading = stack.ihd.latest_reading(Fuel.ELECTRICITY)
    assert reading is not None
    assert reading.supply is SupplyStatus.OFF
    assert meter.snapshot().off_causes == ("power-threshold",)

    # The button does nothing useful while the shower would trip it again; switch it off first.
    meter.behaviour.set_appliance("shower", False)
    meter.behaviour.restore()
    restored = await ihd.wait("message.accepted", type="supply.restored")
    assert restored["id"] == warning["id"]
    await ihd.wait("message.superseded", key=takeover.key)
    assert stack.ihd.takeover_message() is None
    on = await stack.meter_events.wait("supply.changed", fuel="electricity", status="on")
    assert on["cause"] == "power-threshold"
    await ihd.wait("reading", fuel="electricity")
    assert meter.snapshot().electricity_supply is SupplyStatus.ON

    rows = [row for row in meter.status.rows("meter")]
    assert [row.type for row in rows] == [
        "power.threshold-warning",
        "supply.interrupted",
        "supply.restored",
    ]
    assert [row.status.value for row in rows[:2]] == ["superseded", "superseded"]


async def test_all_clear_supersedes_the_warning_when_demand_falls_in_time(stack: Stack) -> None:
    meter, ihd = stack.meter, stack.ihd_events
    assert stack.ihd is not None
    await _set_threshold(stack, 2.0, 3600)
    meter.behaviour.set_appliance("oven", True)
    warning = await ihd.wait("message.displayed", type="power.threshold-warning")
    meter.behaviour.set_appliance("oven", False)

    cleared = await ihd.wait("message.accepted", type="power.threshold-cleared")
    assert cleared["id"] == warning["id"]
    superseded = await ihd.wait("message.superseded", key=warning["key"])
    assert "Power use back to normal" in superseded["note"]
    current = stack.ihd.current_messages()
    assert [m.type for m in current] == ["power.threshold-cleared"]
    assert stack.ihd.takeover_message() is None
    past = {m.key: m.state for m in stack.ihd.past_messages()}
    assert past[warning["key"]] is MessageState.SUPERSEDED
    assert meter.snapshot().electricity_supply is SupplyStatus.ON
    assert not stack.meter_events.named("threshold.interrupted")


async def test_only_a_dno_sets_the_threshold_and_nothing_to_restore_is_refused(
    stack: Stack,
) -> None:
    meter = stack.meter
    record = meter.operator.send(
        "supplier", MessageRequest("power.threshold-set", threshold_kw=1.0, grace_s=1)
    )
    assert record.status.value == "refused"
    error = await stack.meter_events.wait("operator.error", key=record.key)
    assert error["reason"] == "role-not-authorised"
    assert meter.snapshot().threshold_kw is None
    with pytest.raises(RestoreRefusedError, match="already on"):
        meter.behaviour.restore()
    assert stack.meter_events.named("supply.restore-refused")
