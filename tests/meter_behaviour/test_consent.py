"""Consent (Ofgem: "the customer shall choose in which way consumption data shall be used and
by whom"): the meter keeps the IHD's consent.update (per party, purpose and granularity) and
answers a DNO's or supplier's data request only as finely as the consumer's consent or a
licence exemption allows."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ihd_app.core.model import SecurityEvent
from ihd_app.link.pairing import AutoAccept
from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.consent_terms import Granularity
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from meter_emulator.runtime import MeterRuntime
from tests.event_waiting import Events
from tests.meter_behaviour.support import Stack, start_stack


def dno_request(
    periods: int, granularity: str | None = None, end: datetime | None = None
) -> MessageRequest:
    """A DNO's data request for network planning (half-hourly unless ``granularity``)."""
    extra = {"purpose": "network-planning"}
    if granularity is not None:
        extra["granularity"] = granularity
    return MessageRequest("data.request", periods=periods, end=end, extra_details=extra)


def advice_request(periods: int) -> MessageRequest:
    """The supplier's half-hourly data request for energy-saving advice."""
    return MessageRequest(
        "data.request", periods=periods, extra_details={"purpose": "energy-advice"}
    )


async def test_data_requests_follow_the_consumers_consent(stack: Stack) -> None:
    meter = stack.meter
    assert stack.ihd is not None
    first = meter.operator.send("dno", dno_request(48))
    refused = await stack.meter_events.wait("data.refused", key=first.key)
    assert refused["party"] == "dno"
    assert "has not been given" in refused["detail"]
    assert "Northern Power Distribution" in refused["detail"]
    # Its licence lets the DNO read monthly totals, and the refusal says so.
    assert refused["allowed"] == "monthly"
    assert "ask for monthly totals" in refused["detail"]
    assert not stack.meter_events.named("data.delivered")
    assert first.status.value == "declined"
    assert first.outcome == refused["detail"]

    monthly = meter.operator.send("dno", dno_request(48, "monthly"))
    by_licence = await stack.meter_events.wait("data.delivered", key=monthly.key)
    assert (by_licence["granularity"], by_licence["basis"]) == ("monthly", "licence")

    await stack.ihd.set_consent("dno", "network-planning", Granularity.HALF_HOURLY)
    stored = await stack.meter_events.wait("consent.stored")
    assert stored["consent"]["dno/network-planning"] == "half-hourly"
    assert [g.granularity for g in meter.snapshot().grants] == [Granularity.HALF_HOURLY]

    second = meter.operator.send("dno", dno_request(48))
    delivered = await stack.meter_events.wait("data.delivered", key=second.key)
    assert delivered["party"] == "dno"
    assert delivered["periods"] == 48
    # What the DNO read after opening the response sealed to it, not the meter's clear data.
    assert delivered["opened_by_operator"] is True
    assert len(delivered["operator_read_wh"]) == 48
    assert 1 < delivered["operator_read_kwh"] < 40
    assert second.status.value == "carried-out"

    # Consent is per party and purpose: the supplier's energy advice still gets nothing.
    third = meter.operator.send("supplier", advice_request(4))
    await stack.meter_events.wait("data.refused", key=third.key, party="supplier")

    # A gas network may not ask at all (policy), which is an operator error, not a consent one.
    gdn = meter.operator.send("gdn", MessageRequest("data.request", periods=4))
    error = await stack.meter_events.wait("operator.error", key=gdn.key)
    assert error["reason"] == "role-not-authorised"

    # Withdrawing consent is honoured at once.
    await stack.ihd.set_consent("dno", "network-planning", None)
    await stack.meter_events.wait_count("consent.stored", 2)
    fourth = meter.operator.send("dno", dno_request(1))
    await stack.meter_events.wait("data.refused", key=fourth.key)


async def test_a_dno_allowed_daily_totals_cannot_get_half_hourly_data(stack: Stack) -> None:
    """Issue L's "done when": consent is per granularity, and the meter enforces the finest
    allowed. Daily totals are the sums of the half hours the meter holds."""
    assert stack.ihd is not None
    await stack.ihd.set_consent("dno", "network-planning", Granularity.DAILY)
    await stack.meter_events.wait("consent.stored")

    half_hourly = stack.meter.operator.send("dno", dno_request(96))
    refused = await stack.meter_events.wait("data.refused", key=half_hourly.key)
    assert refused["allowed"] == "daily"
    assert "only daily totals are allowed (by the consumer)" in refused["detail"]

    # The same 96 half hours (a fixed end, not "now") as daily and as monthly totals.
    now = datetime.now(UTC)
    end = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    daily = stack.meter.operator.send("dno", dno_request(96, "daily", end))
    delivered = await stack.meter_events.wait("data.delivered", key=daily.key)
    assert (delivered["granularity"], delivered["basis"]) == ("daily", "consent")
    # 96 half hours: two calendar days, or three when they do not start at midnight.
    assert delivered["periods"] == (2 if end.hour == 0 else 3)
    monthly = stack.meter.operator.send("dno", dno_request(96, "monthly", end))
    by_month = await stack.meter_events.wait("data.delivered", key=monthly.key)
    assert by_month["granularity"] == "monthly"
    assert sum(delivered["operator_read_wh"]) == sum(by_month["operator_read_wh"]) > 0
    access = [e for e in stack.meter_events.named("data.access") if e["key"] == daily.key]
    assert access[0]["granted"]
    assert access[0]["given"] == "daily"


async def test_consent_survives_a_meter_restart(stack: Stack) -> None:
    assert stack.ihd is not None
    await stack.ihd.set_consent("supplier", "energy-advice", Granularity.DAILY)
    await stack.meter_events.wait("consent.stored")
    restarted = MeterRuntime(stack.meter.config, stack.meter.events)
    [grant] = restarted.state.grants
    assert (grant.party, grant.purpose, grant.granularity) == (
        "supplier",
        "energy-advice",
        Granularity.DAILY,
    )
    assert grant.expires is not None
    assert grant.expires > grant.changed_at


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
        # No meter paired yet: nothing to sign for.
        await ihd.set_consent("dno", "network-planning", Granularity.HALF_HOURLY)
        assert ihd.link is not None
        await ihd.connect(await ihd.link.find_meter())
        stored = await stack.meter_events.wait("consent.stored")
        assert stored["consent"] == {"dno/network-planning": "half-hourly"}
        record = stack.meter.operator.send("dno", dno_request(2))
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
    await stack.ihd.set_consent("dno", "network-planning", Granularity.HALF_HOURLY)
    await stack.meter_events.wait("consent.stored", consent={"dno/network-planning": "half-hourly"})

    await stack.ihd.wipe_local_data()

    stored = await stack.meter_events.wait_count("consent.stored", 2)
    assert stored[-1]["consent"] == {
        "dno/network-planning": "none",
        "dno/outage-reporting": "none",
        "dno/voltage-quality": "none",
        "gdn/network-planning": "none",
        "supplier/billing": "none",
        "supplier/energy-advice": "none",
    }
    assert all(g.granularity is None for g in stack.meter.snapshot().grants)
    assert [c.granularity for c in stack.ihd.consents()] == [None] * 6
    record = stack.meter.operator.send("dno", dno_request(48))
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
        await ihd.set_consent("supplier", "energy-advice", Granularity.HALF_HOURLY)
        await stack.meter_events.wait(
            "consent.stored", consent={"supplier/energy-advice": "half-hourly"}
        )
        config = stack.meter.config
        await stack.meter.close()  # the meter is away (its radio off, out of range)

        await ihd.wipe_local_data()

        meter_log = EventLog()
        stack.meter_events = Events(meter_log)
        stack.meter = MeterRuntime(config, meter_log)
        [kept] = stack.meter.state.grants
        assert kept.granularity is Granularity.HALF_HOURLY, "nothing reached it while away"
        await stack.meter.start()
        # The display comes back by itself with its bond; the withdrawal waited in its outbox.
        stored = await stack.meter_events.wait("consent.stored", timeout=60)
        assert stored["consent"]["supplier/energy-advice"] == "none"
        record = stack.meter.operator.send("supplier", advice_request(4))
        await stack.meter_events.wait("data.refused", key=record.key, party="supplier")
    finally:
        await ihd.close()
        await stack.close()


async def test_the_household_sees_every_request_the_meter_answered_or_refused(
    stack: Stack, tmp_path: Path
) -> None:
    """Issue L item 4: each request reaches the display as a meter-signed data.access notice,
    listed with who asked, what for, how finely, and what was sent; the consumer can export."""
    assert stack.ihd is not None
    await stack.ihd.set_consent("dno", "network-planning", Granularity.DAILY)
    await stack.meter_events.wait("consent.stored")
    refused = stack.meter.operator.send("dno", dno_request(48))
    sent = stack.meter.operator.send("dno", dno_request(48, "daily"))

    await stack.ihd_events.wait("data.access.logged", key=refused.key)
    await stack.ihd_events.wait("data.access.logged", key=sent.key)

    log = {entry.key: entry for entry in stack.ihd.data_access_log()}
    assert log[refused.key].given is None
    assert log[refused.key].asked == "half-hourly"
    assert "only daily totals are allowed" in log[refused.key].reason
    assert log[sent.key].given == "daily"
    assert log[sent.key].organisation == "Northern Power Distribution"
    assert log[sent.key].purpose == "network-planning"
    assert log[sent.key].period_end - log[sent.key].period_start == timedelta(hours=24)

    target = tmp_path / "who-asked.csv"
    assert stack.ihd.export_data_access(target) == 2
    assert target.stat().st_mode & 0o777 == 0o600, "it tells who read the household's data"
    with target.open(encoding="utf-8") as file:
        rows = {row["request"]: row for row in csv.DictReader(file)}
    assert rows[sent.key]["outcome"] == "sent"
    assert rows[refused.key]["outcome"] == "refused"
    assert rows[refused.key]["organisation"] == "Northern Power Distribution"


async def test_moving_out_withdraws_keeps_the_security_log_and_then_forgets_the_meter(
    stack: Stack,
) -> None:
    """Issue L item 2, the display's side: personal data and consents go, the security log
    stays (and the consumer is told so), and the meter is forgotten only once it has the
    withdrawal."""
    assert stack.ihd is not None
    ihd = stack.ihd
    await ihd.set_consent("dno", "network-planning", Granularity.DAILY)
    await stack.meter_events.wait("consent.stored")
    ihd.security_store.append(
        SecurityEvent(datetime.now(UTC), "bad-signature", "forged", "It was forged.")
    )

    await ihd.move_out()

    moving = await stack.ihd_events.wait("occupier.moving-out")
    assert "security log" in moving["kept"]
    stored = await stack.meter_events.wait_count("consent.stored", 2)
    assert stored[-1]["consent"]["dno/network-planning"] == "none"
    await stack.ihd_events.wait("occupier.moved-out")
    assert not ihd.moving_out
    assert ihd.paired_meter is None
    assert [e.reason for e in ihd.security_log()] == ["bad-signature"]
    assert ihd.data_access_log() == []
