"""The flexibility event card (Home) and what it says: the next event before it starts, a
countdown while it runs, the reward, and the consumer's Opt out."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ihd_app.core.flexibility import EventPhase, ShownEvent
from ihd_app.ui import text


def countdown(seconds: float) -> str:
    """``1:05:09`` or ``42:10`` (minutes and seconds under an hour)."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def event_line(shown: ShownEvent, now: datetime) -> str:
    """What the event asks and when, in the consumer's words."""
    event = shown.event
    ask = f"use {event.reduction_percent} % less" if event.reduction_percent else "use less"
    if shown.phase is EventPhase.RUNNING:
        return f"Ends in {countdown(shown.remaining_s(now))} · {ask}"
    if shown.phase is EventPhase.OPTED_OUT:
        return "You opted out of this event"
    if shown.phase is EventPhase.UPCOMING:
        return f"{text.window(event.start, event.end, now)} · {ask}"
    return f"{text.clock_span(event.start, event.end)} · {shown.phase.value}"


def shown_on_home(events: list[ShownEvent]) -> ShownEvent | None:
    """The event Home shows: the running one, else the next upcoming one."""
    running = [e for e in events if e.phase is EventPhase.RUNNING]
    upcoming = [e for e in events if e.phase is EventPhase.UPCOMING]
    chosen = running or upcoming
    return chosen[0] if chosen else None


class FlexibilityCard(QFrame):
    """One event: title, when (or how long is left), reward, and Opt out.

    Attributes:
        opt_out_clicked: The originator and event id the consumer opted out of.
    """

    opt_out_clicked = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FlexibilityCard")
        self.setProperty("role", "card")
        self._shown: ShownEvent | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        words = QVBoxLayout()
        words.setSpacing(0)
        self.title = QLabel(self)
        self.title.setProperty("role", "strong")
        self.title.setWordWrap(True)
        self.when = QLabel(self)
        self.when.setObjectName("FlexibilityWhen")
        self.when.setProperty("role", "value")
        self.when.setWordWrap(True)
        self.reward = QLabel(self)
        self.reward.setProperty("role", "muted")
        self.reward.setWordWrap(True)
        for label in (self.title, self.when, self.reward):
            words.addWidget(label)
        layout.addLayout(words, 1)
        self.opt_out = QPushButton("Opt out", self)
        self.opt_out.setObjectName("FlexibilityOptOut")
        self.opt_out.clicked.connect(self._opt_out)
        layout.addWidget(self.opt_out)
        self.hide()

    @property
    def shown(self) -> ShownEvent | None:
        """The event on the card, if any."""
        return self._shown

    def show_event(self, shown: ShownEvent | None, now: datetime) -> None:
        """Show ``shown`` (``None``: hide the card)."""
        self._shown = shown
        if shown is None:
            self.hide()
            return
        prefix = "Now: " if shown.phase is EventPhase.RUNNING else "Coming up: "
        self.title.setText(prefix + shown.event.title + f" ({shown.organisation})")
        self.when.setText(event_line(shown, now))
        self.reward.setText(shown.event.reward)
        self.reward.setVisible(bool(shown.event.reward))
        self.opt_out.setVisible(not shown.phase.over)
        self.show()

    def _opt_out(self) -> None:
        if self._shown is not None:
            self.opt_out_clicked.emit(self._shown.originator, self._shown.event.event_id)
