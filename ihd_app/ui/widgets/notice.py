"""A bar above the screens for failures of background actions ("Could not connect: ...")."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget


class NoticeBar(QLabel):
    """Shows one notice for a while, then hides."""

    def __init__(self, parent: QWidget | None = None, *, seconds: float = 10.0) -> None:
        super().__init__(parent)
        self.setObjectName("Notice")
        self.setWordWrap(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(seconds * 1000))
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_notice(self, message: str) -> None:
        """Show ``message``."""
        self.setText(message)
        self.show()
        self._timer.start()

    def stop(self) -> None:
        """Hide now and stop the timer."""
        self._timer.stop()
        self.hide()
