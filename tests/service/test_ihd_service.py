"""The IHD service against the real meter emulator in one process (virtual air on loopback)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ihd_app.core.model import MessageState
from ihd_app.core.readings import Fuel
from ihd_app.link.pairing import AutoAccept
from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.consent_terms import Granularity
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import Identity
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.zcl import Importance
from ihd_app.service.api import Topic, UsageRange
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from meter_emulator.attacks.forgery import AttackContext, attack
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import MeterRuntime
from meter_emulator.scenarios.tou import tou_commands
from tests.core.tou_sample import FLEX
from tests.e2e.programs import free_port
from tests.event_waiting import Events

Identities = Callable[[str], Identity]


@dataclass
class Running:
    meter: MeterRuntime
    meter_events: Events
    service: IhdService
    events: Events
    identities: Identities

    def envelope(self, signer: str, request: MessageRequest, counter: int, **claims: Any) -> bytes:
        identity = self.identities(signer)
        payload, details = compose(request)
        made = new_claims(
            identity,
            request.type_name,
            self.meter.meter_id,
            counter,
            issued_at=datetime.now(UTC),
            details=details | claims.pop("details", {}),
            **claims,
        )
        return sign_envelope(identity, made, payload)


async def _start(tmp_path: Path, identities: Identities, backfill: bool) -> Running:
    port = free_port()
    meter_log = EventLog()
    meter_events = Events(meter_log)
    meter = MeterRuntime(
        MeterConfig(radio=RadioSpec.parse(f"virtual:{port}"), data_dir=tmp_path / "meter"),
        meter_log,
    )
    await meter.start()
    log = EventLog()
    events = Events(log)
    service = IhdService(
        ServiceConfig(RadioSpec.parse(f"virtual:{port}"), tmp_path / "ihd", backfill=backfill),
        log,
        pairing=AutoAccept(),
    )
    await service.start()
    assert service.link is not None
    await service.connect(await service.link.find_meter())
    # Served once the meter knows its proof arrived (a moment after the display holds it).
    await meter_events.wait("session.established")
    return Running(meter, meter_events, service, events, identities)


async def _display_off(stack: Running) -> None:
    """Close the display and wait until the air is free for the next one (one at a time)."""
    await stack.service.close()
    radio = stack.meter.radio
    assert radio is not None
    assert radio.virtual_air is not None
    await asyncio.wait_for(radio.virtual_air.wait_for_no_ihd(), 10)


def _display_again(
    stack: Running, data_dir: Path, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> tuple[IhdService, Events]:
    """A fresh display on the same data dir (a restart), and its events."""
    log = EventLog()
    service = IhdService(
        ServiceConfig(stack.meter.config.radio, data_dir, backfill=False),
        log,
        pairing=AutoAccept(),
        clock=clock,
    )
    return service, Events(log)


@pytest.fixture
async def running(tmp_path: Path, identities: Identities) -> AsyncIterator[Running]:
    stack = await _start(tmp_path, identities, backfill=False)
    yield stack
    await stack.service.close()
    await stack.meter.close()


async def test_critical_message_takes_over_until_acknowledged(running: Running) -> None:
    changes: list[Topic] = []
    running.service.subscribe(lambda change: changes.append(change.topic))
    request = MessageRequest(
        "gas.supply-disabled",
        message_id=9,
        text="Gas off for safety",
        importance=Importance.CRITICAL,
        confirmation_required=True,
    )
    await running.meter.send_envelope(running.envelope("gdn", request, 1))
    await running.events.wait("message.displayed", id=9)
    takeover = running.service.takeover_message()
    assert takeover is not None
    assert takeover.originator_name == "Midlands Gas Networks"
    assert takeover.role == "gdn"
    assert Topic.INBOX in changes

    await running.service.acknowledge(takeover.key)
    assert running.service.takeover_message() is None
    await running.events.wait("ack.delivered", key=takeover.key)
    await running.meter_events.wait("ack.received", message_id=9)
    past = running.service.past_messages()
    assert past[0].state is MessageState.ACKNOWLEDGED
    states = [change.state for change in past[0].history]
    assert states == [MessageState.RECEIVED, MessageState.DISPLAYED, MessageState.ACKNOWLEDGED]


async def test_forgery_is_logged_explained_and_reported_back(running: Running) -> None:
    payload, _ = compose(MessageRequest("outage.planned", message_id=1, text="Fake power cut"))
    ctx = AttackContext(running.identities, running.meter.meter_id, datetime.now(UTC), 5, payload)
    await running.meter.send_envelope(attack("role-not-authorised").build(ctx))
    await running.events.wait("message.rejected", reason="role-not-authorised")
    entry = running.service.security_log()[0]
    assert entry.reason == "role-not-authorised"
    assert entry.explanation == "The sender is not authorised to send this kind of message."
    assert entry.claimed_originator == "90-B3-D5-1F-30-03-00-01"
    assert entry.notified
    assert not running.service.current_messages(), "nothing unverified is shown"
    received = await running.meter_events.wait("error.received")
    assert received["details"]["reason"] == "role-not-authorised"
    assert "at" in received["details"]


async def test_live_readings_fill_todays_chart_between_backfills(running: Running) -> None:
    running.meter.premises.set_appliance("shower", True)  # 8.5 kW: several Wh per reading
    readings = await running.events.wait_count("reading", 8, timeout=20, fuel="electricity")
    assert readings[-1]["summation_wh"] - readings[0]["summation_wh"] > 10
    first, last = readings[0]["summation_wh"], readings[-1]["summation_wh"]
    today = running.service.usage(Fuel.ELECTRICITY, UsageRange.DAY, datetime.now(UTC))
    # No history was fetched (backfill off): today's energy is exactly what the register
    # advanced by while the display watched it.
    assert sum(i.kwh for i in today) * 1000 == pytest.approx(last - first, abs=1e-6)


async def test_todays_figures_never_go_backwards_across_a_restart(
    tmp_path: Path, identities: Identities
) -> None:
    stack = await _start(tmp_path, identities, backfill=False)
    started = datetime.now(UTC)
    window = (started - timedelta(hours=1), started + timedelta(hours=1))

    def kwh(service: IhdService) -> float:
        # What Today adds up, over a window no clock boundary during the test can split.
        return sum(i.kwh for i in service.readings_store.intervals(Fuel.ELECTRICITY, *window))

    stack.meter.premises.set_appliance("shower", True)  # 8.5 kW: several Wh per reading
    readings = await stack.events.wait_count("reading", 6, timeout=20, fuel="electricity")
    first = readings[0]["summation_wh"]
    before = kwh(stack.service)
    assert before > 0
    await _display_off(stack)

    # The display starts again on the same data while the meter keeps counting.
    service, events = _display_again(stack, tmp_path / "ihd")
    try:
        await service.start()
        assert service.link is not None
        await service.connect(await service.link.find_meter())
        for count in range(1, 5):
            await events.wait_count("reading", count, timeout=20, fuel="electricity")
            assert kwh(service) >= before, "today went backwards"
        last = events.named("reading", fuel="electricity")[-1]["summation_wh"]
        # Nothing lost and nothing counted twice: the energy the register advanced by since
        # the display first saw it, the seconds it was off included.
        assert kwh(service) * 1000 == pytest.approx(last - first, abs=1e-6)
    finally:
        await service.close()
        await stack.meter.close()


async def test_forget_then_pair_again(running: Running) -> None:
    service = running.service
    assert service.paired_meter is not None
    await service.forget_meter()
    assert service.paired_meter is None
    assert service.link is not None
    await service.connect(await service.link.find_meter())
    assert service.security.authenticated
    assert service.paired_meter is not None
    # The bond was deleted, so this was a new pairing, not a reconnection with old keys.
    assert len(running.events.named("link.paired", keys="new")) == 2
    assert len(running.events.named("pairing.numeric-comparison")) == 2
    readings_before = len(running.events.named("reading"))
    await running.events.wait_count("reading", readings_before + 2)


async def test_tariff_prices_today_usage(running: Running) -> None:
    request = MessageRequest("tariff.price", message_id=3, price_pence_per_kwh=24.5)
    await running.meter.send_envelope(running.envelope("supplier", request, 1))
    await running.events.wait("tariff.updated", fuel="electricity")
    tariff = running.service.tariff(Fuel.ELECTRICITY)
    assert tariff is not None
    assert tariff.bands[0].pence_per_kwh == pytest.approx(24.5)


async def test_a_time_of_use_calendar_becomes_the_tariff_until_a_flat_price(
    running: Running,
) -> None:
    commands = tou_commands(FLEX)
    for counter, command in enumerate(commands, start=1):
        request = MessageRequest("tariff.price", command=command)
        await running.meter.send_envelope(running.envelope("supplier", request, counter))
    # Complete once the matrix is in; each tier's PublishPrice then names its tier.
    await running.events.wait_count("tariff.updated", 4, fuel="electricity")
    calendar = running.service.tou_calendar(Fuel.ELECTRICITY)
    assert calendar is not None
    assert calendar.complete
    tariff = running.service.tariff(Fuel.ELECTRICITY)
    assert tariff is not None
    assert {band.name for band in tariff.bands} <= {"Off-peak", "Day", "Peak"}
    assert "Off-peak" in {band.name for band in tariff.bands}
    flat = MessageRequest("tariff.price", message_id=9, price_pence_per_kwh=20.0)
    await running.meter.send_envelope(running.envelope("supplier", flat, len(commands) + 1))
    await running.events.wait_count("tariff.updated", 5, fuel="electricity")
    assert running.service.tou_calendar(Fuel.ELECTRICITY) is None
    tariff = running.service.tariff(Fuel.ELECTRICITY)
    assert tariff is not None
    assert [band.pence_per_kwh for band in tariff.bands] == [20.0]


async def test_cancel_withdraws_only_the_originators_message(running: Running) -> None:
    shown = MessageRequest("outage.planned", message_id=21, text="Power cut Tue")
    await running.meter.send_envelope(running.envelope("dno", shown, 1))
    await running.events.wait("message.displayed", id=21)
    cancel = MessageRequest("message.cancel", message_id=21)
    await running.meter.send_envelope(running.envelope("supplier", cancel, 1))
    await running.events.wait("message.rejected", reason="role-not-authorised")
    assert running.service.current_messages()[0].message_id == 21
    await running.meter.send_envelope(running.envelope("dno", cancel, 2))
    await running.events.wait("message.cancelled", id=21)
    assert not running.service.current_messages()


async def test_consent_reaches_the_meter_and_wipe_forgets_personal_data(
    running: Running,
) -> None:
    await running.service.set_consent("dno", "network-planning", Granularity.DAILY)
    stored = await running.meter_events.wait("consent.stored")
    assert stored["consent"]["dno/network-planning"] == "daily"
    request = MessageRequest("message.general", message_id=5, text="Annual statement ready")
    await running.meter.send_envelope(running.envelope("supplier", request, 1))
    await running.events.wait("message.displayed", id=5)
    await running.service.wipe_local_data()
    assert not running.service.current_messages()
    assert not any(c.granularity for c in running.service.consents())
    assert {c.party for c in running.service.consents()} == {"dno", "gdn", "supplier"}
    withdrawn = (await running.meter_events.wait_count("consent.stored", 2))[-1]
    assert set(withdrawn["consent"].values()) == {"none"}
    # A wipe must not reopen a replay window: the same envelope is still a replay.
    await running.meter.send_envelope(running.envelope("supplier", request, 1))
    await running.events.wait("message.rejected", reason="replay")


async def test_backfill_brings_thirteen_months_and_charts_them(
    tmp_path: Path, identities: Identities
) -> None:
    stack = await _start(tmp_path, identities, backfill=True)
    try:
        done = await stack.events.wait("history.done", timeout=60)
        assert done["intervals"] >= 2 * 13 * 30 * 48
        progress = stack.service.backfill
        assert progress.done == progress.total
        assert not progress.running
        yesterday = datetime.now(UTC) - timedelta(days=1)
        day = stack.service.usage(Fuel.ELECTRICITY, UsageRange.DAY, yesterday)
        assert len(day) in (46, 48, 50)
        assert 3 < sum(i.kwh for i in day) < 30  # a plausible household day
        year = stack.service.usage(Fuel.GAS, UsageRange.YEAR, yesterday)
        assert len(year) == 12
        assert sum(i.kwh for i in year) > 1000
    finally:
        await stack.service.close()
        await stack.meter.close()
    # Resuming: a second start asks only for the half hours that ended since.
    again = await _start(tmp_path, identities, backfill=True)
    try:
        assert again.service.backfill.total <= 2 * 2
    finally:
        await again.service.close()
        await again.meter.close()


async def test_a_cancel_all_waiting_for_its_time_survives_a_restart(
    tmp_path: Path, identities: Identities
) -> None:
    stack = await _start(tmp_path, identities, backfill=False)
    restarted = None
    try:
        shown = MessageRequest("outage.planned", message_id=31, text="Power cut Wed")
        await stack.meter.send_envelope(stack.envelope("dno", shown, 1))
        await stack.events.wait("message.displayed", id=31)
        in_an_hour = datetime.now(UTC) + timedelta(hours=1)
        cancel_all = MessageRequest("message.cancel", cancel_all=True, start=in_an_hour)
        await stack.meter.send_envelope(stack.envelope("dno", cancel_all, 2))
        await stack.events.wait("message.accepted", type="message.cancel")
        assert len(stack.service.inbox.pending_cancellations) == 1
        await _display_off(stack)

        # Two hours later, a fresh start of the display: the withdrawal still happens. The
        # meter is two hours on too (the display goes by the meter's time once connected).
        def later() -> datetime:
            return datetime.now(UTC) + timedelta(hours=2)

        stack.meter._clock = later
        restarted, events = _display_again(stack, tmp_path / "ihd", clock=later)
        assert restarted.inbox.pending_cancellations[0].at.timestamp() == pytest.approx(
            in_an_hour.timestamp(), abs=1
        )
        assert restarted.current_messages()[0].message_id == 31
        await restarted.start()
        await events.wait("message.cancelled", id=31)
        assert not restarted.current_messages()
        assert not restarted.inbox.pending_cancellations
    finally:
        if restarted is not None:
            await restarted.close()
        else:
            await stack.service.close()
        await stack.meter.close()
