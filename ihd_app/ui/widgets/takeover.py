"""The full-window takeover of a high or critical message, until it is acknowledged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from ihd_app.core.model import Importance, InboxMessage
from ihd_app.core.readings import Fuel
from ihd_app.ui import text
from ihd_app.ui.icons import message_icon_name, pixmap
from ihd_app.ui.theme import ThemeManager, set_style_property


class TakeoverOverlay(QFrame):
    """Covers the whole window: large title and text, the verified sender, Acknowledge.

    Attributes:
        acknowledge_clicked: The key of the message the consumer acknowledged.
    """

    acknowledge_clicked = Signal(str)

    def __init__(
        self,
        theme: ThemeManager,
        parent: QWidget,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("Takeover")
        self.setAutoFillBackground(True)
        self._theme = theme
        self._clock = clock
        self._message: InboxMessage | None = None
        #: Where the focus was when the takeover came (given back when it goes).
        self._focus_before: QWidget | None = None
        layout = QVBoxLayout(self)
        self._layout = layout
        top = QHBoxLayout()
        self._icon = QLabel(self)
        top.addWidget(self._icon, 0, Qt.AlignmentFlag.AlignTop)
        titles = QVBoxLayout()
        self.importance = QLabel(self)
        self.importance.setProperty("role", "title")
        titles.addWidget(self.importance)
        self.title = QLabel(self)
        self.title.setProperty("role", "huge")
        self.title.setWordWrap(True)
        titles.addWidget(self.title)
        top.addLayout(titles, 1)
        layout.addLayout(top)
        self.body = QLabel(self)
        self.body.setProperty("role", "takeover-text")
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.body, 1)
        self.sender_label = QLabel(self)
        self.sender_label.setProperty("role", "takeover-sender")
        self.sender_label.setWordWrap(True)
        layout.addWidget(self.sender_label)
        self.times = QLabel(self)
        self.times.setWordWrap(True)
        layout.addWidget(self.times)
        self.acknowledge = QPushButton("Acknowledge", self)
        self.acknowledge.setObjectName("TakeoverAcknowledge")
        self.acknowledge.clicked.connect(self._clicked)
        layout.addWidget(self.acknowledge, 0, Qt.AlignmentFlag.AlignHCenter)
        theme.changed.connect(self._restyle)
        self._restyle()
        self.hide()

    @property
    def message(self) -> InboxMessage | None:
        """The message shown (``None`` when hidden)."""
        return self._message

    def show_message(self, message: InboxMessage | None) -> None:
        """Take over the window with ``message``, or give it back (``None``)."""
        previous, self._message = self._message, message
        if message is None:
            self._give_back()
            return
        if self.isHidden():
            focused = QApplication.focusWidget()
            mine = focused is not None and focused.window() is self.window()
            self._focus_before = focused if mine else None
        if previous is None or previous.key != message.key:
            self.acknowledge.setEnabled(True)
        set_style_property(self, "importance", message.importance.value)
        label = "CRITICAL" if message.importance is Importance.CRITICAL else "IMPORTANT"
        fuel = "Gas" if message.fuel is Fuel.GAS else "Electricity"
        self.importance.setText(f"{label} · {fuel}")
        self.title.setText(message.title)
        self.body.setText(message.text)
        self.sender_label.setText(
            f"✔ Verified sender: {message.originator_name} — {text.role_name(message.role)}"
        )
        now = self._clock()
        outage = text.outage_window(message.details, now)
        self.times.setText(
            ("" if outage is None else f"Power off {outage} · ")
            + f"Received {text.when(message.received_at, now)}"
            + ("" if message.end_at is None else f" · until {text.when(message.end_at, now)}")
        )
        self.acknowledge.setText(
            "Acknowledge" if message.confirmation_required else "I have read this"
        )
        self.setAccessibleName(f"{label} message: {message.title}. {message.text}")
        self._restyle()
        self.cover()
        self.show()
        self.raise_()
        self.acknowledge.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Also when it took over before the window opened: Enter or Space acknowledges.
        self.acknowledge.setFocus(Qt.FocusReason.OtherFocusReason)

    def _give_back(self) -> None:
        """Hide, and put the focus back where it was before the takeover (Qt would move it
        to the next control in the window, a navigation item the consumer did not choose)."""
        focused = QApplication.focusWidget()
        had_focus = focused is self or (focused is not None and self.isAncestorOf(focused))
        self.hide()
        if not had_focus:
            return
        before, self._focus_before = self._focus_before, None
        parent = self.parentWidget()
        if before is not None and isValid(before) and before.isVisible():
            before.setFocus(Qt.FocusReason.OtherFocusReason)
        elif parent is not None:
            # Nothing was focused: nothing is (no ring until Tab is pressed).
            parent.setFocus(Qt.FocusReason.OtherFocusReason)

    def cover(self) -> None:
        """Fill the parent."""
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())

    def _restyle(self) -> None:
        # A small panel (480x272) needs every line for the message itself.
        compact = self._theme.sizes.compact
        self._layout.setContentsMargins(*((14, 8, 14, 8) if compact else (32, 20, 32, 20)))
        self._layout.setSpacing(4 if compact else 10)
        if self._message is None:
            return
        size = self._theme.sizes.px("huge") * 2
        image = pixmap(message_icon_name(self._message.type), "#ffffff", 128)
        self._icon.setPixmap(
            image.scaled(
                size,
                size,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def _clicked(self) -> None:
        if self._message is not None:
            # The overlay keeps the focus while the button waits (disabled, a focused button
            # hands its focus to the next control: a navigation item under the overlay).
            self.setFocus(Qt.FocusReason.OtherFocusReason)
            self.acknowledge.setEnabled(False)
            self.acknowledge_clicked.emit(self._message.key)

    def enable(self) -> None:
        """Allow another click (after a failed acknowledgement)."""
        self.acknowledge.setEnabled(True)
        if self.hasFocus():
            self.acknowledge.setFocus(Qt.FocusReason.OtherFocusReason)
