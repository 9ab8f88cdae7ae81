"""Seed Appendix D, "islands of trust": the household's data leaves the meter signed by it and
encrypted to the certificate of the operator that asked, so only that operator reads it."""

from __future__ import annotations

from datetime import datetime, timedelta

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.consent_terms import Granularity
from meter_emulator.simulation.household import interval_energy_wh
from tests.meter_behaviour.support import Stack

HALF_HOUR = timedelta(minutes=30)


async def test_with_consent_the_dno_opens_its_sealed_answer_and_reads_the_half_hours(
    stack: Stack,
) -> None:
    meter = stack.meter
    assert stack.ihd is not None
    await stack.ihd.set_consent("dno", "network-planning", Granularity.HALF_HOURLY)
    await stack.meter_events.wait("consent.stored", consent={"dno/network-planning": "half-hourly"})

    record = meter.operator.send("dno", MessageRequest("data.request", periods=6))
    delivered = await stack.meter_events.wait("data.delivered", key=record.key)

    dno = meter.identity_of("dno")
    opened = meter.operator.opened(record.key)
    assert opened is not None, "the console opened the answer with the DNO's key"
    assert delivered["sealed_for"] == dno.entity_id == opened.sealed_for
    assert delivered["sealed_bytes"] == opened.sealed_bytes
    assert opened.meter.entity_id == meter.meter_id
    assert opened.claims.audience == dno.entity_id
    assert opened.response.refers_to == record.key
    # The values the DNO read are the household's half hours before the request's end.
    end = datetime.fromisoformat(str(delivered["end"]))
    assert opened.response.end == end
    expected = [
        round(interval_energy_wh(meter.household, end - HALF_HOUR * (n + 1), "electricity"))
        for n in range(6)
    ]
    assert list(opened.response.values_wh) == expected
    assert delivered["operator_read_wh"] == expected
    assert "encrypted to its certificate" in (record.outcome or "")


async def test_the_suppliers_answer_is_sealed_to_the_suppliers_certificate_not_the_dnos(
    stack: Stack,
) -> None:
    meter = stack.meter
    assert stack.ihd is not None
    await stack.ihd.set_consent("supplier", "energy-advice", Granularity.HALF_HOURLY)
    await stack.meter_events.wait(
        "consent.stored", consent={"supplier/energy-advice": "half-hourly"}
    )

    advice = MessageRequest("data.request", periods=2, extra_details={"purpose": "energy-advice"})
    record = meter.operator.send("supplier", advice)
    delivered = await stack.meter_events.wait("data.delivered", key=record.key)

    assert delivered["sealed_for"] == meter.identity_of("supplier").entity_id
    assert delivered["sealed_for"] != meter.identity_of("dno").entity_id
    opened = meter.operator.opened(record.key)
    assert opened is not None
    assert opened.response.periods == 2
