"""Pictures of the window: every screen, the takeover, dialogs over a dimmed window.

Everything here runs while the service runs on the qasync loop, so nothing calls
``QApplication.processEvents`` (it would re-enter the loop from inside a coroutine and starve
the service): each picture waits a short time on the loop for Qt to lay out and paint first.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from ihd_app.ui.main_window import MainWindow

#: Seconds a screen is given to lay out and paint before its picture is taken.
PAINT_PAUSE_S = 0.3


def settle(rounds: int = 5) -> None:
    """Let deferred deletes and paints finish (only once the loop's work is over)."""
    app = QApplication.instance()
    if app is not None:
        for _ in range(rounds):
            app.processEvents()


async def paint_pause(seconds: float = PAINT_PAUSE_S) -> None:
    """Give Qt time on the running loop to lay out and paint."""
    await asyncio.sleep(seconds)  # a timer: Qt lays out and paints meanwhile


def over_dimmed(window: QPixmap, dialog: QPixmap) -> QPixmap:
    """``window`` dimmed with ``dialog`` centred over it, framed (as the consumer sees it)."""
    picture = QPixmap(window)
    painter = QPainter(picture)
    painter.fillRect(picture.rect(), QColor(0, 0, 0, 120))
    ratio = picture.devicePixelRatio() or 1.0
    width, height = picture.width() / ratio, picture.height() / ratio
    over_w, over_h = dialog.width() / ratio, dialog.height() / ratio
    top_left = QPoint(int((width - over_w) / 2), int((height - over_h) / 2))
    painter.drawPixmap(top_left, dialog)
    painter.setPen(QPen(QColor("#8a94a0"), 2))
    painter.drawRect(top_left.x() - 1, top_left.y() - 1, int(over_w) + 1, int(over_h) + 1)
    painter.end()
    return picture


async def grab_live(
    window: QWidget, path: Path, dialog: QDialog | None = None, *, hidden: QWidget | None = None
) -> Path:
    """Save a picture of ``window`` (with ``dialog`` over it, if given; without ``hidden``, if
    given) once it has painted."""
    if hidden is not None:
        hidden.hide()
    await paint_pause()
    if hidden is not None and hidden.isVisible():
        hidden.hide()  # shown again meanwhile (the inbox changed): one more paint without it
        await paint_pause()
    if dialog is not None:
        # The window may just have been resized (fonts scale with it): refit the dialog.
        dialog.adjustSize()
        await paint_pause()
    picture = window.grab()
    if dialog is not None:
        picture = over_dimmed(picture, dialog.grab())
    path.parent.mkdir(parents=True, exist_ok=True)
    picture.save(str(path), "PNG")
    return path


async def capture_screens_live(window: MainWindow, directory: Path, prefix: str) -> list[Path]:
    """One picture per screen, ``<prefix>-<screen>.png``, for a window whose service runs.

    A message taking over the window covers every screen: it is pictured once,
    ``<prefix>-takeover.png``, and each screen as it looks once the message is acknowledged
    (the takeover is only hidden for the pictures, then shown again, still to acknowledge).
    """
    paths = []
    if window.takeover.isVisible():
        paths.append(await grab_live(window, directory / f"{prefix}-takeover.png"))
    for index, screen in enumerate(window.screens):
        if not window.is_available(index):
            continue  # the Developer screen, unless Developer tools are on
        window.show_screen(index)
        path = directory / f"{prefix}-{screen.label.lower()}.png"
        paths.append(await grab_live(window, path, hidden=window.takeover))
    window.show_screen(0)
    window.takeover.show_message(window.context.service.takeover_message())
    return paths
