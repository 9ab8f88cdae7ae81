"""Issue L item 2, the meter's side: the supplier's signed change of occupier makes the meter
forget the household that left (consents, pairings, waiting messages, its half hours) and keep
its regulatory records; the next household starts from "no consent"."""

from __future__ import annotations

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.consent_terms import Granularity
from tests.meter_behaviour.support import Stack


def dno_request(granularity: str) -> MessageRequest:
    extra = {"purpose": "network-planning", "granularity": granularity}
    return MessageRequest("data.request", periods=48, extra_details=extra)


async def test_a_new_occupier_starts_from_no_consent_and_none_of_the_old_households_data(
    stack: Stack,
) -> None:
    assert stack.ihd is not None
    meter = stack.meter
    await stack.ihd.set_consent("dno", "network-planning", Granularity.DAILY)
    await stack.meter_events.wait("consent.stored")
    before = meter.operator.send("dno", dno_request("monthly"))
    old = await stack.meter_events.wait("data.delivered", key=before.key)
    assert old["operator_read_kwh"] > 0, "the household that is leaving used energy"
    registers = meter.snapshot().electricity_register_wh

    change = meter.operator.send("supplier", MessageRequest("occupier.change"))

    changed = await stack.meter_events.wait("occupier.changed")
    assert changed["consents_cleared"] == 1
    assert changed["bonds_deleted"] == 1
    assert "registers" in changed["kept"]
    assert change.status.value == "carried-out"
    assert meter.state.grants == []
    assert meter.state.moved_in is not None
    await stack.ihd_events.wait("link.disconnected")
    # The display stays commissioned (it belongs to the premises); its bond is gone.
    assert stack.ihd.identity.entity_id in {d.ihd_id for d in meter.han.devices}

    daily = meter.operator.send("dno", dno_request("daily"))
    refused = await stack.meter_events.wait("data.refused", key=daily.key)
    assert "has not been given" in refused["detail"]
    monthly = meter.operator.send("dno", dno_request("monthly"))
    new = await stack.meter_events.wait("data.delivered", key=monthly.key)
    assert new["operator_read_kwh"] == 0, "the previous household's half hours are not given"
    assert meter.snapshot().electricity_register_wh >= registers, "registers are kept"


async def test_a_change_of_occupier_from_anyone_but_the_supplier_is_refused(stack: Stack) -> None:
    record = stack.meter.operator.send("dno", MessageRequest("occupier.change"))
    error = await stack.meter_events.wait("operator.error", key=record.key)
    assert error["reason"] == "role-not-authorised"
    assert stack.meter.state.moved_in is None
