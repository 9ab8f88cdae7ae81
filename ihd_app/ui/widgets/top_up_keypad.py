"""The top-up keypad: 20 digits shown 4-4-4-4-4, by touch or keyboard, with the meter's verdict.

Keys: digits type, Backspace removes one, Delete clears, Enter sends (when 20 digits are in),
Escape goes back. Every key has a button too, big enough for a finger at 480x272.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ihd_app.core.prepay_status import TopUpOutcome
from ihd_app.protocol.utrn import UTRN_DIGITS

_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "Clear", "0", "⌫")


def shown_code(digits: str) -> str:
    """``12345`` -> ``1234 5___ ____ ____ ____``: where the consumer is in the code."""
    padded = digits.ljust(UTRN_DIGITS, "_")
    return " ".join(padded[i : i + 4] for i in range(0, UTRN_DIGITS, 4))


class TopUpKeypad(QWidget):
    """Entry of a 20-digit top-up code (UTRN)."""

    #: The 20 digits, when the consumer sends them.
    submitted = Signal(str)
    #: The consumer went back.
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TopUpKeypad")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.digits = ""
        row = QHBoxLayout(self)
        self.row = row
        row.setContentsMargins(8, 6, 8, 6)
        row.setSpacing(10)
        left = QVBoxLayout()
        left.setSpacing(4)
        title = QLabel("Enter your top-up code", self)
        title.setProperty("role", "title")
        title.setWordWrap(True)
        self.code = QLabel(shown_code(""), self)
        self.code.setObjectName("TopUpCode")
        # Title size: the whole grouped code fits one line beside the keys even at 480x272.
        self.code.setProperty("role", "title")
        self.code.setAccessibleName("Top-up code entered so far")
        self.hint = QLabel("20 digits, from your receipt or text message.", self)
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        self.verdict = QLabel("", self)
        self.verdict.setObjectName("TopUpVerdict")
        self.verdict.setWordWrap(True)
        self.verdict.setProperty("role", "value")
        actions = QHBoxLayout()
        self.back = QPushButton("Back", self)
        self.send = QPushButton("Send code", self)
        self.send.setProperty("role", "primary")
        actions.addWidget(self.back)
        actions.addWidget(self.send)
        for widget in (title, self.code, self.hint, self.verdict):
            left.addWidget(widget)
        left.addStretch(1)
        left.addLayout(actions)
        row.addLayout(left, 3)
        grid = QGridLayout()
        grid.setSpacing(4)
        self.keys: dict[str, QPushButton] = {}
        for index, key in enumerate(_KEYS):
            button = QPushButton(key, self)
            button.setObjectName(f"Key{'Backspace' if key == '⌫' else key}")
            button.setAccessibleName("Delete one digit" if key == "⌫" else key)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            button.clicked.connect(lambda _checked=False, k=key: self._press(k))
            grid.addWidget(button, index // 3, index % 3)
            self.keys[key] = button
        row.addLayout(grid, 2)
        self.back.clicked.connect(self.closed)
        self.send.clicked.connect(self._send)
        self._update()

    def reset(self) -> None:
        """Empty, ready for a new code."""
        self.digits = ""
        self._say("")
        self._update()

    def _say(self, sentence: str) -> None:
        # A wrapped label in this column is only given one line by the layout: reserve the
        # lines the sentence needs at the width it has, so no word of a verdict is cut.
        self.verdict.setText(sentence)
        width = max(1, self.verdict.width())
        rect = self.verdict.fontMetrics().boundingRect(
            0, 0, width, 10_000, int(Qt.TextFlag.TextWordWrap), sentence
        )
        self.verdict.setMinimumHeight(rect.height() + 4 if sentence else 0)

    def waiting(self) -> None:
        """The code went to the meter; its answer is awaited."""
        self._say("Checking the code with your meter…")

    def show_outcome(self, outcome: TopUpOutcome) -> None:
        """The meter's verdict, in one sentence; a used or wrong code stays to be corrected."""
        self._say(outcome.sentence())
        if outcome.verdict == "valid":
            self.digits = ""
            self._update()

    def show_error(self, sentence: str) -> None:
        """A code that could not be sent, and why."""
        self._say(sentence)

    def _press(self, key: str) -> None:
        if key == "Clear":
            self.digits = ""
        elif key == "⌫":
            self.digits = self.digits[:-1]
        elif len(self.digits) < UTRN_DIGITS:
            self.digits += key
        self._say("")
        self._update()

    def _send(self) -> None:
        if len(self.digits) == UTRN_DIGITS:
            self.submitted.emit(self.digits)

    def _update(self) -> None:
        self.code.setText(shown_code(self.digits))
        self.send.setEnabled(len(self.digits) == UTRN_DIGITS)
        left = UTRN_DIGITS - len(self.digits)
        self.hint.setText(
            "All 20 digits in: choose Send code."
            if left == 0
            else f"{left} more digit{'s' if left != 1 else ''}, from your receipt."
        )

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        text = event.text()
        if text and text.isdigit() and text.isascii():
            self._press(text)
        elif key == Qt.Key.Key_Backspace:
            self._press("⌫")
        elif key == Qt.Key.Key_Delete:
            self._press("Clear")
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._send()
        elif key == Qt.Key.Key_Escape:
            self.closed.emit()
        else:
            super().keyPressEvent(event)
