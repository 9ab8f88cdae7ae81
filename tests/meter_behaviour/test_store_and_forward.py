"""Store and forward: what arrives while no IHD listens is kept (on disk) and indicated in order
when one does (seed use case 12; DESIGN.md §7)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.zcl import Importance
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import OUTBOX_FILE, MeterRuntime
from tests.e2e.programs import free_port
from tests.event_waiting import Events
from tests.manual_time import SharedClock
from tests.meter_behaviour.support import Stack, start_stack


def _pending_on_disk(stack: Stack) -> int:
    document = json.loads((stack.meter.config.data_dir / OUTBOX_FILE).read_text())
    return len(document["pending"])


async def test_messages_wait_for_the_first_connection_and_arrive_in_order(
    tmp_path: Path,
) -> None:
    stack = await start_stack(tmp_path, with_ihd=False)
    try:
        meter = stack.meter
        first = meter.operator.send(
            "dno",
            MessageRequest(
                "outage.planned",
                message_id=101,
                text="Planned power cut Tue 10:00-14:00",
                importance=Importance.HIGH,
            ),
        )
        meter.behaviour.start_outage()
        meter.behaviour.end_outage()  # the meter's own outage.restored
        third = meter.operator.send(
            "supplier", MessageRequest("message.general", message_id=103, text="Bill ready")
        )
        queued = stack.meter_events.named("queued")
        assert [q["origin"] for q in queued] == ["operator", "meter", "operator"]
        assert queued[-1]["pending"] == 3
        assert _pending_on_disk(stack) == 3
        assert first.status.value == "queued"

        await stack.start_ihd()
        accepted = await stack.ihd_events.wait_count("message.accepted", 3)
        assert [a["type"] for a in accepted] == [
            "outage.planned",
            "outage.restored",
            "message.general",
        ]
        assert [a["id"] for a in accepted][::2] == [101, 103]
        sent = await stack.meter_events.wait_count("sent", 3)
        assert [s["key"] for s in sent] == [q["key"] for q in queued]
        assert all(s["waited_s"] > 0 for s in sent)
        await stack.meter_events.wait("receipt", refers_to=third.key)
        assert _pending_on_disk(stack) == 0
        assert first.status.value in ("received", "displayed")
    finally:
        await stack.close()


async def test_queue_survives_an_ihd_disconnect_and_a_meter_restart(tmp_path: Path) -> None:
    stack = await start_stack(tmp_path)
    try:
        before = stack.meter.operator.send(
            "dno", MessageRequest("message.general", message_id=200, text="Before")
        )
        await stack.ihd_events.wait("message.displayed", key=before.key)
        await stack.stop_ihd()
        await stack.meter_events.wait("link.disconnected")
        assert not stack.meter.ihd_listening

        keys = [
            stack.meter.operator.send(
                "dno", MessageRequest("message.general", message_id=200 + n, text=f"Away {n}")
            ).key
            for n in (1, 2, 3)
        ]
        assert len(stack.meter_events.named("queued")) == 3
        await stack.restart_meter()
        restored = await stack.meter_events.wait("queued.restored")
        assert restored["pending"] == 3

        await stack.start_ihd()  # reconnects with its bond
        accepted = await stack.ihd_events.wait_count("message.accepted", 3)
        assert [a["id"] for a in accepted] == [201, 202, 203]
        sent = await stack.meter_events.wait_count("sent", 3)
        assert [s["key"] for s in sent] == keys
        assert not stack.ihd_events.named("pairing.numeric-comparison")
        assert not stack.ihd_events.named("message.rejected")
        assert _pending_on_disk(stack) == 0
    finally:
        await stack.close()


async def test_a_message_that_expired_while_every_display_was_away_is_dropped(
    tmp_path: Path,
) -> None:
    """The queue is bounded by the envelopes' validity (docs/privacy.md): one a display would
    refuse as expired is dropped, and said so, instead of being kept for ever."""
    clock = SharedClock(datetime.now(UTC))
    log = EventLog()
    meter = MeterRuntime(
        MeterConfig(RadioSpec.parse(f"virtual:{free_port()}"), tmp_path / "meter"),
        log,
        clock=clock,
    )
    events = Events(log)
    await meter.start()
    try:
        notice = MessageRequest("message.general", message_id=7, text="Meter reading due")
        short = meter.operator.send("supplier", notice, valid_for=timedelta(minutes=10))
        await events.wait("queued", key=short.key)
        clock.now += timedelta(minutes=11)

        later = MessageRequest("message.general", message_id=8, text="Bill ready")
        kept = meter.operator.send("supplier", later, valid_for=timedelta(hours=1))

        expired = await events.wait("send.expired")
        assert expired["key"] == short.key
        assert [item.key for item in meter.outbox.pending()] == [kept.key]
    finally:
        await meter.close()
