"""Outage and restoration (use cases 14/15), extreme voltage and safety alarms (18/19), and the
gas network disabling the gas supply (gas 03), against the real IHD service."""

from __future__ import annotations

import pytest

from ihd_app.core.readings import Fuel
from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.zcl import Importance, SupplyStatus
from meter_emulator.behaviour.meter import RestoreRefusedError
from tests.meter_behaviour.support import Stack


async def test_meter_reports_restoration_after_a_network_outage(stack: Stack) -> None:
    meter, ihd = stack.meter, stack.ihd_events
    assert stack.ihd is not None
    meter.behaviour.start_outage()
    alarm = await stack.meter_events.wait("outage.alarm")
    assert alarm["at"]
    await ihd.wait("reading", fuel="electricity", demand_w=0.0)
    reading = stack.ihd.latest_reading(Fuel.ELECTRICITY)
    assert reading is not None
    assert reading.supply is SupplyStatus.OFF
    assert meter.snapshot().voltage_v == 0.0
    with pytest.raises(RestoreRefusedError, match="outage"):
        meter.behaviour.restore()

    meter.behaviour.end_outage()
    accepted = await ihd.wait("message.accepted", type="outage.restored")
    assert accepted["role"] == "meter", "the meter reports it itself, signed as the meter"
    shown = await ihd.wait("message.displayed", id=accepted["id"])
    message = next(m for m in stack.ihd.current_messages() if m.key == shown["key"])
    assert message.details["detected_by"] == "meter"
    assert set(message.details["outage"]) == {"start", "end"}
    receipt = await stack.meter_events.wait("displayed", refers_to=shown["key"])
    assert receipt["subject_type"] == "outage.restored"
    assert meter.snapshot().electricity_supply is SupplyStatus.ON


async def test_extreme_voltage_disconnects_until_restored_once_normal(stack: Stack) -> None:
    meter, ihd = stack.meter, stack.ihd_events
    assert stack.ihd is not None
    meter.behaviour.set_voltage(268.0)
    alarm = await stack.meter_events.wait("voltage.alarm")
    assert alarm["voltage_v"] == 268.0
    accepted = await ihd.wait("message.accepted", type="safety.alarm")
    assert accepted["role"] == "meter"
    await ihd.wait("message.displayed", id=accepted["id"])
    takeover = stack.ihd.takeover_message()
    assert takeover is not None
    assert takeover.importance.value == "critical"
    assert "268 V" in takeover.text
    assert meter.snapshot().off_causes == ("extreme-voltage",)

    with pytest.raises(RestoreRefusedError, match="268 V"):
        meter.behaviour.restore()
    meter.behaviour.set_voltage(None)
    assert 216.2 <= meter.snapshot().voltage_v <= 253.0
    meter.behaviour.restore()
    restored = await ihd.wait("message.accepted", type="supply.restored")
    assert restored["id"] == accepted["id"], "the restoration replaces the alarm"
    await ihd.wait("message.superseded", key=takeover.key)
    assert meter.snapshot().electricity_supply is SupplyStatus.ON


async def test_safety_alarm_disconnects_the_supply(stack: Stack) -> None:
    meter, ihd = stack.meter, stack.ihd_events
    meter.behaviour.safety_alarm("The meter's terminal cover was removed.")
    accepted = await ihd.wait("message.accepted", type="safety.alarm")
    assert accepted["text"].startswith("The meter's terminal cover was removed.")
    await ihd.wait("reading", fuel="electricity", demand_w=0.0)
    assert meter.snapshot().off_causes == ("safety-alarm",)


async def test_gas_network_disables_the_gas_supply(stack: Stack) -> None:
    meter, ihd = stack.meter, stack.ihd_events
    assert stack.ihd is not None
    gas_reports = len(await ihd.wait_count("reading", 1, fuel="gas"))  # at subscription
    record = meter.operator.send(
        "gdn",
        MessageRequest(
            "gas.supply-disabled",
            text="Your gas supply has been turned off for safety.",
            importance=Importance.CRITICAL,
            confirmation_required=True,
        ),
    )
    confirmed = await stack.meter_events.wait("operator.confirmed", key=record.key)
    assert confirmed["detail"] == "the gas valve is closed"
    shown = await ihd.wait("message.displayed", key=record.key)
    assert shown["type"] == "gas.supply-disabled"
    message = stack.ihd.takeover_message()
    assert message is not None
    assert message.envelope == record.envelope, "forwarded byte for byte"
    assert message.fuel is Fuel.GAS
    # The gas meter reports when its valve closes (it has no demand to report, ever).
    await ihd.wait_count("reading", gas_reports + 1, fuel="gas")
    reading = stack.ihd.latest_reading(Fuel.GAS)
    assert reading is not None
    assert reading.supply is SupplyStatus.OFF
    assert reading.demand_w is None

    meter.behaviour.open_gas_valve()
    assert meter.snapshot().gas_supply is SupplyStatus.ON
    opened = await stack.meter_events.wait("supply.changed", fuel="gas", status="on")
    assert "on site" in opened["cause"]
