"""A dialog for a display that cannot start at all (its data dir's database refused, ...).

Started from a desktop menu there is no terminal to read stderr on: the person is told in a
window, which closes the program when dismissed (or after ``--exit-after`` in automation).
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox


async def tell_startup_failure(error: BaseException, exit_after: float | None = None) -> None:
    """Show why the display cannot start and return once the dialog is dismissed.

    Args:
        error: What stopped it; its message is the sentence shown.
        exit_after: Close the dialog by itself after this many seconds (automation).
    """
    dialog = QMessageBox(
        QMessageBox.Icon.Critical,
        "The display cannot start",
        f"The display cannot start: {error}",
        QMessageBox.StandardButton.Close,
    )
    dialog.setObjectName("startup-failure-dialog")
    dialog.setAccessibleName("The display cannot start")
    dialog.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    loop = asyncio.get_running_loop()
    dismissed: asyncio.Future[None] = loop.create_future()

    def on_finished(_result: int) -> None:
        if not dismissed.done():
            dismissed.set_result(None)

    dialog.finished.connect(on_finished)
    timer = loop.call_later(exit_after, dialog.reject) if exit_after is not None else None
    dialog.open()
    if QGuiApplication.platformName() != "offscreen":  # which warns it cannot raise windows
        # It is the only window: take the keyboard, so Return or Escape closes it.
        dialog.raise_()
        dialog.activateWindow()
    try:
        await dismissed
    finally:
        if timer is not None:
            timer.cancel()
        dialog.deleteLater()
