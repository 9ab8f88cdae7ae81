"""``./run demo`` stops both programs cleanly: on Ctrl+C, and when either window closes.

The meter's events go to a FIFO the test reads, so the test waits on the programs themselves
(the display has connected and both windows ask to compare the pairing number) before
stopping anything.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

import pytest


class Demo:
    """``./run demo --offscreen --folder DIR`` with its meter's events read from a FIFO."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        fifo = folder / "meter-events.jsonl"
        os.mkfifo(fifo)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "meter_emulator.cli.demo",
                "--offscreen",
                "--folder",
                str(folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, as a terminal's Ctrl+C sees it
        )
        self.events: list[dict[str, Any]] = []
        self._connected = threading.Event()
        self._events = fifo.open(encoding="utf-8")  # blocks until the meter opens it
        self._reader = threading.Thread(target=self._read, args=(self._events,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:  # until the meter closes its end: draining keeps it from blocking
            record = json.loads(line)
            self.events.append(record)
            if record["event"] == "link.connected":
                self._connected.set()

    def wait_connected(self) -> None:
        assert self._connected.wait(60), f"the display never connected: {self.events}"

    def children(self) -> list[int]:
        """The demo's two programs."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def finish(self) -> tuple[int, str]:
        _, stderr = self.process.communicate(timeout=60)
        self._reader.join(timeout=30)
        self._events.close()
        return self.process.returncode, stderr


@pytest.fixture
def demo(tmp_path: Path) -> Any:
    started = Demo(tmp_path / "demo")
    yield started
    if started.process.poll() is None:
        os.killpg(started.process.pid, signal.SIGKILL)
        started.process.wait()


def test_ctrl_c_stops_both_programs_cleanly(demo: Demo) -> None:
    demo.wait_connected()
    assert len(demo.children()) == 2
    os.killpg(demo.process.pid, signal.SIGINT)
    code, stderr = demo.finish()
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert demo.events[-1]["event"] == "meter.stopped"


def test_closing_the_display_stops_the_emulator_too(demo: Demo) -> None:
    demo.wait_connected()
    meter_pid, ihd_pid = demo.children()
    os.kill(ihd_pid, signal.SIGTERM)  # what closing its window does: the display exits
    code, stderr = demo.finish()
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert demo.events[-1]["event"] == "meter.stopped"
    assert not Path(f"/proc/{meter_pid}").exists()
