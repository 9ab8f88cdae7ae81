"""A dialog telling the person that a damaged data file was set aside (renamed, not deleted).

The service logs :data:`~ihd_app.protocol.set_aside.SET_ASIDE_EVENT` when its database or bonds
file could not be read; without a terminal, this dialog is where the person learns which file it
was, where it is kept and what the display does without it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ihd_app.protocol.set_aside import SET_ASIDE_EVENT

logger = logging.getLogger(__name__)

Subscribe = Callable[[Callable[[dict[str, Any]], None]], Callable[[], None]]


def show_set_aside(parent: QWidget, sentence: str) -> QMessageBox:
    """Open (without blocking) a warning dialog over ``parent`` saying ``sentence``."""
    dialog = QMessageBox(
        QMessageBox.Icon.Warning,
        "A damaged file was set aside",
        sentence,
        QMessageBox.StandardButton.Ok,
        parent,
    )
    dialog.setObjectName("set-aside-dialog")
    dialog.setAccessibleName("A damaged file was set aside")
    # Paths are long: let them wrap and be copied.
    dialog.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.open()
    return dialog


def tell_set_aside_files(parent: QWidget, subscribe: Subscribe) -> Callable[[], None]:
    """Tell, in a dialog over ``parent``, of every file the service sets aside from now on.

    A damaged database and bonds file are found within moments of each other: the second
    sentence joins the dialog still open rather than stacking a second one on top.

    Returns:
        A function that stops listening.
    """
    open_dialog: list[QMessageBox] = []

    def listener(event: dict[str, Any]) -> None:
        if event.get("event") != SET_ASIDE_EVENT:
            return
        sentence = str(event.get("detail", ""))
        logger.warning("%s", sentence)
        if open_dialog and open_dialog[0].isVisible():
            open_dialog[0].setText(f"{open_dialog[0].text()}\n\n{sentence}")
            return
        dialog = show_set_aside(parent, sentence)
        open_dialog[:] = [dialog]
        dialog.finished.connect(lambda _result: open_dialog.clear())

    return subscribe(listener)
