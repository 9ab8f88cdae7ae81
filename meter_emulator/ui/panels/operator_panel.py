"""The operator console: compose and send as DNO, GDN or supplier, then follow each message
(forwarded, received, displayed, acknowledged, or rejected with a reason); cancel, supersede,
ask for half-hourly data (which the meter answers only with the consumer's consent), and act on
the supply switch (disconnect, enable, clear a safety alarm)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.errors import IhdError, ProtocolError
from ihd_app.protocol.policy import Policy
from meter_emulator.operator.data_responses import what_the_operator_read
from meter_emulator.operator.status import DeliveryStatus, MessageRecord
from meter_emulator.runtime import MeterRuntime
from meter_emulator.ui.models.messages import FITTED, MessageStatusModel, outcome
from meter_emulator.ui.panels.compose_form import ComposeForm, build_request
from meter_emulator.ui.panels.flexibility_action import flexibility_event
from meter_emulator.ui.panels.supply_buttons import SupplyButtons
from meter_emulator.ui.widgets.wrapping_table import WrappingTable

#: The compose form's narrowest and widest, in lines of its font (480 and 640 px at the
#: normal size).
FORM_LINES = (28, 38)
#: The message table's columns: Sent, From, Type and Status (:data:`FITTED`) as wide as they
#: are; the progress (or reason) and the text share the rest, two to one.
_SHARES = (*(None for _ in FITTED), 2.0, 1.0)


def _problem(error: IhdError) -> str:
    return error.detail if isinstance(error, ProtocolError) else str(error)


class OperatorPanel(QWidget):
    """Compose form on the left, the status of every message on the right.

    Args:
        runtime: The running meter (its operator console and status table).
        policy: The authorisation policy (marks types a role may not send).
        parent: Qt parent.
    """

    def __init__(
        self, runtime: MeterRuntime, policy: Policy, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runtime = runtime
        self.setObjectName("OperatorPanel")
        layout = QHBoxLayout(self)
        # Form above, table below: the console keeps working in half a laptop's screen.
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        layout.addWidget(splitter)

        left = QWidget(splitter)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.form = ComposeForm(policy, left)
        # A readable form width; the table below takes the whole width.
        self._fit_form()
        left_layout.addWidget(self.form, 0, Qt.AlignmentFlag.AlignLeft)
        actions = QHBoxLayout()
        self.send = QPushButton("Sign and send", left)
        self.send.setDefault(True)
        self.send.setAccessibleName("Sign the message with the role's key and send it")
        self.send.clicked.connect(self.send_current)
        actions.addWidget(self.send)
        self.data = QPushButton("Request half-hourly data", left)
        self.data.setToolTip("Ask the meter for 48 half hours as the chosen role (needs consent)")
        self.data.clicked.connect(self.request_data)
        actions.addWidget(self.data)
        self.flexibility = QPushButton("Flexibility event", left)
        self.flexibility.setToolTip(
            "Ask the household to use 20 % less from the form's start for its duration (an hour "
            "if none), the text as the reward; the meter pauses the EV charger and immersion "
            "heater only with the householder's agreement"
        )
        self.flexibility.clicked.connect(self.schedule_flexibility)
        actions.addWidget(self.flexibility)
        actions.addStretch(1)
        left_layout.addLayout(actions)
        self.supply = SupplyButtons(
            runtime.operator,
            policy,
            self.form.current_role,
            lambda: self.form.text.toPlainText().strip(),
            self._report_supply,
            left,
        )
        self.form.role.currentIndexChanged.connect(self.supply.update_for_role)
        left_layout.addWidget(self.supply)
        self.result = QLabel(left)
        self.result.setObjectName("operatorResult")
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Result of the last action")
        left_layout.addWidget(self.result)

        right = QWidget(splitter)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.model = MessageStatusModel(self)
        # The status and the reason in full, wrapped (a room reads them from the projector):
        # Sent, From, Type and Status as wide as they are; the progress and the text share the rest.
        self.table = WrappingTable(_SHARES, right)
        self.table.setObjectName("messageTable")
        self.table.setAccessibleName("Messages sent and how far each got")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        right_layout.addWidget(self.table)
        row_actions = QHBoxLayout()
        self.cancel = QPushButton("Cancel", right)
        self.cancel.setToolTip("Withdraw the selected message (signed by its originator)")
        self.cancel.setAccessibleName("Withdraw the selected message from the IHD")
        self.cancel.clicked.connect(self.cancel_selected)
        row_actions.addWidget(self.cancel)
        self.supersede = QPushButton("Supersede", right)
        self.supersede.setToolTip("Replace the selected message with one carrying the text above")
        self.supersede.setAccessibleName("Replace the selected message with the composed text")
        self.supersede.clicked.connect(self.supersede_selected)
        row_actions.addWidget(self.supersede)
        self.cancel_all = QPushButton("Cancel all", right)
        self.cancel_all.setToolTip("Withdraw every message of the role chosen above")
        self.cancel_all.clicked.connect(self.cancel_all_of_role)
        row_actions.addWidget(self.cancel_all)
        row_actions.addStretch(1)
        right_layout.addLayout(row_actions)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.refresh()

    def _fit_form(self) -> None:
        # A readable form width, in lines of its font (it grows with the window's zoom).
        line = self.fontMetrics().height()
        self.form.setMinimumWidth(FORM_LINES[0] * line)
        self.form.setMaximumWidth(FORM_LINES[1] * line)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_form()

    def _say(self, text: str, *, ok: bool) -> None:
        self.result.setText(text)
        self.result.setProperty("tone", "good" if ok else "bad")
        self.result.style().unpolish(self.result)
        self.result.style().polish(self.result)

    def _report(self, what: str, record: MessageRecord) -> None:
        ok = record.status is not DeliveryStatus.REFUSED
        self._say(f"{what}: {outcome(record) or record.status.value}", ok=ok)
        self.refresh()

    def _report_supply(self, what: str, record: MessageRecord | None, problem: str | None) -> None:
        if record is None:
            self._say(f"{what} not sent: {problem}", ok=False)
        else:
            self._report(what, record)

    def send_current(self) -> MessageRecord | None:
        """Sign and send what the form says; the result (or the reason it failed) is shown."""
        role = self.form.current_role()
        try:
            request = build_request(self.form.values(), self._runtime.sim.wall_after)
            record = self._runtime.operator.send(role, request)
        except IhdError as error:
            self._say(f"Not sent: {_problem(error)}", ok=False)
            return None
        self._report(f"{request.type_name} signed as {role} and sent", record)
        opened = self._runtime.operator.opened(record.key)
        if opened is not None:  # a data request answered: what the role's key read
            self._say(f"{self.result.text()}. {what_the_operator_read(role, opened)}", ok=True)
        return record

    def request_data(self) -> MessageRecord | None:
        """Ask the meter for a day of half-hourly data as the chosen role; with consent, say
        what the role's key read in the answer sealed to it."""
        role = self.form.current_role()
        try:
            record = self._runtime.operator.send(role, MessageRequest("data.request", periods=48))
        except IhdError as error:
            self._say(f"Not sent: {_problem(error)}", ok=False)
            return None
        self._report(f"data.request as {role}", record)
        opened = self._runtime.operator.opened(record.key)
        if opened is not None:
            self._say(f"{self.result.text()}. {what_the_operator_read(role, opened)}", ok=True)
        return record

    def schedule_flexibility(self) -> MessageRecord | None:
        """Schedule a flexibility event as the chosen role (a signed ``demand.event``)."""
        role = self.form.current_role()
        try:
            event = flexibility_event(self.form.values(), self._runtime.sim.wall_after)
            record = self._runtime.operator.schedule_flexibility(role, event)
        except IhdError as error:
            self._say(f"Not sent: {_problem(error)}", ok=False)
            return None
        self._report(f"Flexibility event {event.event_id} scheduled as {role}", record)
        return record

    def _selected_key(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.key_of(rows[0].row()) if rows else None

    def _selection_changed(self) -> None:
        key = self._selected_key()
        record = None if key is None else self._runtime.status.get(key)
        can_act = record is not None and record.origin == "operator"
        self.cancel.setEnabled(can_act)
        self.supersede.setEnabled(can_act)

    def cancel_selected(self) -> None:
        """Withdraw the selected message (signed by its originator)."""
        key = self._selected_key()
        if key is None:
            return
        try:
            record = self._runtime.operator.cancel(key)
        except IhdError as error:
            self._say(f"Not cancelled: {_problem(error)}", ok=False)
            return
        self._report("Cancellation sent", record)

    def supersede_selected(self) -> None:
        """Replace the selected message with one carrying the form's text."""
        key = self._selected_key()
        if key is None:
            return
        text = self.form.text.toPlainText().strip()
        try:
            record = self._runtime.operator.supersede(key, text=text) if text else None
        except IhdError as error:
            self._say(f"Not superseded: {_problem(error)}", ok=False)
            return
        if record is None:
            self._say("Type the new text on the left first.", ok=False)
            return
        self._report("New version sent", record)

    def cancel_all_of_role(self) -> None:
        """Withdraw every message of the chosen role."""
        role = self.form.current_role()
        try:
            record = self._runtime.operator.cancel_all(role)
        except IhdError as error:
            self._say(f"Not cancelled: {_problem(error)}", ok=False)
            return
        self._report(f"Cancel-all sent as {role}", record)

    def refresh(self) -> None:
        """Show the status table as it is now (keeping the selection)."""
        key = self._selected_key()
        self.model.show_records(self._runtime.status.rows())
        if key is not None:
            for row in range(self.model.rowCount()):
                if self.model.key_of(row) == key:
                    self.table.selectRow(row)
                    break
        self._selection_changed()
