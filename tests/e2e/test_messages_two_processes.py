"""Messages and acknowledgements between two processes, including a crash of the display.

DESIGN.md §7: receipts and acknowledgements sit in a durable outbox until the meter confirms
them; none is lost across a crash or a dropped link, none is duplicated.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.programs import BIN, Program, free_port
from tests.support import METER_ID


@pytest.fixture
async def programs() -> AsyncIterator[list[Program]]:
    started: list[Program] = []
    yield started
    for program in started:
        program.kill()
        await program.process.wait()


async def _sign(out: Path, *args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        str(BIN / "meter-emulator"),
        "sign",
        "--target",
        METER_ID,
        "--out",
        str(out),
        *args,
        stdout=asyncio.subprocess.PIPE,
    )
    stdout, _ = await process.communicate()
    assert process.returncode == 0
    json.loads(stdout)


async def _start(programs: list[Program], name: str, *args: str) -> Program:
    program = await Program.start(name, ["--headless", "--events", "-", *args])
    programs.append(program)
    return program


async def test_every_message_type_is_shown_and_acknowledged(
    programs: list[Program], tmp_path: Path
) -> None:
    envelopes = []
    for n, (role, type_name, extra) in enumerate(
        [
            ("dno", "outage.planned", ["--importance", "high", "--confirm"]),
            ("dno", "outage.emergency", ["--importance", "critical", "--confirm"]),
            ("dno", "outage.restored", []),
            ("supplier", "message.general", ["--importance", "low"]),
            ("gdn", "gas.message", []),
            ("gdn", "gas.supply-disabled", ["--importance", "critical", "--confirm"]),
            ("gdn", "safety.alarm", ["--importance", "critical", "--confirm"]),
        ]
    ):
        path = tmp_path / f"{n}.cbor"
        await _sign(
            path,
            "--role",
            role,
            "--type",
            type_name,
            "--text",
            f"{type_name} text",
            "--message-id",
            str(100 + n),
            *extra,
        )
        envelopes += ["--send", str(path)]
    port = free_port()
    meter = await _start(
        programs,
        "meter-emulator",
        "--radio",
        f"virtual:{port}",
        "--data-dir",
        str(tmp_path / "m"),
        *envelopes,
    )
    await meter.wait_for("advertising")
    ihd = await _start(
        programs,
        "ihd",
        "--radio",
        f"virtual:{port}",
        "--data-dir",
        str(tmp_path / "i"),
        "--accept-pairing",
        "--auto-ack",
        "--no-backfill",
    )
    for n in range(7):
        accepted = await ihd.wait_for("message.accepted", id=100 + n)
        assert accepted["text"].endswith("text")
        await ihd.wait_for("message.displayed", id=100 + n)
    # Replies leave in order (receipt, displayed, acknowledgement per message), so once the
    # last acknowledgement is in, every earlier reply is too.
    await meter.wait_for("ack.received", message_id=106)
    assert {e["message_id"] for e in meter.seen("ack.received")} == {100, 101, 105, 106}
    assert {e["message_id"] for e in meter.seen("displayed")} == set(range(100, 107))
    assert {e["message_id"] for e in meter.seen("receipt")} == set(range(100, 107))
    assert not ihd.seen("message.rejected")


async def test_acknowledgement_survives_a_crash_and_arrives_exactly_once(
    programs: list[Program], tmp_path: Path
) -> None:
    envelope = tmp_path / "outage.cbor"
    await _sign(
        envelope,
        "--role",
        "dno",
        "--type",
        "outage.planned",
        "--text",
        "Planned power cut",
        "--importance",
        "high",
        "--confirm",
        "--message-id",
        "555",
    )
    port = free_port()
    meter_args = ["--radio", f"virtual:{port}", "--data-dir", str(tmp_path / "m")]
    ihd_args = [
        "--radio",
        f"virtual:{port}",
        "--data-dir",
        str(tmp_path / "i"),
        "--accept-pairing",
        "--no-backfill",
    ]
    # The message is shown while the meter is there; nobody acknowledges it yet.
    meter = await _start(programs, "meter-emulator", *meter_args, "--send", str(envelope))
    await meter.wait_for("advertising")
    ihd = await _start(programs, "ihd", *ihd_args)
    await ihd.wait_for("message.displayed", id=555)
    await meter.wait_for("displayed", message_id=555)
    assert (await ihd.stop())[0] == 0
    assert (await meter.stop())[0] == 0

    # The meter is away: the consumer acknowledges (--auto-ack), and the display crashes
    # before the acknowledgement can be delivered.
    ihd = await _start(programs, "ihd", *ihd_args, "--auto-ack")
    await ihd.wait_for("message.acknowledged", id=555)
    ihd.signal(signal.SIGKILL)
    await ihd.process.wait()
    assert not ihd.seen("ack.delivered")

    meter = await _start(programs, "meter-emulator", *meter_args)
    await meter.wait_for("advertising")
    ihd = await _start(programs, "ihd", *ihd_args)
    await ihd.wait_for("ack.delivered", timeout=20)
    received = await meter.wait_for("ack.received", message_id=555)
    assert received["originator"] == "00-1D-A6-00-00-00-01-01"
    assert not ihd.seen("pairing.numeric-comparison"), "the bond survived the crash"
    await ihd.stop()
    await meter.stop()
    assert len(meter.seen("ack.received")) == 1
    assert not meter.seen("receipt"), "the receipt was delivered before the crash, not again"
