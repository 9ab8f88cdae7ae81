"""``kill -9`` of the display in the middle of a burst of messages and acknowledgements.

DESIGN.md §7: no acknowledgement lost across a crash, none duplicated. The meter indicates a
burst of messages that each ask for an acknowledgement; the display (``--auto-ack``) is killed
at a seeded random point (after the k-th message accepted, acknowledged or delivered), then
started again on the same data dir. Every message must end acknowledged exactly once in the
meter's log, and stored exactly once on the display.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.programs import free_port
from tests.fault.support import (
    crash,
    field_values,
    ihd_args,
    meter_args,
    programs,
    read_only,
    signed_burst,
)

BURST = 12
#: Events of the display after which it may be killed, as the burst goes through its lifecycle.
KILL_POINTS = ("message.accepted", "message.acknowledged", "ack.delivered")


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_display_killed_during_a_burst_loses_and_duplicates_nothing(
    tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    kill_after = rng.choice(KILL_POINTS)
    nth = rng.randint(1, BURST - 2)
    sends: list[str] = []
    ids = []
    for n, (message_id, envelope) in enumerate(signed_burst(BURST)):
        path = tmp_path / f"{n:02d}.cbor"
        path.write_bytes(envelope)
        sends += ["--send", str(path)]
        ids.append(message_id)
    port = free_port()
    ihd_dir = tmp_path / "ihd"
    async with programs() as running:
        meter = await running.start("meter-emulator", meter_args(port, tmp_path / "m", *sends))
        await meter.wait_for("advertising")
        ihd = await running.start("ihd", ihd_args(port, ihd_dir, "--no-backfill"))
        for _ in range(nth):
            await ihd.wait_for(kill_after)
        await crash(ihd)

        first = ihd
        ihd = await running.start("ihd", ihd_args(port, ihd_dir, "--no-backfill"))
        await meter.wait_until(
            lambda: set(field_values(meter.events, "ack.received", "message_id")) >= set(ids),
            "acknowledgement of every message",
            timeout=90,  # a guard against a hang on two busy cores, not a margin
            also=ihd,
        )
        # The meter may have handled a reply whose confirmation the crash lost: the display
        # sends it again (the meter says "duplicate"). Wait until the display knows that every
        # reply it owes arrived, so its outbox is empty when it stops.
        owed = {"message.receipt.delivered", "message.displayed.delivered", "ack.delivered"}

        def all_delivered() -> bool:
            delivered = {
                (e["event"], e["key"]) for e in first.events + ihd.events if e["event"] in owed
            }
            errors = len(ihd.seen("message.rejected"))
            return len(delivered) == len(owed) * BURST and errors == len(
                ihd.seen("error.notification.delivered")
            )

        await ihd.wait_until(all_delivered, "delivery of every reply", timeout=90, also=meter)
        await ihd.stop()
        await meter.stop()

    acks = Counter(field_values(meter.events, "ack.received", "message_id"))
    assert acks == Counter(ids), f"killed after {kill_after} #{nth}"
    assert Counter(field_values(meter.events, "receipt", "message_id")) == Counter(ids)
    assert not meter.seen("ihd.rejected")
    # A copy the meter indicated again because the crash came before its confirmation is
    # refused as a replay of a message already stored, never stored or shown twice.
    refused = field_values(ihd.events, "message.rejected", "reason")
    assert set(refused) <= {"replay"}
    with read_only(ihd_dir) as db:
        stored = db.execute("SELECT message_id, state FROM messages").fetchall()
        pending = db.execute("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL").fetchone()
    assert sorted(m for m, _ in stored) == ids
    assert {state for _, state in stored} == {"acknowledged"}
    assert pending == (0,)
