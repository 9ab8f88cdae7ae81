"""Consent (Ofgem: "the customer shall choose in which way consumption data shall be used and
by whom"): the meter keeps the IHD's consent.update and answers a DNO's or supplier's
half-hourly data request only with the consumer's consent."""

from __future__ import annotations

from pathlib import Path

from ihd_app.link.pairing import AutoAccept
from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from meter_emulator.runtime import MeterRuntime
from tests.event_waiting import Events
from tests.meter_behaviour.support import Stack, start_stack


async def test_data_requests_follow_the_consumers_consent(stack: Stack) -> None:
    meter = stack.meter
    assert stack.ihd is not None
    first = meter.operator.send("dno", MessageRequest("data.request", periods=48))
    refused = await stack.meter_events.wait("data.refused", key=first.key)
    assert refused["party"] == "dno"
    assert "has not agreed" in refused["detail"]
    assert "Northern Power Distribution" in refused["detail"]
    assert not stack.meter_events.named("data.delivered")
    assert first.status.value == "declined"
    assert first.outcome == refused["detail"]

    await stack.ihd.set_consent("dno", True)
    stored = await stack.meter_events.wait("consent.stored")
    assert stored["consent"]["dno"] is True
    assert meter.snapshot().consent["dno"] is True

    second = meter.operator.send("dno", MessageRequest("data.request", periods=48))
    delivered = await stack.meter_events.wait("data.delivered", key=second.key)
    assert delivered["party"] == "dno"
    assert delivered["periods"] == 48
    # What the DNO read after opening the response sealed to it, not the meter's clear data.
    assert delivered["opened_by_operator"] is True
    assert len(delivered["operator_read_wh"]) == 48
    assert 1 < delivered["operator_read_kwh"] < 40
    assert second.status.value == "carried-out"

    # Consent is per party: the supplier still gets nothing.
    third = meter.operator.send("supplier", MessageRequest("data.request", periods=4))
    await stack.meter_events.wait("data.refused", key=third.key, party="supplier")

    # A gas network may not ask at all (policy), which is an operator error, not a consent one.
    gdn = meter.operator.send("gdn", MessageRequest("data.request", periods=4))
    error = await stack.meter_events.wait("operator.error", key=gdn.key)
    assert error["reason"] == "role-not-authorised"

    # Withdrawing consent is honoured at once.
    await stack.ihd.set_consent("dno", False)
    await stack.meter_events.wait_count("consent.stored", 2)
    fourth = meter.operator.send("dno", MessageRequest("data.request", periods=1))
    await stack.meter_events.wait("data.refused", key=fourth.key)


async def test_consent_survives_a_meter_restart(stack: Stack) -> None:
    assert stack.ihd is not None
    await stack.ihd.set_consent("supplier", True)
    await stack.meter_events.wait("consent.stored")
    restarted = MeterRuntime(stack.meter.config, stack.meter.events)
    assert restarted.state.consent == {"supplier": True}


async def test_consent_given_before_the_meter_is_known_reaches_it_on_connecting(
    tmp_path: Path,
) -> None:
    stack = await start_stack(tmp_path, with_ihd=False)
    log = EventLog()
    ihd = IhdService(
        ServiceConfig(RadioSpec.parse(f"virtual:{stack.port}"), tmp_path / "ihd", backfill=False),
        log,
        pairing=AutoAccept(),
    )
    try:
        await ihd.start()
        await ihd.set_consent("dno", True)  # no meter paired yet: nothing to sign for
        assert ihd.link is not None
        await ihd.connect(await ihd.link.find_meter())
        stored = await stack.meter_events.wait("consent.stored")
        assert stored["consent"] == {"dno": True}
        record = stack.meter.operator.send("dno", MessageRequest("data.request", periods=2))
        await stack.meter_events.wait("data.delivered", key=record.key)
        # Reconnecting does not send the same choices again.
        await stack.meter.drop_link()
        await stack.meter_events.wait_count("subscribed", 6)
        assert len(stack.meter_events.named("consent.stored")) == 1
    finally:
        await ihd.close()
        await stack.close()


async def test_wiping_the_display_withdraws_every_consent_at_the_meter(stack: Stack) -> None:
    """Issue L item 1, as a household moving out found it: consent given to the DNO, then
    "wipe local data" on the display, and the meter still held {'dno': True} and answered the
    DNO's next request (the wipe emptied the display's choices and sent nothing)."""
    assert stack.ihd is not None
    await stack.ihd.set_consent("dno", True)
    await stack.meter_events.wait("consent.stored", consent={"dno": True})

    await stack.ihd.wipe_local_data()

    stored = await stack.meter_events.wait_count("consent.stored", 2)
    assert stored[-1]["consent"] == {"dno": False, "gdn": False, "supplier": False}
    assert stack.meter.snapshot().consent["dno"] is False
    assert [c.allowed for c in stack.ihd.consents()] == [False, False, False]
    record = stack.meter.operator.send("dno", MessageRequest("data.request", periods=48))
    refused = await stack.meter_events.wait("data.refused", key=record.key)
    assert refused["party"] == "dno"
    assert not stack.meter_events.named("data.delivered")


async def test_a_wipe_while_the_meter_is_away_reaches_it_when_it_is_back(tmp_path: Path) -> None:
    stack = await start_stack(tmp_path, with_ihd=False)
    log = EventLog()
    # As the application runs: it keeps connected by itself, the radio coming and going.
    ihd = IhdService(
        ServiceConfig(
            RadioSpec.parse(f"virtual:{stack.port}"),
            tmp_path / "ihd",
            backfill=False,
            auto_connect=True,
        ),
        log,
        pairing=AutoAccept(),
    )
    try:
        await ihd.start()
        await stack.meter_events.wait("session.established", timeout=30)
        await ihd.set_consent("supplier", True)
        await stack.meter_events.wait("consent.stored", consent={"supplier": True})
        config = stack.meter.config
        await stack.meter.close()  # the meter is away (its radio off, out of range)

        await ihd.wipe_local_data()

        meter_log = EventLog()
        stack.meter_events = Events(meter_log)
        stack.meter = MeterRuntime(config, meter_log)
        assert stack.meter.state.consent == {"supplier": True}, "nothing reached it while away"
        await stack.meter.start()
        # The display comes back by itself with its bond; the withdrawal waited in its outbox.
        stored = await stack.meter_events.wait("consent.stored", timeout=60)
        assert stored["consent"]["supplier"] is False
        record = stack.meter.operator.send("supplier", MessageRequest("data.request", periods=4))
        await stack.meter_events.wait("data.refused", key=record.key, party="supplier")
    finally:
        await ihd.close()
        await stack.close()
