"""The operators' inbox tab: what the meter told each operator (outage with its last gasp,
restoration with the outage's length, extreme voltage, safety and tamper, the gas valve, load
limit), each verified by its operator before it is shown, and the operators' messages no display
receipted in time."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from meter_emulator.operator.inbox import OperatorInbox
from meter_emulator.ui.models.inbox import ROLE_NAMES, OperatorInboxModel
from meter_emulator.ui.widgets.wrapping_table import WrappingTable

#: Events after which the inbox may have changed.
REFRESH_EVENTS = ("operator.alert", "operator.overdue", "receipt", "status")


class InboxPanel(QWidget):
    """The inbox table, with a filter by operator.

    Args:
        inbox: The operators' inbox of the running meter.
        parent: Qt parent.
    """

    def __init__(self, inbox: OperatorInbox, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._inbox = inbox
        self.setObjectName("InboxPanel")
        layout = QVBoxLayout(self)
        minutes = inbox.receipt_timeout.total_seconds() / 60
        intro = QLabel(
            "Alerts the meter signed for the operator that owns them. Each is verified by that "
            "operator (the meter's certificate, the policy, no replay) before it is shown; a "
            f"refused one shows its reason. Messages to the display with no receipt within "
            f"{minutes:g} min are flagged: use another route.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        label = QLabel("Show alerts for:", self)
        self.role = QComboBox(self)
        self.role.setObjectName("inboxRole")
        self.role.setAccessibleName("Show the alerts of one operator, or of all")
        self.role.addItem("All operators", None)
        for role, name in ROLE_NAMES.items():
            self.role.addItem(name, role)
        label.setBuddy(self.role)
        self.role.currentIndexChanged.connect(lambda _index: self.refresh())
        row.addWidget(label)
        row.addWidget(self.role)
        row.addStretch(1)
        self.counts = QLabel(self)
        self.counts.setObjectName("inboxCounts")
        row.addWidget(self.counts)
        layout.addLayout(row)
        self.model = OperatorInboxModel(self)
        # Time, operator and severity as wide as they are; the rest wraps.
        self.table = WrappingTable((None, None, None, 1.0, 1.0, 2.0), self)
        self.table.setObjectName("inboxTable")
        self.table.setAccessibleName("Operators' inbox: alerts from the meter and overdue receipts")
        self.table.setModel(self.model)
        layout.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        """Show the inbox as it is now (of the chosen operator)."""
        role = self.role.currentData()
        self.model.show_inbox(self._inbox, role if isinstance(role, str) else None)
        rows = self.model.rows
        verified = sum(1 for r in rows if r.signer.startswith("verified"))
        refused = sum(1 for r in rows if r.severity == "refused")
        overdue = sum(1 for r in rows if r.severity == "overdue")
        self.counts.setText(f"{verified} verified · {refused} refused · {overdue} overdue")
