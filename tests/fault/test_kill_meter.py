"""``kill -9`` of the meter emulator in the middle of a burst, then a restart on its data dir.

DESIGN.md §7 and seed use case 12: the meter stores and forwards. Operator messages wait in its
store-and-forward queue (on disk); the meter is killed at a seeded random point while it
indicates them and the display acknowledges them, and started again on the same data dir. The
queue delivers the rest, the display reconnects by itself with its bond, and every message is
stored once and acknowledged exactly once across both runs of the meter.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from meter_emulator.delivery import Origin, StoreAndForward
from meter_emulator.runtime import OUTBOX_FILE
from tests.e2e.programs import free_port
from tests.fault.support import (
    crash,
    field_values,
    ihd_args,
    meter_args,
    programs,
    read_only,
    replies_logged,
    signed_burst,
)

BURST = 12
#: Events of the meter after which it may be killed.
KILL_POINTS = ("sent", "receipt", "ack.received")


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_meter_killed_during_a_burst_forwards_the_rest_exactly_once(
    tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    kill_after = rng.choice(KILL_POINTS)
    nth = rng.randint(1, BURST - 2)
    meter_dir = tmp_path / "m"
    queue = StoreAndForward(meter_dir / OUTBOX_FILE)
    ids = []
    for message_id, envelope in signed_burst(BURST):
        queue.put(envelope, Origin.OPERATOR, "outage.planned", datetime.now(UTC).isoformat())
        ids.append(message_id)
    port = free_port()
    ihd_dir = tmp_path / "ihd"
    async with programs() as running:
        first = await running.start("meter-emulator", meter_args(port, meter_dir))
        restored = await first.wait_for("queued.restored")
        assert restored["pending"] == BURST
        ihd = await running.start("ihd", ihd_args(port, ihd_dir, "--no-backfill"))
        for _ in range(nth):
            await first.wait_for(kill_after)
        await crash(first)

        meter = await running.start("meter-emulator", meter_args(port, meter_dir))
        await meter.wait_for("advertising")

        def acknowledged() -> list[int]:
            return field_values(first.events + meter.events, "ack.received", "message_id")

        # A guard, not a margin: on two busy cores the restart and reconnection alone can take
        # half a minute (a failure shows both programs' last events).
        await meter.wait_until(
            lambda: set(acknowledged()) >= set(ids),
            "acknowledgement of every message",
            90,
            also=ihd,
        )
        await ihd.stop()
        await meter.stop()

    # Every message acknowledged and receipted by exactly one signed reply of the display.
    both = first.events + meter.events
    assert replies_logged(both, "ack.received") == Counter(ids), f"killed after {kill_after} #{nth}"
    # What the meters refused, if anything, is the first thing to know when a reply is missing.
    refused = [e for e in both if e["event"] in ("ihd.rejected", "duplicate")]
    assert replies_logged(both, "receipt") == Counter(ids), (kill_after, nth, refused)
    assert not [e for e in both if e["event"] == "ihd.rejected"]
    # A message indicated and stored just before the kill may be indicated again by the new
    # meter (its removal from the queue died with the old one): the display refuses the copy
    # as a replay, and stores and shows it once.
    assert set(field_values(ihd.events, "message.rejected", "reason")) <= {"replay"}
    assert json.loads((meter_dir / OUTBOX_FILE).read_text())["pending"] == []
    with read_only(ihd_dir) as db:
        stored = db.execute("SELECT message_id, state FROM messages").fetchall()
    assert sorted(m for m, _ in stored) == ids
    assert {state for _, state in stored} == {"acknowledged"}
