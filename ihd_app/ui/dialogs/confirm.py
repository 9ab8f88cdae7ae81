"""A confirmation before anything that cannot be undone (Forget meter, Wipe local data)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ihd_app.ui.dialogs.follow import FollowWindow

#: How wide a dialog is, in average characters of its font: wide enough that its paragraphs
#: wrap into a few lines, at every window size (fonts scale with the window).
DIALOG_CHARS = 44


def fit_to_text(dialog: QDialog, chars: int = DIALOG_CHARS) -> None:
    """Size ``dialog`` for its font: a minimum width in characters, the height its wrapped
    text needs at that width (so no paragraph is cut off)."""
    dialog.ensurePolished()
    dialog.setMinimumWidth(dialog.fontMetrics().averageCharWidth() * chars)
    dialog.adjustSize()


class ConfirmDialog(QDialog):
    """Asks once; ``accepted`` means go ahead. Open it with :meth:`open` (non-blocking)."""

    def __init__(
        self,
        title: str,
        question: str,
        confirm_label: str,
        parent: QWidget | None = None,
        *,
        danger: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ConfirmDialog")
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.follower = FollowWindow(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(14)
        heading = QLabel(title, self)
        heading.setProperty("role", "title")
        layout.addWidget(heading)
        body = QLabel(question, self)
        body.setWordWrap(True)
        layout.addWidget(body)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("ConfirmCancel")
        self.cancel_button.clicked.connect(self.reject)
        buttons.addWidget(self.cancel_button)
        self.confirm_button = QPushButton(confirm_label, self)
        self.confirm_button.setObjectName("ConfirmAccept")
        self.confirm_button.setProperty("role", "danger" if danger else "primary")
        self.confirm_button.clicked.connect(self.accept)
        buttons.addWidget(self.confirm_button)
        layout.addLayout(buttons)
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        fit_to_text(self)
        self.follower.follow()
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            fit_to_text(self)
            if self.isVisible():
                self.follower.follow()
