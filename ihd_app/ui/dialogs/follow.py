"""A dialog stays over the window it belongs to.

A dialog is a window of its own for the window manager: moved, the display's window would
leave its pairing question behind. Centred on the display's window when shown and whenever
that window moves or is resized.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QDialog, QWidget


def centre_over(dialog: QDialog, window: QWidget) -> None:
    """Put ``dialog``'s frame in the middle of ``window``'s frame."""
    frame = dialog.frameGeometry()
    centre = window.frameGeometry().center()
    dialog.move(centre.x() - frame.width() // 2, centre.y() - frame.height() // 2)


class FollowWindow(QObject):
    """Keeps ``dialog`` centred over the window of its parent (a child of the dialog: it goes
    with it)."""

    def __init__(self, dialog: QDialog) -> None:
        super().__init__(dialog)
        self._dialog = dialog
        parent = dialog.parentWidget()
        self.window = parent.window() if parent is not None else None
        if self.window is not None:
            self.window.installEventFilter(self)

    def follow(self) -> None:
        """Centre the dialog over the window now."""
        if self.window is not None:
            centre_over(self._dialog, self.window)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.window
            and event.type() in (QEvent.Type.Move, QEvent.Type.Resize)
            and self._dialog.isVisible()
        ):
            self.follow()
        return False
