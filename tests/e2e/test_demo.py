"""``./run demo`` as a workshop would start it, offscreen: both programs, connected, filled."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

from meter_emulator.ui.window import CONSOLE_NAMES

#: The IHD's screens, as ``ihd-<screen>.png`` (the Developer screen is off in the demo).
SCREENS = ("home", "messages", "usage", "tariff", "meter", "security", "privacy", "settings")


def png_size(path: Path) -> tuple[int, int]:
    """A PNG picture's width and height (from its IHDR chunk)."""
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


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
            "--folder",
            str(tmp_path / "demo"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "propagateSizeHints" not in result.stderr  # the offscreen platform's noise
    pictures = {path.stem for path in shots.glob("*.png")}
    consoles = {f"meter-{name}" for name in CONSOLE_NAMES}
    assert {"meter-operator", "meter-attacks", "meter-inbox"} <= consoles
    screens = {f"ihd-{name}" for name in SCREENS}
    # The 8 IHD screens, every one of the emulator's consoles, and the planned power cut taking
    # over the display pictured once, if it came before the pictures.
    assert pictures - {"ihd-takeover"} == screens | consoles
    # Each screen pictured as itself, not the takeover covering all of them.
    contents = {(shots / f"{name}.png").read_bytes() for name in pictures}
    assert len(contents) == len(pictures)
    for name in consoles:
        # The emulator's window as a workshop sees it: half of a 1920x1080 screen.
        width, height = png_size(shots / f"{name}.png")
        assert 900 <= width <= 960, (name, width)
        assert 1000 <= height <= 1080, (name, height)
    folder = tmp_path / "demo"
    events = [json.loads(line) for line in (folder / "ihd-events.jsonl").read_text().splitlines()]
    names = [e["event"] for e in events]
    assert "link.paired" in names
    # The meter outlived the display's pictures: they show it connected, not "Connection lost".
    assert "radio.lost" not in names
    accepted = {e["type"] for e in events if e["event"] == "message.accepted"}
    assert {"tariff.price", "message.general", "gas.message", "outage.planned"} <= accepted
    rejected = {e["reason"] for e in events if e["event"] == "message.rejected"}
    assert rejected == {"role-not-authorised", "bad-signature"}
    assert "reading" in names
    meter = [json.loads(line) for line in (folder / "meter-events.jsonl").read_text().splitlines()]
    assert any(e["event"] == "scenario.done" for e in meter)
    refused = {e["name"]: e["as_expected"] for e in meter if e["event"] == "attack.refused"}
    # Two forgeries refused by the display, three attacks on the supply switch by the meter.
    assert refused == {
        "role-not-authorised": True,
        "bad-signature": True,
        "forged-disconnection": True,
        "replayed-disconnection": True,
        "supplier-as-dno": True,
    }
    assert {"supply.interrupted", "supply.armed", "supply.restored"} <= accepted
    # The operator console followed each notice to the IHD's receipt and "message displayed".
    statuses = {e["type"]: e["status"] for e in meter if e["event"] == "status"}
    assert {"message.general", "gas.message", "outage.planned"} <= set(statuses)
    assert {statuses[t] for t in ("message.general", "gas.message")} == {"displayed"}
    assert not [e for e in meter if e["event"] == "ihd.rejected"]
