"""Chart frame time over a year of 10-second readings (DESIGN.md §9: <= 16.7 ms at 3.2 M points).

The display's own usage chart widget (pyqtgraph, automatic peak downsampling, clipped to the
view) is given 3,153,600 readings; each frame pans or zooms the x range (a day, a week, a month,
the year, at varying places, as a person dragging and pinching would) and paints the chart
synchronously into a picture. Baseline: the same frames over one day of readings (8,640
points), measured in the same run; ``chart_ratio`` is the quotient.

Runs offscreen in a child interpreter (``python -m benchmarks.chart``) so Qt never shares a
process with the asyncio benchmarks.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

READINGS_PER_YEAR = 365 * 24 * 360
DAY_S = 86_400.0


def measure_chart(quick: bool) -> dict[str, float]:
    """Median frame times with a year and with a day of readings (child process)."""
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.chart", "--child", "quick" if quick else "full"],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
        timeout=600,
    ).stdout
    results: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return results


def _frames(chart: object, start: float, span: float, count: int) -> list[float]:
    from ihd_app.ui.widgets.usage_chart import UsageChart  # noqa: PLC0415

    assert isinstance(chart, UsageChart)
    view = chart.plot.getPlotItem().getViewBox()
    widths = (DAY_S, 7 * DAY_S, 30 * DAY_S, span)
    times = []
    for frame in range(count):
        width = min(widths[frame % len(widths)], span)
        left = start + (span - width) * ((frame * 0.137) % 1.0)
        began = time.perf_counter()
        view.setXRange(left, left + width, padding=0.0)
        chart.grab()  # lays out and paints the chart now, as the next screen refresh would
        times.append((time.perf_counter() - began) * 1000)
    return times


def _child(quick: bool) -> None:
    import numpy as np  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    from ihd_app.ui.theme import ThemeManager  # noqa: PLC0415
    from ihd_app.ui.widgets.usage_chart import UsageChart  # noqa: PLC0415

    app = QApplication(sys.argv[:1])
    theme = ThemeManager()
    chart = UsageChart(theme)
    chart.resize(800, 360)
    chart.show()
    frames = 40 if quick else 200
    rng = np.random.default_rng(2026)
    start = 1_767_225_600.0  # 2026-01-01T00:00:00Z
    figures = {}
    for key, count in (("chart_frame_ms", READINGS_PER_YEAR), ("chart_day_frame_ms", 8_640)):
        x = start + np.arange(count, dtype=np.float64) * 10.0
        y = np.abs(rng.normal(0.4, 0.3, count)) + (rng.random(count) < 0.01) * 8.0
        chart.show_line(x, y, "kW")
        _frames(chart, start, float(x[-1] - x[0]), 4)  # warm up caches
        figures[key] = statistics.median(_frames(chart, start, float(x[-1] - x[0]), frames))
    figures["chart_points"] = float(READINGS_PER_YEAR)
    figures["chart_ratio"] = figures["chart_frame_ms"] / figures["chart_day_frame_ms"]
    chart.close()
    app.processEvents()
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2] == "quick")
    else:
        print(measure_chart(quick=True))
