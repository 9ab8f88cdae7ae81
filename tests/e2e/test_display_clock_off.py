"""A display whose own clock is ten minutes slow (a board without a real-time clock, played with
``ihd --clock-offset -600``), each program its own process (issue K item 5): it takes the
meter's time from the handshake proof, accepts the DNO's genuine message and acknowledges it,
and the meter accepts the acknowledgement, dated by the meter's time."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.programs import Program, free_port, headless_args

#: A guard against a hang on a loaded machine, never a synchronisation.
GUARD_S = 90

NOTICE = """
[scenario]
title = "A notice for a display whose clock is slow"
description = "The DNO tells the home of a planned power cut."
speed = 1

[[step]]
at = 0
action = "send"
name = "notice"
role = "dno"
type = "outage.planned"
importance = "medium"
confirm = true
text = "Planned power cut on Tuesday 10:00-14:00."
outage_start = "+2h"
outage_end = "+6h"
"""


async def test_a_display_ten_minutes_slow_accepts_and_acknowledges_a_genuine_message(
    started_programs: list[Program], tmp_path: Path
) -> None:
    port = free_port()
    scenario = tmp_path / "notice.toml"
    scenario.write_text(NOTICE, encoding="utf-8")
    meter = await Program.start(
        "meter-emulator", headless_args(port, tmp_path / "meter", "--scenario", str(scenario))
    )
    started_programs.append(meter)
    await meter.wait_for("advertising")
    display = await Program.start(
        "ihd",
        headless_args(
            port,
            tmp_path / "ihd",
            "--accept-pairing",
            "--no-backfill",
            "--auto-ack",
            "--clock-offset",
            "-600",
        ),
    )
    started_programs.append(display)

    corrected = await display.wait_for("clock.from-meter", timeout=GUARD_S)
    assert corrected["corrected"] is True
    assert abs(corrected["offset_s"] - 600) <= 2, "the meter's time is ten minutes ahead"
    assert corrected["detail"].endswith("behind.")
    accepted = await display.wait_for("message.accepted", timeout=GUARD_S)
    assert accepted["type"] == "outage.planned"
    ack = await meter.wait_for("ack.received", timeout=GUARD_S)
    (sent,) = meter.seen("operator.sent")  # read on the way to the acknowledgement
    assert ack["refers_to"] == sent["key"]
    assert not display.seen("message.rejected")
    assert not meter.seen("ihd.rejected")
    for program in (display, meter):
        assert (await program.stop())[0] == 0
