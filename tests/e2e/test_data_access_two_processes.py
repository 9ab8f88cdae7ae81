"""Issue L in two processes: a DNO with daily consent cannot get half-hourly data; the display's
data-access log lists each request with its outcome and the household exports it; the answer
the DNO got opens with the DNO's key only (``meter-emulator open-response``)."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path

from tests.e2e.programs import BIN, Program, free_port, headless_args
from tests.e2e.test_consent_two_processes import ASK, WAIT_CONSENT, say, scenario, start_ihd

HALF_HOURLY = """
[[step]]
at = 0
action = "send"
role = "dno"
type = "data.request"
purpose = "network-planning"
granularity = "half-hourly"
periods = 48
name = "fine"

[[step]]
at = 0
action = "wait-for"
event = "data.refused"
match = { key = "@fine" }
timeout_s = 60
"""


async def open_response(path: Path, role: str) -> tuple[int, str, str]:
    """``meter-emulator open-response PATH --as ROLE``: exit code, stdout, stderr."""
    process = await asyncio.create_subprocess_exec(
        str(BIN / "meter-emulator"),
        "open-response",
        str(path),
        "--as",
        role,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_daily_consent_the_access_log_and_the_sealed_answer(
    started_programs: list[Program], tmp_path: Path
) -> None:
    port = free_port()
    sealed_dir = tmp_path / "sealed"
    script = scenario(
        tmp_path,
        "daily",
        WAIT_CONSENT.format(level="daily"),
        HALF_HOURLY,
        ASK.format(name="daily", outcome="data.delivered"),
    )
    meter = await Program.start(
        "meter-emulator",
        headless_args(
            port,
            tmp_path / "meter",
            "--scenario",
            str(script),
            "--exit-when-done",
            "--sealed-responses",
            str(sealed_dir),
        ),
    )
    started_programs.append(meter)
    await meter.wait_for("scenario.started")
    ihd = await start_ihd(port, tmp_path / "ihd")
    started_programs.append(ihd)
    await say(ihd, "consent dno network-planning daily")

    refused = await meter.wait_for("data.refused", timeout=90)
    assert refused["allowed"] == "daily"
    assert "only daily totals are allowed" in refused["detail"]
    delivered = await meter.wait_for("data.delivered", timeout=60)
    assert delivered["granularity"] == "daily"
    code, stderr = await meter.exited(timeout=60)
    assert code == 0, stderr

    # The household's log lists both requests with their outcome, and exports them.
    logged = {}
    for _ in range(2):
        entry = await ihd.wait_for("data.access.logged", timeout=30)
        logged[entry["key"]] = entry
    assert logged[refused["key"]]["granted"] is False
    assert logged[delivered["key"]]["given"] == "daily"
    export = tmp_path / "who-asked.csv"
    await say(ihd, f"export-data-access {export}")
    done = await ihd.wait_for("command.done", command="export-data-access")
    assert done["entries"] == 2
    with export.open(encoding="utf-8") as file:
        outcomes = {row["request"]: row["outcome"] for row in csv.DictReader(file)}
    assert outcomes == {refused["key"]: "refused", delivered["key"]: "sent"}

    # What left the home opens with the DNO's key, and with nobody else's.
    sealed = sealed_dir / f"{delivered['key']}.cose"
    code, out, err = await open_response(sealed, "dno")
    assert code == 0, err
    opened = json.loads(out)
    assert opened["granularity"] == "daily"
    assert opened["values_wh"] == delivered["operator_read_wh"]
    for other in ("supplier", "gdn"):
        code, out, err = await open_response(sealed, other)
        assert code == 1
        assert not out
        assert err.count("\n") == 1
        assert "sealed for" in err or "cannot" in err, err
