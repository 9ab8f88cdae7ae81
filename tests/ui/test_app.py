"""The window as shipped, in fresh processes, on the real meter emulator: ``ihd`` starts, shows,
saves screenshots and exits cleanly; the documentation's screenshot tool renders every screen."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.programs import BIN, free_port

SCREENS = ("home", "messages", "usage", "tariff", "meter", "security", "privacy", "settings")


@pytest.fixture
def meter(tmp_path: Path) -> Iterator[int]:
    """A headless meter emulator on a free virtual-air port (the port is yielded)."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(BIN / "meter-emulator"),
            "--headless",
            "--radio",
            f"virtual:{port}",
            "--data-dir",
            str(tmp_path / "meter"),
            "--events",
            "-",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    # Its "advertising" event is printed once the virtual air is up: the display can connect.
    for line in process.stdout:
        if '"advertising"' in line:
            break
    # Keep reading what it prints (a full pipe would stop the meter) until it exits.
    drain = threading.Thread(target=process.communicate, name="meter-output")
    drain.start()
    try:
        assert process.poll() is None, "the meter emulator exited"
        yield port
    finally:
        process.terminate()
        drain.join(timeout=15)


def test_ihd_window_starts_pairs_and_shuts_down_cleanly(tmp_path: Path, meter: int) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    result = subprocess.run(
        [
            str(BIN / "ihd"),
            "--radio",
            f"virtual:{meter}",
            "--data-dir",
            str(tmp_path / "ihd"),
            "--accept-pairing",
            "--events",
            str(tmp_path / "events.jsonl"),
            "--form-factor",
            "800x480",
            "--theme",
            "light",
            "--screenshot-dir",
            str(tmp_path / "shots"),
            "--exit-after",
            "2.0",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Error" not in result.stderr
    shots = sorted(p.name for p in (tmp_path / "shots").glob("*.png"))
    assert shots == sorted(f"ihd-{screen}.png" for screen in SCREENS)
    events = (tmp_path / "events.jsonl").read_text()
    assert '"link.paired"' in events


def test_screenshot_tool_pictures_every_screen_with_real_data(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ihd_app.ui.live_screenshots",
            str(tmp_path),
            "--form-factor",
            "800x480",
            "--no-themes",
            "--live-readings",
            "0",
        ],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    names = {p.name for p in tmp_path.glob("*.png")}
    expected = {
        *(screen for screen in SCREENS if screen != "usage"),
        "usage-live",
        "messages-past",
        "meter-scan",
        "pairing-compare",
        "takeover",
        "takeover-high",
        "usage-live-cost",
        "usage-day-cost",
        "usage-week-gas",
        "usage-year-cost",
    }
    assert {f"800x480-{name}.png" for name in expected} <= names
    assert not any(name.startswith("1280x800") or "-light-" in name for name in names)
