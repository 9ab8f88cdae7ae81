"""Two displays of one home on the meter's virtual air, each its own process (issue J item 4):
a commissioned second display is served beside the first (readings, a DNO message indicated to
each, each display's acknowledgement tracked, one acknowledgement for the originator); an
uncommissioned one is refused while the first carries on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ihd_app.protocol.cli_common import EXIT_PAIRING_FAILED
from tests.e2e.programs import Program, free_port, headless_args

FIRST_DISPLAY = "00-1D-A6-00-00-00-01-01"
SECOND_DISPLAY = "00-1D-A6-00-00-00-01-02"
#: A guard against a hang on a loaded machine, never a synchronisation.
GUARD_S = 90

#: The DNO's planned power cut, to be acknowledged, once a display listens.
NOTICE = """
[scenario]
title = "A notice for every display"
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


def _display(port: int, data_dir: Path, *extra: str) -> list[str]:
    return headless_args(port, data_dir, "--accept-pairing", "--no-backfill", *extra)


async def test_a_commissioned_second_display_is_served_beside_the_first(
    started_programs: list[Program], tmp_path: Path
) -> None:
    port = free_port()
    scenario = tmp_path / "notice.toml"
    scenario.write_text(NOTICE, encoding="utf-8")
    meter = await Program.start(
        "meter-emulator",
        headless_args(
            port, tmp_path / "meter", "--commission", "ihd-2", "--scenario", str(scenario)
        ),
    )
    started_programs.append(meter)
    await meter.wait_for("advertising")
    first = await Program.start("ihd", _display(port, tmp_path / "ihd", "--auto-ack"))
    started_programs.append(first)
    second = await Program.start(
        "ihd", _display(port, tmp_path / "ihd-2", "--auto-ack", "--identity", "ihd-2")
    )
    started_programs.append(second)

    for display in (first, second):
        await display.wait_until(_served(display), "a reading and the DNO's notice", GUARD_S, meter)
        (accepted,) = display.seen("message.accepted")
        assert accepted["type"] == "outage.planned"
        assert accepted["role"] == "dno"
    await meter.wait_until(
        lambda: len(meter.seen("session.established")) == 2, "two handshakes", GUARD_S
    )
    established = {e["ihd_id"] for e in meter.seen("session.established")}
    assert established == {FIRST_DISPLAY, SECOND_DISPLAY}

    # Each display's signed acknowledgement reaches the meter and is kept for that display.
    def both_acknowledged() -> bool:
        return _acknowledged_by(meter.seen("status")) == {FIRST_DISPLAY, SECOND_DISPLAY}

    await meter.wait_until(both_acknowledged, "both displays' acknowledgements", GUARD_S, first)
    acks = meter.seen("ack.received")
    assert {a["originator"] for a in acks} == {FIRST_DISPLAY, SECOND_DISPLAY}
    key = acks[0]["refers_to"]
    assert {a["refers_to"] for a in acks} == {key}
    sent = [s for s in meter.seen("sent") if s["key"] == key]
    assert sorted(s["ihd_id"] for s in sent) == [FIRST_DISPLAY, SECOND_DISPLAY], "once each"
    # One acknowledgement is enough for the DNO: it is told once, by the first display.
    told = meter.seen("originator.acknowledged")
    assert len(told) == 1
    assert told[0]["key"] == key
    assert told[0]["role"] == "dno"
    assert told[0]["ihd_id"] in (FIRST_DISPLAY, SECOND_DISPLAY)
    assert meter.seen("status")[-1]["status"] == "acknowledged"
    for program in (second, first, meter):
        assert (await program.stop())[0] == 0


def _served(display: Program) -> Callable[[], bool]:
    return lambda: bool(display.seen("reading") and display.seen("message.accepted"))


def _acknowledged_by(statuses: list[dict[str, Any]]) -> set[str]:
    if not statuses:
        return set()
    displays: dict[str, dict[str, Any]] = statuses[-1].get("displays", {})
    return {ihd_id for ihd_id, d in displays.items() if d["status"] == "acknowledged"}


async def test_an_uncommissioned_second_display_is_refused_while_the_first_is_served(
    started_programs: list[Program], tmp_path: Path
) -> None:
    port = free_port()
    meter = await Program.start("meter-emulator", headless_args(port, tmp_path / "meter"))
    started_programs.append(meter)
    await meter.wait_for("advertising")
    first = await Program.start("ihd", _display(port, tmp_path / "ihd"))
    started_programs.append(first)
    await first.wait_for("link.ready", timeout=GUARD_S)
    await meter.wait_for("session.established", ihd_id=FIRST_DISPLAY, timeout=GUARD_S)

    second = await Program.start("ihd", _display(port, tmp_path / "ihd-2", "--identity", "ihd-2"))
    started_programs.append(second)
    untrusted = await second.wait_for("link.untrusted", timeout=GUARD_S)
    assert untrusted["reason"] == "not-commissioned"
    code, _stderr = await second.exited(timeout=GUARD_S)
    assert code == EXIT_PAIRING_FAILED
    refused = await meter.wait_for("session.refused", timeout=GUARD_S)
    assert refused["ihd_id"] == SECOND_DISPLAY
    dropped = await meter.wait_for("link.disconnected", timeout=GUARD_S)
    assert dropped["peer"].startswith("C0:1D:A6:00:01:02"), "the second display's link only"

    # The first display is still served: readings keep coming after the refusal.
    readings = len(first.seen("reading"))
    await first.wait_until(
        lambda: len(first.seen("reading")) > readings + 2, "readings after the refusal", GUARD_S
    )
    assert not first.seen("link.disconnected")
    assert len(meter.seen("link.disconnected")) == 1
    for program in (first, meter):
        assert (await program.stop())[0] == 0
