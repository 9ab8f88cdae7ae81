"""The prepayment card at the top of Home: the balance first, then emergency credit, debt, how
long the credit lasts, why the power stays on in friendly credit, and the consumer's actions."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ihd_app.core.prepay_status import PrepayStatus, pounds


def status_lines(status: PrepayStatus) -> list[str]:
    """The lines under the balance, most urgent first, in plain words."""
    lines: list[str] = []
    if status.supply == "off":
        lines.append("Electricity is off: top up, then restore the supply.")
    elif status.supply == "armed":
        lines.append("Credit received: choose Restore supply to switch back on.")
    elif status.friendly_credit:
        lines.append(f"Your power stays on because {status.friendly_credit} (friendly credit).")
    if status.emergency_p > 0:
        lines.append(f"Emergency credit left {pounds(status.emergency_p)}")
    elif status.emergency_on_offer:
        lines.append(f"Emergency credit on offer {pounds(status.emergency_limit_p)}")
    if status.debt_p > 0:
        how = []
        if status.debt_rate_p_per_day:
            how.append(f"{pounds(status.debt_rate_p_per_day)} a day")
        if status.debt_percent:
            how.append(f"{status.debt_percent:g}% of top-ups")
        repaid = f" ({', '.join(how)})" if how else ""
        lines.append(f"Debt {pounds(status.debt_p)}{repaid}")
    days = status.days_text()
    if days:
        lines.append(days)
    return lines


class PrepayCard(QFrame):
    """Balance and actions; hidden unless the meter is in prepayment mode."""

    top_up_requested = Signal()
    emergency_requested = Signal()
    restore_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PrepayCard")
        self.setProperty("role", "card")
        row = QHBoxLayout(self)
        self.row = row
        row.setContentsMargins(12, 8, 12, 8)
        column = QVBoxLayout()
        column.setSpacing(2)
        self.balance = QLabel(self)
        self.balance.setObjectName("PrepayBalance")
        self.balance.setProperty("role", "big")
        self.details = QLabel(self)
        self.details.setObjectName("PrepayDetails")
        self.details.setWordWrap(True)
        column.addWidget(self.balance)
        column.addWidget(self.details, 1)
        row.addLayout(column, 1)
        buttons = QVBoxLayout()
        buttons.setSpacing(4)
        self.top_up = QPushButton("Top up", self)
        self.top_up.setProperty("role", "primary")
        self.top_up.setAccessibleName("Top up: enter a 20-digit top-up code")
        self.emergency = QPushButton("Use emergency credit", self)
        self.restore = QPushButton("Restore supply", self)
        self.restore.setProperty("role", "primary")
        for button in (self.top_up, self.emergency, self.restore):
            buttons.addWidget(button)
        buttons.addStretch(1)
        row.addLayout(buttons)
        self.top_up.clicked.connect(self.top_up_requested)
        self.emergency.clicked.connect(self.emergency_requested)
        self.restore.clicked.connect(self.restore_requested)
        self.set_status(None)

    def set_status(self, status: PrepayStatus | None) -> None:
        """Show ``status`` (hidden without one, or in credit mode)."""
        if status is None or not status.prepayment:
            self.hide()
            return
        self.balance.setText(f"Credit {pounds(status.credit_p)}")
        self.details.setText("\n".join(status_lines(status)))
        self.emergency.setVisible(status.emergency_on_offer)
        self.restore.setVisible(status.supply == "armed")
        self.show()
