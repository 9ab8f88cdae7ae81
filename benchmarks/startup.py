"""Cold start to first frame and memory of the IHD (DESIGN.md §9: < 2 s, RSS < 300 MB).

Each measurement is a fresh interpreter (``python -m benchmarks.startup --child DIR``) that does
what ``ihd`` does up to its first frame: import the program, create the application, the
service on a fresh data dir (not started: no radio, so the figure is the program's own cost),
the main window, show it and paint it. The parent times from spawning the process to the
child's "first-frame" line. Baseline: spawning a bare interpreter to its first line
(``python -c``), measured the same way in the same run; ``cold_start_ratio`` is the quotient.

``rss_mb`` is the child's peak resident set at its first frame; baseline ``python_rss_mb`` is the
bare interpreter's.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_BARE = (
    "import resource; "
    "print('first-frame', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)"
)


def _spawn(args: list[str]) -> tuple[float, float]:
    """Seconds from spawning to the child's first line, and the RSS (MB) it reported."""
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    start = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, *args], stdout=subprocess.PIPE, env=environment, text=True
    ) as child:
        assert child.stdout is not None
        line = child.stdout.readline()
        elapsed = time.perf_counter() - start
        child.stdout.read()
        child.wait(timeout=60)
    word, kib = line.split()[:2]
    if word != "first-frame":
        raise RuntimeError(f"the child said {line!r}")
    return elapsed, int(kib) / 1024


def measure_startup(quick: bool) -> dict[str, float]:
    """Median cold start and RSS of the IHD, with the bare interpreter's as baseline."""
    repeats = 3 if quick else 7
    ihd, bare = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="ihd-bench-start-") as folder:
            ihd.append(_spawn(["-m", "benchmarks.startup", "--child", folder]))
        bare.append(_spawn(["-c", _BARE]))
    results = {
        "cold_start_s": statistics.median(t for t, _ in ihd),
        "python_start_s": statistics.median(t for t, _ in bare),
        "rss_mb": statistics.median(r for _, r in ihd),
        "python_rss_mb": statistics.median(r for _, r in bare),
    }
    results["cold_start_ratio"] = results["cold_start_s"] / results["python_start_s"]
    return results


def _child(data_dir: Path) -> None:
    # Imports inside: they are what a cold start pays for, so the timed child pays them.
    import asyncio  # noqa: PLC0415

    import qasync  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    from ihd_app.protocol.events import EventLog  # noqa: PLC0415
    from ihd_app.protocol.radio_spec import RadioSpec  # noqa: PLC0415
    from ihd_app.service.config import ServiceConfig  # noqa: PLC0415
    from ihd_app.service.ihd_service import IhdService  # noqa: PLC0415
    from ihd_app.ui.main_window import MainWindow  # noqa: PLC0415
    from ihd_app.ui.settings import UiSettings  # noqa: PLC0415

    app = QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    async def first_frame() -> None:
        service = IhdService(
            ServiceConfig(radio=RadioSpec.parse("virtual"), data_dir=data_dir), EventLog(None)
        )
        window = MainWindow(service, UiSettings())
        window.resize(800, 480)
        window.show()
        window.grab()  # paints every widget of the first screen
        rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print("first-frame", rss_kib, flush=True)
        window.close()
        await window.runner.cancel_all()
        await service.close()

    loop.run_until_complete(first_frame())


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(Path(sys.argv[2]))
    else:
        print(measure_startup(quick=True))
