"""The full-window notice that a flexibility event has started: what it asks, the countdown,
the reward, and the consumer's choice (take part, or opt out)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ihd_app.core.flexibility import ShownEvent
from ihd_app.protocol.demand_response import device_class_names
from ihd_app.ui.theme import ThemeManager
from ihd_app.ui.widgets.flexibility_card import event_line


class FlexibilityTakeover(QFrame):
    """Covers the window when an event starts, until the consumer chooses.

    Attributes:
        opt_out_clicked: The originator and event id the consumer opted out of.
        take_part_clicked: The key of the event the consumer takes part in.
    """

    opt_out_clicked = Signal(str, int)
    take_part_clicked = Signal(str)

    def __init__(self, theme: ThemeManager, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("FlexibilityTakeover")
        self.setAutoFillBackground(True)
        self._theme = theme
        self._shown: ShownEvent | None = None
        layout = QVBoxLayout(self)
        self._layout = layout
        self.heading = QLabel("Flexibility event now", self)
        self.heading.setProperty("role", "huge")
        self.heading.setWordWrap(True)
        self.title = QLabel(self)
        self.title.setProperty("role", "title")
        self.title.setWordWrap(True)
        self.when = QLabel(self)
        self.when.setObjectName("FlexibilityTakeoverWhen")
        self.when.setProperty("role", "takeover-text")
        self.when.setWordWrap(True)
        self.reward = QLabel(self)
        self.reward.setProperty("role", "takeover-text")
        self.reward.setWordWrap(True)
        self.devices = QLabel(self)
        self.devices.setWordWrap(True)
        for label in (self.heading, self.title, self.when, self.reward, self.devices):
            layout.addWidget(label)
        layout.addStretch(1)
        buttons = QHBoxLayout()
        self.take_part = QPushButton("Take part", self)
        self.take_part.clicked.connect(self._take_part)
        self.opt_out = QPushButton("Opt out", self)
        self.opt_out.clicked.connect(self._opt_out)
        buttons.addWidget(self.take_part)
        buttons.addWidget(self.opt_out)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        theme.changed.connect(self._restyle)
        self._restyle()
        self.hide()

    @property
    def shown(self) -> ShownEvent | None:
        """The event covering the window, if any."""
        return self._shown if self.isVisible() else None

    def show_event(self, shown: ShownEvent | None, now: datetime, agreed: int = 0) -> None:
        """Cover the window with ``shown`` (``None``: uncover). ``agreed``: the device classes
        the householder lets this originator control (named, so nobody is surprised)."""
        self._shown = shown
        if shown is None:
            self.hide()
            return
        event = shown.event
        self.title.setText(f"{event.title} — from {shown.organisation}")
        self.when.setText(event_line(shown, now))
        self.reward.setText(event.reward)
        self.reward.setVisible(bool(event.reward))
        controlled = device_class_names(event.device_class & agreed)
        self.devices.setText(
            f"With your agreement the meter pauses: {', '.join(controlled)}" if controlled else ""
        )
        self.devices.setVisible(bool(controlled))
        self.cover()
        if not self.isVisible():
            self.show()
            self.raise_()

    def cover(self) -> None:
        """Fill the parent."""
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())

    def _restyle(self) -> None:
        compact = self._theme.sizes.compact
        self._layout.setContentsMargins(*((14, 8, 14, 8) if compact else (32, 20, 32, 20)))
        self._layout.setSpacing(2 if compact else 10)

    def _take_part(self) -> None:
        if self._shown is not None:
            self.take_part_clicked.emit(self._shown.key)
        self.hide()

    def _opt_out(self) -> None:
        if self._shown is not None:
            self.opt_out_clicked.emit(self._shown.originator, self._shown.event.event_id)
        self.hide()
