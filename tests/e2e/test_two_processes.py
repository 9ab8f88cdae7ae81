"""The meter emulator and the IHD as two processes on the virtual radio: a real BLE stack.

These are the issue's acceptance checks: pairing by numeric comparison seen on both sides,
readings every second within 5 s, a refused pairing, a dropped link and an emulator restart
both recovered with the bond (no second pairing), and a btsnoop capture bumble-show decodes.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.e2e.programs import BIN, Program, free_port

StartMeter = Callable[..., "asyncio.Future[Program]"]


@pytest.fixture
async def programs() -> AsyncIterator[list[Program]]:
    started: list[Program] = []
    yield started
    for program in started:
        program.kill()
        await program.process.wait()


async def _meter(programs: list[Program], port: int, data: Path, *extra: str) -> Program:
    meter = await Program.start(
        "meter-emulator",
        [
            "--headless",
            "--radio",
            f"virtual:{port}",
            "--data-dir",
            str(data),
            "--events",
            "-",
            *extra,
        ],
    )
    programs.append(meter)
    await meter.wait_for("advertising")
    return meter


async def _ihd(programs: list[Program], port: int, data: Path, *extra: str) -> Program:
    ihd = await Program.start(
        "ihd",
        [
            "--headless",
            "--radio",
            f"virtual:{port}",
            "--data-dir",
            str(data),
            "--events",
            "-",
            *extra,
        ],
    )
    programs.append(ihd)
    return ihd


async def test_pairs_by_numeric_comparison_and_reads_every_second(
    programs: list[Program], tmp_path: Path
) -> None:
    port = free_port()
    meter = await _meter(programs, port, tmp_path / "meter", "--btsnoop", str(tmp_path / "m.log"))
    ihd = await _ihd(
        programs, port, tmp_path / "ihd", "--accept-pairing", "--btsnoop", str(tmp_path / "ihd.log")
    )

    shown_on_ihd = await ihd.wait_for("pairing.numeric-comparison", accepted=True)
    paired = await ihd.wait_for("link.paired", keys="new")
    assert paired["authenticated"] is True
    assert paired["bonded"] is True
    assert paired["encrypted"] is True
    shown_on_meter = await meter.wait_for("link.paired")
    assert shown_on_meter["number"] == shown_on_ihd["number"], "both screens show one number"

    # Readings keep coming (one a second; how fast they arrive is ./run bench's to measure,
    # not a timed test's on a loaded machine): each electricity one shows a demand and a
    # register that never runs backwards; gas comes at subscription (then half-hourly).
    first = await ihd.wait_for("reading", fuel="electricity")
    assert first["demand_w"] > 0
    gas = await ihd.wait_for("reading", fuel="gas")
    assert gas["demand_w"] is None, "a GB gas meter reports its register, never a demand"
    registers = [first["summation_wh"]]
    for _ in range(3):
        registers.append((await ihd.wait_for("reading", fuel="electricity"))["summation_wh"])
    assert registers == sorted(registers)

    assert (await ihd.stop())[0] == 0
    assert (await meter.stop())[0] == 0
    for capture in ("m.log", "ihd.log"):
        shown = subprocess.run(
            [str(BIN / "bumble-show"), "--format", "snoop", str(tmp_path / capture)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        assert "SMP_PAIRING_PUBLIC_KEY_COMMAND" in shown  # LE Secure Connections
        assert "ATT_HANDLE_VALUE_NOTIFICATION" in shown  # the readings


async def test_refused_pairing_fails_on_both_sides(programs: list[Program], tmp_path: Path) -> None:
    port = free_port()
    meter = await _meter(programs, port, tmp_path / "meter")
    ihd = await _ihd(programs, port, tmp_path / "ihd")  # no --accept-pairing: refuses
    await ihd.wait_for("pairing.numeric-comparison", accepted=False)
    failed_here = await ihd.wait_for("pairing.failed")
    assert failed_here["reason"] == "comparison-rejected"
    code, stderr = await ihd.exited()
    assert code == 3, "its own exit status: not a usage error"
    assert stderr.count("\n") == 1
    assert "pairing failed (comparison-rejected)" in stderr
    await meter.wait_for("pairing.failed")
    assert not ihd.seen("reading")
    assert not meter.seen("subscribed"), "nothing may be reached without pairing"


async def test_dropped_link_reconnects_with_the_bond(
    programs: list[Program], tmp_path: Path
) -> None:
    port = free_port()
    meter = await _meter(programs, port, tmp_path / "meter")
    ihd = await _ihd(programs, port, tmp_path / "ihd", "--accept-pairing")
    await ihd.wait_for("link.paired", keys="new")
    await ihd.wait_for("reading")

    meter.signal(signal.SIGUSR1)  # interference
    await ihd.wait_for("link.disconnected")
    await ihd.wait_for("link.reconnecting")
    again = await ihd.wait_for("link.paired", keys="bond")
    assert again["authenticated"] is True
    encrypted = await meter.wait_for("link.encrypted", bonded=True)
    assert encrypted["authenticated"] is True
    await ihd.wait_for("reading")
    assert len(ihd.seen("pairing.numeric-comparison")) == 1, "no second pairing"
    assert len(meter.seen("link.paired")) == 1


async def test_emulator_restart_is_survived_with_the_bond(
    programs: list[Program], tmp_path: Path
) -> None:
    port = free_port()
    meter = await _meter(programs, port, tmp_path / "meter")
    ihd = await _ihd(programs, port, tmp_path / "ihd", "--accept-pairing")
    await ihd.wait_for("link.paired", keys="new")
    assert (await meter.stop())[0] == 0
    await ihd.wait_for("radio.lost")

    restarted = await _meter(programs, port, tmp_path / "meter")
    await ihd.wait_for("link.paired", keys="bond", timeout=20)
    await restarted.wait_for("link.encrypted", bonded=True)
    await ihd.wait_for("reading")
    assert not restarted.seen("link.paired"), "the restarted meter kept its bond"


async def test_ihd_without_an_emulator_says_what_to_do_and_waits(
    programs: list[Program], tmp_path: Path
) -> None:
    ihd = await Program.start(
        "ihd", ["--headless", "--radio", f"virtual:{free_port()}", "--data-dir", str(tmp_path)]
    )
    programs.append(ihd)  # killed whatever happens: it would wait for ever
    assert ihd.process.stderr is not None
    async with asyncio.timeout(15):
        said = (await ihd.process.stderr.readline()).decode()
    assert said.startswith("ihd: waiting for the radio:")
    assert "start the meter emulator first" in said
    code, stderr = await ihd.stop()  # still waiting, not exited
    assert code == 0
    assert not stderr, "said once, not on every retry"


async def test_second_emulator_on_the_same_port_is_refused(
    programs: list[Program], tmp_path: Path
) -> None:
    port = free_port()
    await _meter(programs, port, tmp_path / "one")
    second = await Program.start(
        "meter-emulator",
        ["--headless", "--radio", f"virtual:{port}", "--data-dir", str(tmp_path / "two")],
    )
    code, stderr = await second.exited()
    assert code == 2
    assert f"port {port} is in use" in stderr


async def test_a_display_started_before_the_meter_connects_when_the_meter_appears(
    programs: list[Program], tmp_path: Path
) -> None:
    port = free_port()
    ihd = await _ihd(programs, port, tmp_path / "ihd", "--accept-pairing", "--no-backfill")
    # No meter emulator yet, so no virtual air: the display says so and keeps trying.
    unavailable = await ihd.wait_for("radio.unavailable")
    assert str(port) in unavailable["detail"]
    await ihd.wait_for("radio.unavailable")  # a second try, still running
    await _meter(programs, port, tmp_path / "meter")
    await ihd.wait_for("link.paired", keys="new", timeout=30)
    await ihd.wait_for("reading", fuel="electricity")


async def test_forget_meter_deletes_the_bond_so_the_next_start_pairs_anew(
    programs: list[Program], tmp_path: Path
) -> None:
    port = free_port()
    meter = await _meter(programs, port, tmp_path / "meter")
    nothing = await _ihd(programs, port, tmp_path / "ihd", "--forget-meter")
    code, stderr = await nothing.exited()
    assert code == 0
    assert stderr.strip() == f"ihd: no meter is paired in {tmp_path / 'ihd'}: nothing to forget"

    first = await _ihd(programs, port, tmp_path / "ihd", "--accept-pairing", "--no-backfill")
    await first.wait_for("link.paired", keys="new")
    await first.wait_for("link.ready")
    assert (await first.stop())[0] == 0
    await meter.wait_for("link.disconnected")

    forget = await _ihd(programs, port, tmp_path / "ihd", "--forget-meter")
    code, stderr = await forget.exited()
    assert code == 0
    forgotten = await forget.wait_for("link.forgotten")
    assert stderr.strip() == f"ihd: forgot meter {forgotten['meter_id']} and deleted its bond"

    again = await _ihd(programs, port, tmp_path / "ihd", "--accept-pairing", "--no-backfill")
    paired = await again.wait_for("link.paired")
    assert paired["keys"] == "new", "forgotten: the display pairs anew"
    assert [e["accepted"] for e in again.seen("pairing.numeric-comparison")] == [True]
