"""Home's "Read aloud" button (and its key, R): the figures on the screen, spoken."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QPushButton, QWidget

from ihd_app.ui.context import UiContext
from ihd_app.ui.icons import icon
from ihd_app.ui.spoken import TodayUsage, home_summary

#: The key that reads Home aloud (shown in the tooltip and said in the accessible description).
KEY = Qt.Key.Key_R
TEXT = "Read aloud"


class ReadAloudButton(QPushButton):
    """Reads today's use and cost, the demand now and the prices; hidden where nothing speaks.

    A reading on request is cut short by an alarm or a message taking over the screen, and by
    pressing again (which reads the figures afresh).
    """

    def __init__(
        self, context: UiContext, today: TodayUsage, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ReadAloud")
        self.context = context
        self._today = today
        self.setAccessibleName(TEXT)
        self.setAccessibleDescription(
            "Reads aloud what is being used now, what it costs, today's totals and the "
            "electricity price (key R)."
        )
        self.setToolTip(f"{TEXT} (R)")
        self.clicked.connect(self.read)
        # Owned by the button: active only while it is visible, so only on Home, and not at all
        # where nothing can speak.
        self.key_shortcut = QShortcut(QKeySequence(KEY), self)
        self.key_shortcut.activated.connect(self.read)
        context.theme.changed.connect(self._restyle)
        self._restyle()
        self.setVisible(context.speaker.available)

    def _restyle(self) -> None:
        theme = self.context.theme
        self.setIcon(icon("speak", theme.palette.hex("fg")))
        # A small panel has room beside the link badge for the icon only (the accessible name
        # and the tooltip carry the words).
        self.setText("" if theme.sizes.compact else TEXT)
        side = 18 if theme.sizes.compact else 22
        self.setIconSize(QSize(side, side))

    def read(self) -> None:
        """Read the Home figures aloud now (cutting short an earlier reading on request)."""
        context = self.context
        summary = home_summary(
            context.service, context.clock(), self._today, context.settings.ambient
        )
        context.speaker.say(summary, interruptible=True)
