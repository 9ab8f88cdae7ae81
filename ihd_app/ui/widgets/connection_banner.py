"""A banner above the screens saying why the display is not connected, with what to do.

It stays while the problem lasts (unlike the notice bar, which shows one failure for a while):
"waiting for the meter's radio" goes by itself when the meter appears; "pairing refused" waits
for the consumer to press Pair again, because pairing again by itself would put a new number on
both screens with nobody looking.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from ihd_app.service.api import ConnectionProblem, ProblemKind

#: Narrower than this (a 480x272 panel), the banner says it in fewer words; the tooltip and
#: the accessible name keep them all.
COMPACT_WIDTH = 640


class ConnectionBanner(QFrame):
    """Shows a :class:`ConnectionProblem`; hidden when there is none.

    Signals:
        pair_again: The consumer pressed Pair again.
    """

    pair_again = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ConnectionBanner")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 12, 6)
        row.setSpacing(10)
        self.message = QLabel(self)
        self.message.setObjectName("ConnectionBannerText")
        self.message.setWordWrap(True)
        self.message.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        row.addWidget(self.message, 1)
        self.button = QPushButton("Pair again", self)
        self.button.setObjectName("PairAgain")
        self.button.setProperty("role", "primary")
        self.button.setAccessibleName("Pair again with the meter")
        self.button.clicked.connect(self.pair_again)
        row.addWidget(self.button)
        self.problem: ConnectionProblem | None = None
        self.hide()

    def show_problem(self, problem: ConnectionProblem | None) -> None:
        """Show ``problem`` (``None``: hide)."""
        self.problem = problem
        if problem is None:
            self.hide()
            return
        self.button.setVisible(problem.kind is not ProblemKind.RADIO_UNAVAILABLE)
        self.button.setText(
            "Try again" if problem.kind is ProblemKind.METER_NOT_TRUSTED else "Pair again"
        )
        self.setProperty("kind", problem.kind.value)
        self.style().unpolish(self)
        self.style().polish(self)
        self._say()
        self.show()

    def _say(self) -> None:
        problem = self.problem
        if problem is None:
            return
        if problem.kind is ProblemKind.PAIRING_REFUSED:
            full = f"Pairing refused. {problem.detail}"
            short = "Pairing refused: nothing was stored. Check the numbers, then Pair again."
        elif problem.kind is ProblemKind.METER_NOT_TRUSTED:
            full = f"Meter not accepted. {problem.detail}"
            short = full.split(":", 1)[0].rstrip(".") + "."
        else:
            full = (
                f"Waiting for the meter's radio: {problem.detail}. "
                "The display keeps trying and connects as soon as the meter appears."
            )
            short = f"Waiting for the meter: {problem.detail}."
        self.message.setText(short if self.width() < COMPACT_WIDTH else full)
        self.message.setToolTip(full)
        self.message.setAccessibleName(full)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._say()
