"""A confirmation before anything that cannot be undone (Forget meter, Wipe local data)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


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
