"""Demand response in two processes over the virtual radio (issue K item 4): the DNO's
flexibility event reaches the display verified and is shown; the display tells the DNO it was
received and started; the householder's agreement lets the meter pause the EV charger (and only
it); the consumer opts out on the display and the DNO receives "opted out", signed by the
display, on the event's row.

``ihd --headless --commands -`` takes the consumer's actions on standard input; the meter plays
a scenario that waits for the display's agreement and statuses.
"""

from __future__ import annotations

from pathlib import Path

from ihd_app.protocol.pki.authority import STANDARD_IDENTITIES
from tests.e2e.programs import Program, free_port, headless_args

DNO_ID = next(s.entity_id for s in STANDARD_IDENTITIES if s.name == "dno")
IHD_ID = next(s.entity_id for s in STANDARD_IDENTITIES if s.name == "ihd")

SCENARIO = f"""
[scenario]
title = "Flexibility event with an opt-out"
description = "The DNO asks the household to use less; the consumer opts out."
speed = 1

[[step]]
at = 0
action = "flexible-load"
name = "ev-charger"
on = true

[[step]]
at = 0
action = "flexible-load"
name = "immersion-heater"
on = true

[[step]]
at = 0
action = "wait-for"
event = "demand.agreement"
match = {{ originator = "{DNO_ID}" }}
timeout_s = 60

[[step]]
at = 0
action = "flexibility"
role = "dno"
event_id = 4242
duration_min = 30
reduce_percent = 20
devices = "ev,water_heater"
title = "Reduce use 17:00-18:00"
reward = "20 % reward on your next bill"
name = "evening"

[[step]]
at = 0
action = "wait-for"
event = "originator.demand-status"
match = {{ status = "started", key = "@evening" }}
timeout_s = 60

[[step]]
at = 0
action = "wait-for"
event = "originator.demand-status"
match = {{ status = "opted_out", key = "@evening" }}
timeout_s = 60
"""


async def say(ihd: Program, command: str) -> None:
    """Type ``command`` on the display's command channel."""
    assert ihd.process.stdin is not None
    ihd.process.stdin.write(f"{command}\n".encode())
    await ihd.process.stdin.drain()


async def test_an_event_is_shown_opted_out_and_reported_back_to_the_dno(
    started_programs: list[Program], tmp_path: Path
) -> None:
    port = free_port()
    script = tmp_path / "flexibility.toml"
    script.write_text(SCENARIO, encoding="utf-8")
    meter = await Program.start(
        "meter-emulator",
        headless_args(port, tmp_path / "meter", "--scenario", str(script), "--exit-when-done"),
    )
    started_programs.append(meter)
    await meter.wait_for("scenario.started")
    ihd = await Program.start(
        "ihd",
        headless_args(
            port, tmp_path / "ihd", "--accept-pairing", "--no-backfill", "--commands", "-"
        ),
        stdin=True,
    )
    started_programs.append(ihd)
    await meter.wait_for("session.established", timeout=60)

    await say(ihd, f"agree {DNO_ID} ev")
    agreed = await meter.wait_for("demand.agreement", timeout=60)
    assert agreed["devices"] == ["EV charger"]

    # Shown on the display, verified as the DNO's, with the reward signed with it.
    accepted = await ihd.wait_for("message.accepted", type="demand.event", timeout=60)
    assert accepted["role"] == "dno"
    shown = await ihd.wait_for("demand.event.shown", event_id=4242)
    assert shown["reward"] == "20 % reward on your next bill"
    assert shown["devices"] == ["EV charger", "Immersion heater"]
    assert shown["originator"] == DNO_ID

    # Direct control only of what the householder agreed to, said to the DNO.
    control = await meter.wait_for("demand.control", event_id=4242)
    assert control["devices"] == ["EV charger"]
    refused = await meter.wait_for("demand.control-refused", event_id=4242)
    assert refused["devices"] == ["Immersion heater"]

    for status in ("received", "started"):
        back = await meter.wait_for("originator.demand-status", status=status, timeout=60)
        assert (back["originator"], back["role"], back["event_id"]) == (DNO_ID, "dno", 4242)

    await say(ihd, "opt-out 4242")
    await ihd.wait_for("command.done", command="opt-out", event_id=4242)
    # The display's signed reply, verified by the meter as the display's, then followed to the
    # event's originator.
    received = await meter.wait_for("demand.status.received", timeout=60)
    assert received["details"]["status"] == "opted_out"
    assert received["originator"] == IHD_ID
    opted = await meter.wait_for("originator.demand-status", status="opted_out", timeout=60)
    assert (opted["originator"], opted["ihd_id"]) == (DNO_ID, IHD_ID)
    code, stderr = await meter.exited(timeout=60)
    assert code == 0, f"{meter.seen('scenario.failed')} {stderr}"
    assert not meter.seen("ihd.rejected")
