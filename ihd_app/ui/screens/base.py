"""What every screen shares: its context, the topics it follows, refresh when visible."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ihd_app.service.api import Topic
from ihd_app.ui.context import UiContext


class Screen(QWidget):
    """A screen: refreshes on its topics while shown, catches up when shown again.

    Subclasses set :attr:`topics` and implement :meth:`refresh`.
    """

    #: The notifications this screen shows.
    topics: frozenset[Topic] = frozenset()
    #: Navigation label and icon.
    label = ""
    icon_name = ""

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName(f"Screen-{type(self).__name__}")
        self._stale: set[Topic] = set()
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(14, 10, 14, 10)
        self.layout_.setSpacing(8)
        context.theme.changed.connect(self._theme_changed)

    def heading(self, text: str) -> QLabel:
        """The screen's title."""
        label = QLabel(text, self)
        label.setProperty("role", "heading")
        self.layout_.addWidget(label)
        return label

    def notify(self, topic: Topic) -> None:
        """A change of ``topic``: refresh now if shown, else when shown."""
        if topic not in self.topics:
            return
        if self.isVisible():
            self.refresh(topic)
        else:
            self._stale.add(topic)

    def refresh(self, topic: Topic | None = None) -> None:
        """Show the service's state (``topic``: what changed; ``None``: everything)."""

    def tick(self) -> None:
        """Time passed (prices and "next change" move on); refresh what depends on the clock."""

    def shutdown(self) -> None:
        """The window closes: stop listening and polling (most screens have nothing to stop)."""

    def _theme_changed(self) -> None:
        if self.isVisible():
            self.refit_text()

    def refit_text(self) -> None:
        """Measure the wrapped text again. The layouts keep each wrapping label's height for
        its width, and a font change made while the screen was hidden (the window took its
        size) left the old height: the last lines were cut off when the screen was opened."""
        for label in self.findChildren(QLabel):
            if label.wordWrap():
                label.updateGeometry()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refit_text()
        if self._stale:
            self._stale.clear()
            self.refresh(None)
