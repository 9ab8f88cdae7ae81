"""The Prepayment tab: the meter's balance, and the supplier's prepayment commands (payment
mode, remote top-up, a vended top-up code), each signed and verified like any operator command."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.utrn import group_utrn
from meter_emulator.behaviour.prepayment import pounds
from meter_emulator.operator.prepay_requests import payment_mode_request, top_up_request
from meter_emulator.operator.status import DeliveryStatus
from meter_emulator.runtime import MeterRuntime

SUPPLIER = "supplier"


def _pence_box(parent: QWidget, pence: int, name: str) -> QSpinBox:
    box = QSpinBox(parent)
    box.setRange(1, 99_999)
    box.setValue(pence)
    box.setPrefix("£ ")
    box.setSuffix(" p")
    box.setAccessibleName(name)
    return box


class PrepaymentPanel(QWidget):
    """Balance and the supplier's prepayment commands.

    Args:
        runtime: The running meter (its prepayment and operator console).
    """

    def __init__(self, runtime: MeterRuntime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runtime = runtime
        self._events = 0
        self.setObjectName("PrepaymentPanel")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "The meter's prepayment account, and what the supplier may do to it: each button "
            "signs a command as the supplier, which the meter verifies before acting.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.balance = QLabel(self)
        self.balance.setObjectName("prepayBalance")
        self.balance.setWordWrap(True)
        self.balance.setAccessibleName("The meter's prepayment balance")
        layout.addWidget(self.balance)
        modes = QHBoxLayout()
        self.to_prepayment = QPushButton("Switch to prepayment", self)
        self.to_prepayment.setAccessibleName("Switch to prepayment: the supplier signs it")
        self.to_credit = QPushButton("Switch to credit", self)
        self.to_credit.setAccessibleName("Switch to credit: the supplier signs it")
        modes.addWidget(self.to_prepayment)
        modes.addWidget(self.to_credit)
        modes.addStretch(1)
        layout.addLayout(modes)
        top_up = QHBoxLayout()
        self.top_up_pence = _pence_box(self, 1000, "Remote top-up amount in pence")
        self.top_up = QPushButton("Top up remotely", self)
        self.top_up.setAccessibleName("Top up remotely: the supplier signs a credit adjustment")
        top_up.addWidget(self.top_up_pence)
        top_up.addWidget(self.top_up)
        top_up.addStretch(1)
        layout.addLayout(top_up)
        vend = QHBoxLayout()
        self.vend_pence = _pence_box(self, 2000, "Top-up code amount in pence")
        self.vend = QPushButton("Vend a top-up code", self)
        self.vend.setAccessibleName("Vend a 20-digit top-up code for the consumer to type")
        vend.addWidget(self.vend_pence)
        vend.addWidget(self.vend)
        vend.addStretch(1)
        layout.addLayout(vend)
        self.code = QLabel(self)
        self.code.setObjectName("prepayCode")
        self.code.setAccessibleName("The last top-up code vended")
        self.code.setProperty("role", "title")
        layout.addWidget(self.code)
        self.result = QLabel(self)
        self.result.setObjectName("prepayResult")
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Result of the last prepayment command")
        layout.addWidget(self.result)
        layout.addStretch(1)
        self.to_prepayment.clicked.connect(lambda: self.switch(prepayment=True))
        self.to_credit.clicked.connect(lambda: self.switch(prepayment=False))
        self.top_up.clicked.connect(
            lambda: self._send(
                top_up_request(self.top_up_pence.value(), self._event()), "Remote top-up"
            )
        )
        self.vend.clicked.connect(self.vend_code)
        self.refresh()

    def _event(self) -> int:
        self._events += 1
        return self._events

    def switch(self, *, prepayment: bool) -> None:
        """The supplier's signed payment mode."""
        what = "Switch to prepayment" if prepayment else "Switch to credit"
        self._send(payment_mode_request(prepayment, self._event()), what)

    def vend_code(self) -> str:
        """A top-up code for the amount chosen, shown for the consumer to type on the display."""
        code = self._runtime.prepayment.issue_utrn(self.vend_pence.value())
        self.code.setText(group_utrn(code))
        self._say(f"Code for {pounds(self.vend_pence.value())}: type it on the display.", ok=True)
        return code

    def _send(self, request: MessageRequest, what: str) -> None:
        try:
            record = self._runtime.operator.send(SUPPLIER, request)
        except IhdError as error:
            self._say(f"{what}: not sent: {error}", ok=False)
            return
        if record.status is DeliveryStatus.REFUSED:
            why = f"{record.refused_reason} {record.refused_detail or ''}".strip()
            self._say(f"{what}: refused by the meter: {why}", ok=False)
        else:
            self._say(f"{what}: {record.outcome or record.status.value}", ok=True)
        self.refresh()

    def refresh(self) -> None:
        """Show the account as it is now."""
        account = self._runtime.prepayment.account
        if account.mode.value == "credit":
            self.balance.setText("Credit mode: no prepayment balance.")
            return
        parts = [f"Credit {pounds(account.credit_p)}", f"supply {account.supply.value}"]
        if account.emergency_taken:
            parts.append(f"emergency credit left {pounds(account.emergency_remaining_p)}")
        if account.total_debt_p >= 1:
            parts.append(f"debt {pounds(account.total_debt_p)}")
        self.balance.setText("Prepayment: " + ", ".join(parts))

    def _say(self, text: str, *, ok: bool) -> None:
        self.result.setText(text)
        self.result.setProperty("tone", "good" if ok else "bad")
        self.result.style().unpolish(self.result)
        self.result.style().polish(self.result)
