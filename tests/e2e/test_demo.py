"""``./run demo`` as a workshop would start it, offscreen: both programs, connected, filled."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_demo_runs_both_windows_connected_and_refuses_forgeries(tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "meter_emulator.cli.demo",
            "--offscreen",
            "--screenshot-dir",
            str(shots),
            "--exit-after",
            "6",
            "--form-factor",
            "800x480",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    pictures = {path.stem for path in shots.glob("*.png")}
    assert {"meter-operator", "meter-attacks", "meter-scenarios", "meter-events"} <= pictures
    assert len(pictures) == 12  # 8 IHD screens and the emulator's 4 consoles
    folder = Path(result.stdout.split("events and data in ")[1].strip())
    events = [json.loads(line) for line in (folder / "ihd-events.jsonl").read_text().splitlines()]
    names = [e["event"] for e in events]
    assert "link.paired" in names
    accepted = {e["type"] for e in events if e["event"] == "message.accepted"}
    assert {"tariff.price", "message.general", "gas.message", "outage.planned"} <= accepted
    rejected = {e["reason"] for e in events if e["event"] == "message.rejected"}
    assert rejected == {"role-not-authorised", "bad-signature"}
    assert "reading" in names
    meter = [json.loads(line) for line in (folder / "meter-events.jsonl").read_text().splitlines()]
    assert any(e["event"] == "scenario.done" for e in meter)
    refused = {e["name"]: e["as_expected"] for e in meter if e["event"] == "attack.refused"}
    assert refused == {"role-not-authorised": True, "bad-signature": True}
    # The operator console followed each notice to the IHD's receipt and "message displayed".
    statuses = {e["type"]: e["status"] for e in meter if e["event"] == "status"}
    assert {"message.general", "gas.message", "outage.planned"} <= set(statuses)
    assert {statuses[t] for t in ("message.general", "gas.message")} == {"displayed"}
    assert not [e for e in meter if e["event"] == "ihd.rejected"]
