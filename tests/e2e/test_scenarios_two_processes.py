"""Every shipped scenario as a workshop would run it unattended, two processes:
``meter-emulator --headless --scenario NAME --speed 600 --exit-when-done`` and
``ihd --headless --auto-ack --accept-pairing``.

For each: the scenario ends with every step passed; every message the IHD must acknowledge was
accepted, acknowledged, and the acknowledgement received by the meter; nothing genuine was
refused on either side; and every attack (the security demonstration) was refused by the IHD with
the reason expected, none accepted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from meter_emulator.scenarios.loader import shipped_scenarios
from tests.e2e.programs import Program, free_port, headless_args

SPEED = "600"
#: Statuses in which a message no longer waits for the consumer.
WITHDRAWN = {"cancelled", "superseded"}


@pytest.fixture
async def programs() -> AsyncIterator[list[Program]]:
    started: list[Program] = []
    yield started
    for program in started:
        program.kill()
        await program.process.wait()


def final_statuses(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The last ``status`` record of every message the meter sent or forwarded."""
    rows: dict[str, dict[str, Any]] = {}
    for record in events:
        if record["event"] == "status":
            rows[record["key"]] = record
    return rows


@pytest.mark.parametrize("name", [path.stem for path in shipped_scenarios()])
async def test_scenario_runs_unattended_with_every_acknowledgement_received(
    programs: list[Program], tmp_path: Path, name: str
) -> None:
    port = free_port()
    meter = await Program.start(
        "meter-emulator",
        headless_args(
            port, tmp_path / "meter", "--scenario", name, "--speed", SPEED, "--exit-when-done"
        ),
    )
    programs.append(meter)
    await meter.wait_for("scenario.started")
    ihd = await Program.start(
        "ihd",
        headless_args(port, tmp_path / "ihd", "--accept-pairing", "--auto-ack", "--no-backfill"),
    )
    programs.append(ihd)
    code, stderr = await meter.exited(timeout=120)
    assert code == 0, f"{meter.seen('scenario.failed')} {stderr}"
    assert meter.seen("scenario.done")
    await ihd.stop()

    rows = final_statuses(meter.events)
    must_ack = [r for r in rows.values() if r["needs_ack"] and r["status"] not in WITHDRAWN]
    acknowledged = {r["refers_to"] for r in meter.seen("ack.received")}
    for row in must_ack:
        assert row["status"] == "acknowledged", row
        assert row["key"] in acknowledged, row
    attacks = meter.seen("attack.sent")
    # Attacks on the supply switch go to the meter, which refuses each itself.
    on_meter = {a["key"] for a in attacks if a.get("target") == "meter"}
    errors = [e for e in meter.seen("operator.error") if e["key"] not in on_meter]
    if name == "security-demonstration":
        # Its first half sends forgeries through the meter, which refuses each itself.
        assert {e["reason"] for e in errors} >= {"role-not-authorised", "revoked-signer"}
    else:
        assert not errors
    assert len(on_meter) == len([e for e in meter.seen("operator.error") if e["key"] in on_meter])
    assert not meter.seen("ihd.rejected")

    refused = meter.seen("attack.refused")
    assert not meter.seen("attack.accepted")
    assert len(refused) == len(attacks)
    assert all(r["as_expected"] for r in refused), refused
    rejected = ihd.seen("message.rejected")
    to_display = [a for a in attacks if a.get("target") != "meter"]
    assert len(rejected) == len(to_display)
    if name in ("security-demonstration", "workshop-morning"):
        assert len(on_meter) == 3, "forged, replayed and wrong-role supply commands"
    if name == "security-demonstration":
        assert len(to_display) >= 15
        expected = sorted(a["expected_reason"] for a in to_display)
        assert sorted(r["reason"] for r in rejected) == expected
    else:
        assert must_ack or name == "tariff-change-to-time-of-use"
