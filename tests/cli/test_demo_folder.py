"""``./run demo`` cleans up the temporary folder it made itself, and keeps a ``--folder`` given.

The two programs are stand-ins that write into their ``--data-dir`` as the real ones do and exit:
what is checked is the demo's own bookkeeping, in a process of its own (it waits for any child).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

STAND_IN = """#!/bin/sh
# Writes into its --data-dir as the real program would, then waits for --exit-after or SIGTERM.
wait_for_term=yes
while [ $# -gt 0 ]; do
    case "$1" in
        --data-dir) mkdir -p "$2"; head -c 100000 /dev/zero > "$2/ihd.sqlite3" ;;
        --exit-after) wait_for_term=no ;;
    esac
    shift
done
trap 'exit 0' TERM
if [ -n "${DEMO_STARTED:-}" ]; then echo started > "$DEMO_STARTED"; fi
if [ "$wait_for_term" = yes ]; then
    while :; do sleep 1; done
fi
"""

RUN_DEMO = (
    "import sys; from pathlib import Path; from meter_emulator.cli import demo; "
    "demo.BIN = Path(sys.argv[1]); sys.exit(demo.run(sys.argv[2:]))"
)


def _start_demo(
    tmp_path: Path, *argv: str, started: Path | None = None
) -> tuple[subprocess.Popen[str], Path]:
    stand_ins = tmp_path / "bin"
    stand_ins.mkdir()
    for name in ("ihd", "meter-emulator"):
        script = stand_ins / name
        script.write_text(STAND_IN, encoding="utf-8")
        script.chmod(0o755)
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-c", RUN_DEMO, str(stand_ins), "--offscreen", *argv],
        env={**os.environ, "TMPDIR": str(temp_root), "DEMO_STARTED": str(started or "")},
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, so a failed test can stop it all
    )
    return process, temp_root


@pytest.fixture
def stop_demos() -> Iterator[list[subprocess.Popen[str]]]:
    """Demos to kill, with their stand-ins, if a test ends before they do."""
    demos: list[subprocess.Popen[str]] = []
    yield demos
    for demo in demos:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.communicate()


def test_the_temporary_folder_is_removed_when_the_demo_ends(
    tmp_path: Path, stop_demos: list[subprocess.Popen[str]]
) -> None:
    demo, temp_root = _start_demo(tmp_path, "--exit-after", "1")
    stop_demos.append(demo)
    out, _ = demo.communicate(timeout=60)
    assert demo.returncode == 0
    assert "removed at exit" in out
    assert list(temp_root.iterdir()) == []


def test_the_temporary_folder_is_removed_when_the_demo_is_stopped(
    tmp_path: Path, stop_demos: list[subprocess.Popen[str]]
) -> None:
    started = tmp_path / "started"
    os.mkfifo(started)  # each stand-in writes a line into it once its data is written
    demo, temp_root = _start_demo(tmp_path, started=started)
    stop_demos.append(demo)
    assert demo.stdout is not None
    demo.stdout.readline()  # the demo's line comes just before it starts the two programs
    made = list(temp_root.iterdir())
    assert len(made) == 1
    # Read and write: the pipe stays open between the two stand-ins' lines.
    reader = os.open(started, os.O_RDWR)
    try:
        with os.fdopen(reader, "rb", buffering=0, closefd=False) as lines:
            assert [lines.readline(), lines.readline()] == [b"started\n", b"started\n"]
    finally:
        os.close(reader)
    demo.send_signal(signal.SIGTERM)
    demo.communicate(timeout=60)
    assert demo.returncode == 0
    assert list(temp_root.iterdir()) == []


def test_a_folder_given_with_folder_is_kept(
    tmp_path: Path, stop_demos: list[subprocess.Popen[str]]
) -> None:
    kept = tmp_path / "my-demo"
    demo, temp_root = _start_demo(tmp_path, "--exit-after", "1", "--folder", str(kept))
    stop_demos.append(demo)
    out, _ = demo.communicate(timeout=60)
    assert demo.returncode == 0
    assert "removed at exit" not in out
    assert (kept / "ihd" / "ihd.sqlite3").stat().st_size == 100000
    assert (kept / "meter" / "ihd.sqlite3").exists()
    assert list(temp_root.iterdir()) == []
