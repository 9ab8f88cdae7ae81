"""Issue L item 1 in two processes: consent withdrawn on the display, by the consent choice, by
a wipe or by moving out, makes the meter refuse the DNO's next data request, also when the
meter was away at the time (the withdrawal waits in the display's outbox).

``ihd --headless --commands -`` takes the consumer's Privacy-screen actions on standard input;
the meter plays a scenario that waits for the consent it is told, asks for the DNO's daily
totals, and checks the answer; the test reads both programs' events.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.programs import Program, free_port, headless_args

#: How a household withdraws, as the command it types.
WITHDRAWALS = {
    "consent-choice": "consent dno network-planning none",
    "wipe": "wipe",
    "move-out": "move-out",
}

HEADER = """
[scenario]
title = "DNO daily totals around a withdrawal"
description = "The DNO asks for daily totals with and without the household's consent."
speed = 1
"""

ASK = """
[[step]]
at = 0
action = "send"
role = "dno"
type = "data.request"
purpose = "network-planning"
granularity = "daily"
periods = 48
name = "{name}"

[[step]]
at = 0
action = "wait-for"
event = "{outcome}"
match = {{ key = "@{name}" }}
timeout_s = 60
"""

WAIT_CONSENT = """
[[step]]
at = 0
action = "wait-for"
event = "consent.stored"
match = {{ "consent.dno/network-planning" = "{level}" }}
timeout_s = 120
"""


def scenario(tmp_path: Path, name: str, *parts: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(HEADER + "".join(parts), encoding="utf-8")
    return path


async def say(ihd: Program, command: str) -> None:
    """Type ``command`` on the display's command channel."""
    assert ihd.process.stdin is not None
    ihd.process.stdin.write(f"{command}\n".encode())
    await ihd.process.stdin.drain()


async def start_ihd(port: int, data_dir: Path) -> Program:
    args = headless_args(port, data_dir, "--accept-pairing", "--no-backfill", "--commands", "-")
    return await Program.start("ihd", args, stdin=True)


@pytest.mark.parametrize("how", list(WITHDRAWALS))
async def test_a_withdrawal_makes_the_meter_refuse_the_next_request(
    started_programs: list[Program], tmp_path: Path, how: str
) -> None:
    port = free_port()
    script = scenario(
        tmp_path,
        "around",
        WAIT_CONSENT.format(level="daily"),
        ASK.format(name="before", outcome="data.delivered"),
        WAIT_CONSENT.format(level="none"),
        ASK.format(name="after", outcome="data.refused"),
    )
    meter = await Program.start(
        "meter-emulator",
        headless_args(port, tmp_path / "meter", "--scenario", str(script), "--exit-when-done"),
    )
    started_programs.append(meter)
    await meter.wait_for("scenario.started")
    ihd = await start_ihd(port, tmp_path / "ihd")
    started_programs.append(ihd)
    await meter.wait_for("session.established", timeout=60)

    await say(ihd, "consent dno network-planning daily")
    delivered = await meter.wait_for("data.delivered", timeout=60)
    assert delivered["granularity"] == "daily"
    await say(ihd, WITHDRAWALS[how])

    refused = await meter.wait_for("data.refused", timeout=60)
    assert refused["party"] == "dno"
    assert "has not been given" in refused["detail"] or "none" in str(refused)
    code, stderr = await meter.exited(timeout=60)
    assert code == 0, stderr
    await ihd.wait_for("command.done", command=how.replace("consent-choice", "consent"))


@pytest.mark.parametrize("how", list(WITHDRAWALS))
async def test_a_withdrawal_while_the_meter_is_away_reaches_it_when_it_is_back(
    started_programs: list[Program], tmp_path: Path, how: str
) -> None:
    port = free_port()
    given = scenario(
        tmp_path,
        "given",
        WAIT_CONSENT.format(level="daily"),
        ASK.format(name="before", outcome="data.delivered"),
    )
    meter_args = ["--exit-when-done"]
    meter = await Program.start(
        "meter-emulator",
        headless_args(port, tmp_path / "meter", "--scenario", str(given), *meter_args),
    )
    started_programs.append(meter)
    await meter.wait_for("scenario.started")
    ihd = await start_ihd(port, tmp_path / "ihd")
    started_programs.append(ihd)
    await say(ihd, "consent dno network-planning daily")
    code, stderr = await meter.exited(timeout=90)
    assert code == 0, stderr  # the DNO got its daily totals; the meter is gone

    await say(ihd, WITHDRAWALS[how])
    await ihd.wait_for("consent.withdrawn" if how != "consent-choice" else "consent.changed")

    back = scenario(
        tmp_path,
        "back",
        WAIT_CONSENT.format(level="none"),
        ASK.format(name="after", outcome="data.refused"),
    )
    meter = await Program.start(
        "meter-emulator",
        headless_args(port, tmp_path / "meter", "--scenario", str(back), *meter_args),
    )
    started_programs.append(meter)
    refused = await meter.wait_for("data.refused", timeout=120)
    assert refused["party"] == "dno"
    code, stderr = await meter.exited(timeout=60)
    assert code == 0, stderr
    if how == "move-out":
        # Only once the meter had the withdrawal does the display forget it.
        await ihd.wait_for("occupier.moved-out", timeout=60)
