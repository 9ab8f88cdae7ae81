"""Meter alerts for automation, two processes: ``meter-emulator --headless --scenario NAME
--alerts-out FILE`` with ``ihd --headless``. Each alert the scenario raises is in the file and in
``--events``, verified, signed by the meter, addressed to the operator that owns it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.programs import Program, free_port, headless_args
from tests.support import METER_ID

#: The alerts each scenario must raise: (kind, operator, GBCS code).
EXPECTED = {
    "emergency-outage-and-restoration": [
        ("outage", "dno", None),
        ("outage-restored", "dno", "0x8F36"),
    ],
    # Two outages: the long one (40 min, 0x8F36) and a brief switching interruption (0x8F35).
    "storm-night": [
        ("outage", "dno", None),
        ("outage-restored", "dno", "0x8F36"),
        ("outage", "dno", None),
        ("outage-restored", "dno", "0x8F35"),
    ],
    "extreme-voltage-and-safety": [
        ("extreme-voltage", "dno", "0x8020"),
        ("safety", "dno", "0x8F3F"),
        ("tamper", "supplier", "0x8F3F"),
    ],
}


@pytest.fixture
async def programs() -> AsyncIterator[list[Program]]:
    started: list[Program] = []
    yield started
    for program in started:
        program.kill()
        await program.process.wait()


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_a_scenarios_alerts_reach_their_operators_verified_and_the_alerts_file(
    programs: list[Program], tmp_path: Path, name: str
) -> None:
    port = free_port()
    alerts = tmp_path / "alerts.jsonl"
    meter = await Program.start(
        "meter-emulator",
        headless_args(
            port,
            tmp_path / "meter",
            "--scenario",
            name,
            "--speed",
            "600",
            "--exit-when-done",
            "--alerts-out",
            str(alerts),
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
    await ihd.stop()

    written = [json.loads(line) for line in alerts.read_text(encoding="utf-8").splitlines()]
    assert [(w["kind"], w["role"], w["code"]) for w in written] == EXPECTED[name]
    assert all(w["verified"] and w["signer"] == METER_ID for w in written)
    logged = meter.seen("operator.alert")
    assert [e["key"] for e in logged] == [w["key"] for w in written]
    assert not meter.seen("operator.alert-refused")
