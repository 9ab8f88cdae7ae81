"""``meter-emulator --headless --scenario FILE --speed X --exit-when-done`` with ``ihd
--headless`` as two processes; SIGUSR2 is the button on the meter."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.programs import Program, free_port, headless_args

SCENARIO = """
[scenario]
title = "Threshold and the button"
speed = 1

[[step]]
action = "send"
role = "dno"
type = "power.threshold-set"
threshold_kw = 3.0
grace_s = 20

[[step]]
action = "wait-for"
event = "operator.confirmed"

[[step]]
action = "appliance"
name = "shower"
on = true

[[step]]
action = "wait-for"
event = "threshold.interrupted"
timeout_s = 20

[[step]]
action = "appliance"
name = "shower"
on = false

[[step]]
action = "wait-for"
event = "supply.restored"
timeout_s = 20
"""


@pytest.fixture
async def programs() -> AsyncIterator[list[Program]]:
    started: list[Program] = []
    yield started
    for program in started:
        program.kill()
        await program.process.wait()


async def test_headless_scenario_with_the_ihd_and_the_restore_signal(
    programs: list[Program], tmp_path: Path
) -> None:
    scenario = tmp_path / "button.toml"
    scenario.write_text(SCENARIO)
    port = free_port()
    meter = await Program.start(
        "meter-emulator",
        headless_args(
            port,
            tmp_path / "m",
            "--scenario",
            str(scenario),
            "--speed",
            "20",
            "--sim-start",
            "03:00",
            "--exit-when-done",
        ),
    )
    programs.append(meter)
    await meter.wait_for("scenario.started", speed=20.0)
    ihd = await Program.start(
        "ihd", headless_args(port, tmp_path / "i", "--accept-pairing", "--no-backfill")
    )
    programs.append(ihd)
    await ihd.wait_for("message.accepted", type="supply.interrupted", timeout=20)
    await meter.wait_for("scenario.step", n=6)
    meter.signal(signal.SIGUSR2)  # the consumer presses the button on the meter
    code, stderr = await meter.exited()
    assert code == 0, stderr
    assert meter.seen("scenario.done")
    restored = meter.seen("supply.restored")
    assert restored[0]["by"] == "consumer (SIGUSR2)"
    await ihd.wait_for("message.accepted", type="supply.restored")
    await ihd.stop()
