"""Pairing questions: numeric comparison, passkey entry, passkey display.

Each dialog emits :attr:`PairingDialog.answered` exactly once with ``(accepted, passkey)``,
unless the service withdrew the question first (:meth:`PairingDialog.dismiss`).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRegularExpression, Qt, Signal
from PySide6.QtGui import QCloseEvent, QRegularExpressionValidator, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ihd_app.service.api import PairingQuestion, PairingRequest
from ihd_app.ui.dialogs.confirm import fit_to_text
from ihd_app.ui.dialogs.follow import FollowWindow


def six_digits(number: int) -> str:
    """``123 456``: easier to compare aloud."""
    text = f"{number:06d}"
    return f"{text[:3]} {text[3:]}"


class PairingDialog(QDialog):
    """Base: a title, an explanation, buttons; answers once."""

    #: ``(accepted, passkey or None)``.
    answered = Signal(bool, object)

    def __init__(self, request: PairingRequest, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.request = request
        self._done = False
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.follower = FollowWindow(self)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(28, 22, 28, 22)
        self.layout_.setSpacing(14)
        heading = QLabel(title, self)
        heading.setProperty("role", "title")
        self.layout_.addWidget(heading)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(12)

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

    def add_text(self, text: str, role: str = "") -> QLabel:
        """A paragraph (or a big number with ``role``)."""
        label = QLabel(text, self)
        label.setWordWrap(True)
        if role:
            label.setProperty("role", role)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.layout_.addWidget(label)
        return label

    def add_button(self, text: str, name: str, *, primary: bool = False) -> QPushButton:
        """A large button."""
        button = QPushButton(text, self)
        button.setObjectName(name)
        if primary:
            button.setProperty("role", "primary")
        self.buttons.addWidget(button)
        return button

    def finish_layout(self) -> None:
        """Put the buttons at the bottom."""
        self.layout_.addStretch(1)
        self.layout_.addLayout(self.buttons)

    def answer(self, accepted: bool, passkey: int | None = None) -> None:
        """Answer once, then close."""
        if not self._done:
            self._done = True
            self.answered.emit(accepted, passkey)
        self.done(QDialog.DialogCode.Accepted if accepted else QDialog.DialogCode.Rejected)

    def dismiss(self) -> None:
        """The question went away (answered elsewhere, timed out): close without answering."""
        self._done = True
        self.close()

    def reject(self) -> None:
        """Escape or the window's close button: the answer is No."""
        if not self._done:
            self.answer(False)
        else:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._done:
            self._done = True
            self.answered.emit(False, None)
        super().closeEvent(event)


class CompareDialog(PairingDialog):
    """ "Does the meter show 123 456?" Yes / No (LE Secure Connections numeric comparison)."""

    def __init__(self, request: PairingRequest, parent: QWidget | None = None) -> None:
        super().__init__(request, "Pair with the meter", parent)
        self.setObjectName("CompareDialog")
        number = six_digits(request.number or 0)
        self.add_text("Does the meter show this number?")
        self.number = self.add_text(number, "huge")
        self.number.setObjectName("PairingNumber")
        self.add_text(
            "Only answer Yes if the numbers are the same. A different number means another "
            "device may be trying to listen in.",
            "",
        ).setProperty("role", "muted")
        self.no = self.add_button("No, different", "PairingNo")
        self.yes = self.add_button("Yes, it matches", "PairingYes", primary=True)
        self.no.clicked.connect(lambda: self.answer(False))
        self.yes.clicked.connect(lambda: self.answer(True))
        self.finish_layout()
        self.setAccessibleName(f"Does the meter show {number}?")


class PasskeyDialog(PairingDialog):
    """Type the six-digit passkey the meter shows."""

    def __init__(self, request: PairingRequest, parent: QWidget | None = None) -> None:
        super().__init__(request, "Pair with the meter", parent)
        self.setObjectName("PasskeyDialog")
        self.add_text("Type the six-digit passkey shown on the meter's screen.")
        self.entry = QLineEdit(self)
        self.entry.setObjectName("PasskeyEntry")
        self.entry.setProperty("role", "passkey")
        self.entry.setMaxLength(6)
        self.entry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.entry.setPlaceholderText("000000")
        self.entry.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.entry.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,6}"), self))
        self.entry.setAccessibleName("Passkey")
        self.layout_.addWidget(self.entry)
        self.cancel = self.add_button("Cancel", "PasskeyCancel")
        self.ok = self.add_button("Pair", "PasskeyOk", primary=True)
        self.ok.setEnabled(False)
        self.entry.textChanged.connect(lambda value: self.ok.setEnabled(len(value) == 6))
        self.entry.returnPressed.connect(self._submit)
        self.cancel.clicked.connect(lambda: self.answer(False))
        self.ok.clicked.connect(self._submit)
        self.finish_layout()
        self.entry.setFocus()

    def _submit(self) -> None:
        value = self.entry.text()
        if len(value) == 6 and value.isdigit():
            self.answer(True, int(value))


class ShowPasskeyDialog(PairingDialog):
    """Show a passkey to type on the meter."""

    def __init__(self, request: PairingRequest, parent: QWidget | None = None) -> None:
        super().__init__(request, "Pair with the meter", parent)
        self.setObjectName("ShowPasskeyDialog")
        self.add_text("Type this passkey on the meter:")
        self.number = self.add_text(six_digits(request.number or 0), "huge")
        self.cancel = self.add_button("Cancel pairing", "ShowPasskeyCancel")
        self.cancel.clicked.connect(lambda: self.answer(False))
        self.finish_layout()


def pairing_dialog(request: PairingRequest, parent: QWidget | None = None) -> PairingDialog:
    """The dialog for ``request``."""
    if request.question is PairingQuestion.COMPARE:
        return CompareDialog(request, parent)
    if request.question is PairingQuestion.ENTER_PASSKEY:
        return PasskeyDialog(request, parent)
    return ShowPasskeyDialog(request, parent)
