"""Demand response (seed UC08-10 scenario 4, §2.3.1): a DNO's flexibility event reaches the
display verified; the display reports it received and started and, when the consumer opts out,
"opted out", each status going back to the DNO; the meter controls the household's EV charger
only because the householder agreed to it, and says it does not control the immersion heater,
which the householder did not hand over."""

from __future__ import annotations

from datetime import timedelta

from ihd_app.core.flexibility import EventPhase
from ihd_app.protocol.demand_response import FlexibilityEvent
from ihd_app.protocol.zcl import DeviceClass
from tests.meter_behaviour.support import Stack


async def test_an_event_is_shown_reported_opted_out_and_controls_only_what_was_agreed(
    stack: Stack,
) -> None:
    meter, ihd = stack.meter, stack.ihd
    assert ihd is not None
    dno = meter.identity_of("dno").entity_id
    meter.premises.flexible.plug_in("ev-charger", True)
    meter.premises.flexible.plug_in("immersion-heater", True)
    before = meter.premises.flexible.demand_w(meter.sim.now())
    assert before == 10_000.0

    ihd.flexibility.set_agreement(dno, DeviceClass.ELECTRIC_VEHICLE)
    agreed = await stack.meter_events.wait("demand.agreement", originator=dno)
    assert agreed["devices"] == ["EV charger"]

    event = FlexibilityEvent(
        event_id=4242,
        start=meter.wall_now(),
        minutes=60,
        reduction_percent=20,
        device_class=DeviceClass.ELECTRIC_VEHICLE | DeviceClass.WATER_HEATER,
        title="Reduce use 17:00-18:00",
        reward="20 % reward on your next bill",
    )
    record = meter.operator.schedule_flexibility("dno", event)
    refused = await stack.meter_events.wait("demand.control-refused", event_id=4242)
    assert refused["devices"] == ["Immersion heater"]
    assert refused["reason"] == "no-agreement"
    assert record.outcome is not None
    assert "controls EV charger" in record.outcome
    assert "does not control Immersion heater" in record.outcome

    # The display shows it with the reward, and tells the DNO it arrived and started.
    shown = await stack.ihd_events.wait("demand.event.shown", event_id=4242)
    assert shown["reward"] == "20 % reward on your next bill"
    for status in ("received", "started"):
        back = await stack.meter_events.wait("originator.demand-status", status=status)
        assert (back["originator"], back["role"], back["event_id"]) == (dno, "dno", 4242)
    running = ihd.flexibility.running()
    assert running is not None
    assert running.event.reward == event.reward

    # With the householder's agreement the EV charger is held off; the immersion heater is not.
    during = meter.sim.now() + timedelta(seconds=1)
    assert [load.name for load in meter.premises.flexible.held_off(during)] == ["ev-charger"]
    assert meter.premises.flexible.demand_w(during) == 3_000.0

    assert ihd.flexibility.opt_out(dno, 4242)
    opted = await stack.meter_events.wait("originator.demand-status", status="opted_out")
    assert opted["key"] == record.key
    assert record.event_status == f"{ihd.display_id}: opted_out"
    assert "controls EV charger" in record.outcome  # the meter's own word stays
    assert [e.phase for e in ihd.flexibility.events()] == [EventPhase.OPTED_OUT]


async def test_without_agreement_the_meter_controls_nothing_and_says_so(stack: Stack) -> None:
    meter = stack.meter
    meter.premises.flexible.plug_in("ev-charger", True)
    event = FlexibilityEvent(
        event_id=7,
        start=meter.wall_now(),
        minutes=30,
        reduction_percent=10,
        device_class=DeviceClass.ELECTRIC_VEHICLE,
    )
    record = meter.operator.schedule_flexibility("supplier", event)
    refused = await stack.meter_events.wait("demand.control-refused", event_id=7)
    assert refused["devices"] == ["EV charger"]
    assert record.outcome == (
        "the meter does not control EV charger: the householder has not agreed to it"
    )
    during = meter.sim.now() + timedelta(seconds=1)
    assert meter.premises.flexible.demand_w(during) == 7_000.0


async def test_a_withdrawn_agreement_ends_control_at_once(stack: Stack) -> None:
    meter, ihd = stack.meter, stack.ihd
    assert ihd is not None
    dno = meter.identity_of("dno").entity_id
    meter.premises.flexible.plug_in("ev-charger", True)
    ihd.flexibility.set_agreement(dno, DeviceClass.ELECTRIC_VEHICLE)
    await stack.meter_events.wait("demand.agreement", originator=dno, withdrawn=False)
    event = FlexibilityEvent(4, meter.wall_now(), 60, 20, DeviceClass.ELECTRIC_VEHICLE)
    meter.operator.schedule_flexibility("dno", event)
    await stack.meter_events.wait("demand.control", event_id=4)
    assert meter.premises.flexible.demand_w(meter.sim.now() + timedelta(seconds=1)) == 0.0

    ihd.flexibility.set_agreement(dno, 0)
    await stack.meter_events.wait("demand.agreement", originator=dno, withdrawn=True)
    assert meter.premises.flexible.demand_w(meter.sim.now() + timedelta(seconds=1)) == 7_000.0
    assert meter.load_control.agreed_classes(dno) == 0


async def test_a_forged_event_is_refused_and_controls_nothing(stack: Stack) -> None:
    """A gas network is no party to electricity flexibility (policy), and a DNO certificate of
    another PKI is no DNO: the meter refuses both with the reason, forwards nothing, and the EV
    charger runs on."""
    meter = stack.meter
    dno = meter.identity_of("dno").entity_id
    assert stack.ihd is not None
    stack.ihd.flexibility.set_agreement(dno, DeviceClass.ELECTRIC_VEHICLE)
    await stack.meter_events.wait("demand.agreement", originator=dno)
    meter.premises.flexible.plug_in("ev-charger", True)
    event = FlexibilityEvent(9, meter.wall_now(), 60, 50, DeviceClass.ELECTRIC_VEHICLE)

    by_gdn = meter.operator.send("gdn", event.request())
    refused = await stack.meter_events.wait("operator.error", key=by_gdn.key)
    assert refused["reason"] == "role-not-authorised"
    rogue = meter.operator.send("dno", event.request(), signer="rogue-dno")
    forged = await stack.meter_events.wait("operator.error", key=rogue.key)
    assert forged["reason"] == "untrusted-chain"

    assert not stack.meter_events.named("demand.control")
    assert meter.premises.flexible.demand_w(meter.sim.now() + timedelta(seconds=1)) == 7_000.0
    assert stack.ihd.flexibility.events() == []
