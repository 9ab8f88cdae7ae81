"""Pictures of the emulator's window: the whole window with each console in front.

Taken while the meter runs on the qasync loop, so nothing calls ``processEvents`` (it would
re-enter the loop from a coroutine): each picture waits a moment on the loop for Qt to paint.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from meter_emulator.ui.window import MeterWindow

#: Seconds a console is given to lay out and paint before its picture is taken.
PAINT_PAUSE_S = 0.3


async def capture_consoles(
    window: MeterWindow, directory: Path, prefix: str = "meter"
) -> list[Path]:
    """``<prefix>-<console>.png`` for each console tab in front; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    current = window.tabs.currentIndex()
    for name, console in window.consoles().items():
        window.show_console(console)
        await asyncio.sleep(PAINT_PAUSE_S)  # a timer: Qt lays out and paints meanwhile
        path = directory / f"{prefix}-{name}.png"
        window.grab().save(str(path), "PNG")
        paths.append(path)
    window.tabs.setCurrentIndex(current)
    return paths
