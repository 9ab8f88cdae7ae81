"""``./run demo`` as a workshop would start it, offscreen: both programs, connected, filled."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_demo_connects_shows_messages_and_refuses_forgeries(tmp_path: Path) -> None:
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
    assert len(list(shots.glob("*.png"))) == 8
    folder = Path(result.stdout.split("events and data in ")[1].strip())
    events = [json.loads(line) for line in (folder / "ihd-events.jsonl").read_text().splitlines()]
    names = [e["event"] for e in events]
    assert "link.paired" in names
    accepted = {e["type"] for e in events if e["event"] == "message.accepted"}
    assert {"tariff.price", "message.general", "gas.message", "outage.planned"} <= accepted
    rejected = {e["reason"] for e in events if e["event"] == "message.rejected"}
    assert rejected == {"role-not-authorised", "bad-signature"}
    assert "reading" in names
