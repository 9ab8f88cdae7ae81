"""The command lines: ``meter-emulator --fault`` and ``ihd conformance`` as real processes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from meter_emulator.cli.main import main as meter_main
from meter_emulator.faults import Fault
from tests.conformance.conftest import signed_message
from tests.e2e.programs import BIN, Program, free_port


def test_fault_list_describes_every_fault(capsys: pytest.CaptureFixture[str]) -> None:
    assert meter_main(["--fault", "list"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [f["fault"] for f in listed] == [f.value for f in Fault]
    assert all(f["description"].endswith(".") and f["check"] for f in listed)


def test_an_unknown_fault_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        meter_main(["--fault", "no-such-fault"])
    assert exited.value.code == 2
    assert "no-auth" in capsys.readouterr().err


async def test_ihd_conformance_fails_a_faulty_emulator_naming_the_check(tmp_path: Path) -> None:
    port = free_port()
    meter = await Program.start(
        "meter-emulator",
        [
            "--headless",
            "--events",
            "-",
            "--radio",
            f"virtual:{port}",
            "--data-dir",
            str(tmp_path / "meter"),
            "--fault",
            "missing-receipt",
            "--send",
            str(signed_message(tmp_path / "message.cbor")),
        ],
    )
    try:
        await meter.wait_for("advertising")
        runner = await asyncio.create_subprocess_exec(
            str(BIN / "ihd"),
            "conformance",
            "--radio",
            f"virtual:{port}",
            "--json",
            "--report-seconds",
            "3",
            "--message-wait",
            "5",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(runner.communicate(), 60)
    finally:
        await meter.stop()
    assert runner.returncode == 1, stderr.decode()
    report = json.loads(stdout)
    statuses = {c["check"]: c["status"] for c in report["checks"]}
    assert statuses.pop("message-receipt") == "fail"
    assert set(statuses.values()) == {"pass"}, report
    assert report["ok"] is False
