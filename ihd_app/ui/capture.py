"""Pictures of the window: every screen, the takeover, dialogs over a dimmed window."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from ihd_app.ui.main_window import MainWindow


def settle(rounds: int = 5) -> None:
    """Let layouts, style polish and deferred paints finish."""
    app = QApplication.instance()
    if app is not None:
        for _ in range(rounds):
            app.processEvents()


def grab(widget: QWidget, path: Path) -> Path:
    """Save a picture of ``widget``."""
    settle()
    path.parent.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(path), "PNG")
    return path


def grab_with_dialog(window: QWidget, dialog: QDialog, path: Path) -> Path:
    """The window, dimmed, with ``dialog`` centred over it (as the consumer sees it)."""
    settle()
    picture = window.grab()
    dialog.adjustSize()
    settle()
    over = dialog.grab()
    painter = QPainter(picture)
    painter.fillRect(picture.rect(), QColor(0, 0, 0, 120))
    ratio = picture.devicePixelRatio() or 1.0
    width, height = picture.width() / ratio, picture.height() / ratio
    top_left = QPoint(
        int((width - over.width() / ratio) / 2), int((height - over.height() / ratio) / 2)
    )
    painter.drawPixmap(top_left, over)
    painter.setPen(QPen(QColor("#8a94a0"), 2))
    painter.drawRect(
        top_left.x() - 1,
        top_left.y() - 1,
        int(over.width() / ratio) + 1,
        int(over.height() / ratio) + 1,
    )
    painter.end()
    path.parent.mkdir(parents=True, exist_ok=True)
    QPixmap(picture).save(str(path), "PNG")
    return path


async def capture_screens_live(window: MainWindow, directory: Path, prefix: str) -> list[Path]:
    """Like :func:`capture_screens`, for a window whose service is running on the loop.

    ``processEvents`` would re-enter the qasync loop from inside a coroutine and starve the
    service; instead each screen gets a short pause on the loop to lay out and paint.
    """
    paths = []
    for index, screen in enumerate(window.screens):
        window.show_screen(index)
        await asyncio.sleep(0.3)  # a timer: let Qt lay out and paint this screen
        path = directory / f"{prefix}-{screen.label.lower()}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(path), "PNG")
        paths.append(path)
    window.show_screen(0)
    return paths


def capture_screens(window: MainWindow, directory: Path, prefix: str) -> list[Path]:
    """One picture per screen: ``<prefix>-<screen>.png``."""
    paths = []
    for index, screen in enumerate(window.screens):
        window.show_screen(index)
        paths.append(grab(window, directory / f"{prefix}-{screen.label.lower()}.png"))
    window.show_screen(0)
    return paths
