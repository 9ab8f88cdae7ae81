"""run_gui end to end in a fresh process: starts, shows, saves screenshots, exits cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_run_gui_starts_and_shuts_down_cleanly(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ihd_app.ui",
            "--service",
            "fake",
            "--form-factor",
            "800x480",
            "--theme",
            "light",
            "--screenshot-dir",
            str(tmp_path / "shots"),
            "--exit-after",
            "1.0",
            "--no-save-settings",
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
    assert len(shots) == 8
    assert "ihd-home.png" in shots


def test_screenshot_tool_renders_every_screen(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ihd_app.ui.screenshots", str(tmp_path)],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    names = {p.name for p in tmp_path.glob("*.png")}
    for size in ("800x480", "1280x800"):
        for screen in (
            "home",
            "messages",
            "usage",
            "tariff",
            "meter",
            "security",
            "privacy",
            "settings",
            "takeover",
            "pairing-compare",
            "pairing-passkey",
        ):
            assert f"{size}-dark-{screen}.png" in names
