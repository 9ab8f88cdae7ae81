"""The meter's HAN device log: the displays it serves, each with its certificate, who added it
and whether it is connected now; **Add display…** and **Remove** are the supplier's signed
``han.device-add`` / ``han.device-remove``, sent through the operator console like any command
(so they show in its status table, verified by the meter)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.errors import IhdError
from meter_emulator.han_candidates import (
    COMMISSIONER,
    add_request,
    display_candidates,
    remove_request,
)
from meter_emulator.operator.status import DeliveryStatus, MessageRecord
from meter_emulator.runtime import MeterRuntime
from meter_emulator.ui.models.devices import DeviceLogModel
from meter_emulator.ui.panels.add_display_dialog import AddDisplayDialog
from meter_emulator.ui.widgets.wrapping_table import WrappingTable

#: Events after which the log or who is connected may have changed.
REFRESH_EVENTS = ("han.", "session.", "link.")


class DeviceLogPanel(QWidget):
    """The device log, with Add display… and Remove.

    Args:
        runtime: The running meter (its device log, GATT server and operator console).
        parent: Qt parent.
    """

    def __init__(self, runtime: MeterRuntime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runtime = runtime
        self.setObjectName("DeviceLogPanel")
        self.dialog: AddDisplayDialog | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(
            "The displays this meter serves: its HAN device log. A display not on it is refused "
            "at the handshake, even when paired. Adding and removing are the supplier's signed "
            "commands, which the meter verifies; they show in the operator console.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = DeviceLogModel(self)
        # Identifier and link state as wide as they are; certificate and "added" wrap.
        self.table = WrappingTable((None, 1.0, 1.5, None), self)
        self.table.setObjectName("deviceTable")
        self.table.setAccessibleName("Displays on the meter's device log")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        layout.addWidget(self.table, 1)
        actions = QHBoxLayout()
        self.add = QPushButton("Add display…", self)
        self.add.setObjectName("addDisplay")
        self.add.setAccessibleName("Add a display: the supplier signs han.device-add")
        self.add.clicked.connect(self.open_add_dialog)
        actions.addWidget(self.add)
        self.remove = QPushButton("Remove", self)
        self.remove.setObjectName("removeDisplay")
        self.remove.setAccessibleName(
            "Remove the selected display: the supplier signs han.device-remove"
        )
        self.remove.clicked.connect(self.remove_selected)
        actions.addWidget(self.remove)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.result = QLabel(self)
        self.result.setObjectName("deviceResult")
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Result of the last change to the device log")
        layout.addWidget(self.result)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.refresh()

    def refresh(self) -> None:
        """Show the log and who is connected as they are now (keeping the selection)."""
        selected = self._selected()
        server = self._runtime.server
        served = [s.ihd_id for s in server.sessions] if server is not None else []
        self.model.show_devices(self._runtime.han.devices, served)
        for row in range(self.model.rowCount()):
            if self.model.ihd_id_of(row) == selected:
                self.table.selectRow(row)
        self._selection_changed()

    def _selected(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.ihd_id_of(rows[0].row()) if rows else None

    def _selection_changed(self) -> None:
        self.remove.setEnabled(self._selected() is not None)

    def open_add_dialog(self) -> AddDisplayDialog:
        """Ask which display to add (the PKI's displays not on the log, or a pasted one)."""
        runtime = self._runtime
        candidates = display_candidates(
            runtime.config.pki_dir, runtime.identity_of, (d.ihd_id for d in runtime.han.devices)
        )
        dialog = self.dialog = AddDisplayDialog(candidates, self)
        dialog.accepted.connect(lambda: self._add_chosen(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _add_chosen(self, dialog: AddDisplayDialog) -> None:
        chosen = dialog.chosen()
        if chosen is not None:
            self.send(add_request(*chosen), f"Adding {chosen[0]}")

    def remove_selected(self) -> MessageRecord | None:
        """The supplier's signed ``han.device-remove`` of the selected display."""
        ihd_id = self._selected()
        if ihd_id is None:
            return None
        return self.send(remove_request(ihd_id), f"Removing {ihd_id}")

    def send(self, request: MessageRequest, what: str) -> MessageRecord | None:
        """Sign ``request`` as the supplier and send it through the operator console; the
        meter's answer (or why it was not sent) is shown under the buttons."""
        try:
            record = self._runtime.operator.send(COMMISSIONER, request)
        except IhdError as error:
            self._say(f"{what}: not sent: {error}", ok=False)
            return None
        if record.status is DeliveryStatus.REFUSED:
            why = f"{record.refused_reason} {record.refused_detail or ''}".strip()
            self._say(f"{what}: refused by the meter: {why}", ok=False)
        else:
            self._say(f"{what}: {record.outcome or record.status.value}", ok=True)
        self.refresh()
        return record

    def _say(self, text: str, *, ok: bool) -> None:
        self.result.setText(text)
        self.result.setProperty("tone", "good" if ok else "bad")
        self.result.style().unpolish(self.result)
        self.result.style().polish(self.result)
