"""The operator console's supply-switch buttons: Disconnect, Enable (arm) and Clear safety alarm,
each signed as the role chosen in the compose form and enabled only for the roles the policy
lets send it (seed use case 18 steps 5-7)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.pki.roles import Role
from ihd_app.protocol.policy import Policy
from meter_emulator.operator.console import OperatorConsole
from meter_emulator.operator.status import MessageRecord

#: What the disconnection says to the consumer when the operator gave no reason.
DEFAULT_WHY = {
    "dno": "a dangerous condition was reported at your meter",
    "supplier": "your account needs attention; please call us",
}


class SupplyButtons(QWidget):
    """Three buttons acting on the meter's supply switch as the chosen role.

    Args:
        console: The operator console (signs and sends through the meter).
        policy: Which role may send which supply command.
        role: The role chosen in the compose form.
        why: What the compose form's text says (the disconnection's reason), if anything.
        report: Shows the outcome (what was done, and the status-table row) or the problem.
        parent: Qt parent.
    """

    def __init__(
        self,
        console: OperatorConsole,
        policy: Policy,
        role: Callable[[], str],
        why: Callable[[], str],
        report: Callable[[str, MessageRecord | None, str | None], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._console = console
        self._policy = policy
        self._role = role
        self._why = why
        self._report = report
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.addWidget(QLabel("Supply switch:", self))
        self.disconnect_button = self._button(
            "Disconnect", "supply.disconnect", "Switch the home's electricity off remotely"
        )
        self.disconnect_button.clicked.connect(self.send_disconnect)
        self.arm_button = self._button(
            "Enable (arm)",
            "supply.arm",
            "Enable the supply: it stays off until the consumer presses Restore at home",
        )
        self.arm_button.clicked.connect(self.send_arm)
        self.clear_button = self._button(
            "Clear safety alarm",
            "safety.clear",
            "Clear the meter's safety alarm after checking on site (the DNO only)",
        )
        self.clear_button.clicked.connect(self.send_clear)
        self._row.addStretch(1)
        self.update_for_role()

    def _button(self, label: str, type_name: str, tip: str) -> QPushButton:
        button = QPushButton(label, self)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setProperty("messageType", type_name)
        self._row.addWidget(button)
        return button

    def update_for_role(self) -> None:
        """Enable the buttons the chosen role may use (the policy decides)."""
        try:
            role = Role(self._role())
        except ValueError:
            role = None
        for button in (self.disconnect_button, self.arm_button, self.clear_button):
            allowed = role is not None and self._policy.allows(
                role, str(button.property("messageType"))
            )
            button.setEnabled(allowed)

    def _send(self, what: str, action: Callable[[str], MessageRecord]) -> MessageRecord | None:
        role = self._role()
        try:
            record = action(role)
        except IhdError as error:
            self._report(what, None, str(error))
            return None
        self._report(f"{what} signed as {role} and sent", record, None)
        return record

    def send_disconnect(self) -> MessageRecord | None:
        """Disconnect the supply as the chosen role, with the form's text as the reason."""
        return self._send(
            "Disconnection",
            lambda role: self._console.disconnect(
                role, self._why() or DEFAULT_WHY.get(role, "no reason given")
            ),
        )

    def send_arm(self) -> MessageRecord | None:
        """Enable (arm) the supply as the chosen role."""
        return self._send("Enable", self._console.arm)

    def send_clear(self) -> MessageRecord | None:
        """Clear the safety alarm as the chosen role (the policy lets only the DNO)."""
        return self._send("Safety clear", self._console.clear_safety)
