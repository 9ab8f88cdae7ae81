"""The unit inspector tab: hex in (a segment, a unit or a bare ZCL frame), every field out, or
the reason code and its sentence; simple fields can be edited and the form encoded again, with
a round-trip check against the input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ihd_app.protocol.errors import EncodeError
from ihd_app.ui.screens.developer.widgets import mono_font, muted_label, tool_button
from ihd_app.ui.unit_inspector import Inspection, Part, ReadAs, inspect, parse_hex

#: The GB DisplayMessage "Reset" test vector (a bare Messaging frame), as a starting example.
EXAMPLE_HEX = "090000804A371C0000000000FFFF055265736574"


class InspectorTab(QWidget):
    """Hex to decoded fields and back."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inspection: Inspection | None = None
        self._filling = False
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 6, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        grid.addWidget(QLabel("Hex", self), 0, 0)
        self.input = QLineEdit(self)
        self.input.setObjectName("InspectorHex")
        self.input.setAccessibleName("Hex to decode")
        self.input.setPlaceholderText("e.g. " + EXAMPLE_HEX)
        self.input.setFont(mono_font())
        self.input.setClearButtonEnabled(True)
        self.input.returnPressed.connect(self.decode)
        grid.addWidget(self.input, 0, 1)
        self.decode_button = tool_button("Decode", "InspectorDecode", self, "Decode the hex")
        self.decode_button.clicked.connect(self.decode)
        grid.addWidget(self.decode_button, 0, 2)
        grid.addWidget(QLabel("Read as", self), 1, 0)
        self.read_as = QComboBox(self)
        self.read_as.setObjectName("InspectorReadAs")
        self.read_as.setAccessibleName("Read the bytes as")
        for choice in ReadAs:
            self.read_as.addItem(choice.label, choice.value)
        self.read_as.currentIndexChanged.connect(lambda _i: self.decode())
        grid.addWidget(self.read_as, 1, 1, 1, 2)
        self.result = QLabel(self)
        self.result.setObjectName("InspectorResult")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(self.result, 2, 0, 1, 3)
        self.fields = QTableWidget(0, 3, self)
        self.fields.setObjectName("InspectorFields")
        self.fields.setAccessibleName("Decoded fields (editable values re-encode)")
        self.fields.setHorizontalHeaderLabels(["Part", "Field", "Value"])
        self.fields.verticalHeader().hide()
        self.fields.setTabKeyNavigation(False)
        self.fields.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.fields.setWordWrap(False)
        header = self.fields.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.fields.itemChanged.connect(self._edited)
        grid.addWidget(self.fields, 3, 0, 1, 3)
        self.encode_button = tool_button(
            "Encode", "InspectorEncode", self, "Encode the decoded (and edited) form to hex"
        )
        self.encode_button.clicked.connect(self.encode)
        grid.addWidget(self.encode_button, 4, 0)
        self.output = QLineEdit(self)
        self.output.setObjectName("InspectorEncoded")
        self.output.setAccessibleName("Encoded hex")
        self.output.setReadOnly(True)
        self.output.setFont(mono_font())
        grid.addWidget(self.output, 4, 1, 1, 2)
        self.round_trip = muted_label("", self)
        self.round_trip.setObjectName("InspectorRoundTrip")
        grid.addWidget(self.round_trip, 5, 0, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(3, 1)
        self._set_result(None, "Paste a segment, a unit or a bare ZCL frame in hex.")

    def decode(self) -> None:
        """Decode the hex as the Read as choice says."""
        try:
            data = parse_hex(self.input.text())
        except ValueError as exc:
            self._set_result(None, str(exc), error=True)
            return
        choice = ReadAs(self.read_as.currentData() or ReadAs.AUTO.value)
        found = inspect(data, choice)
        if found.ok:
            self._set_result(found, f"{len(data)} byte(s): {found.summary}")
            self.encode()
        else:
            assert found.error is not None
            self._set_result(found, f"Refused, {found.summary}\n{found.error.detail}", error=True)

    def _set_result(self, found: Inspection | None, text: str, *, error: bool = False) -> None:
        self.inspection = found if found is not None and found.ok else None
        self.result.setText(text)
        self.result.setProperty("role", "error" if error else "")
        self.result.style().polish(self.result)
        self._fill(found.fields() if found is not None else [])
        self.encode_button.setEnabled(self.inspection is not None)
        self.output.clear()
        self.round_trip.setText("")

    def _fill(self, rows: Sequence[Any]) -> None:
        self._filling = True
        try:
            self.fields.setRowCount(len(rows))
            for number, row in enumerate(rows):
                for col, text in enumerate((row.part.value, row.name, row.value)):
                    item = QTableWidgetItem(text)
                    flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
                    if col == 2 and row.editable:
                        flags |= Qt.ItemFlag.ItemIsEditable
                        item.setToolTip("Editable: the unit is encoded again")
                    elif col == 2:
                        item.setToolTip(text)
                    item.setFlags(flags)
                    self.fields.setItem(number, col, item)
                name_item = self.fields.item(number, 1)
                if row.editable and name_item is not None:
                    font = name_item.font()
                    font.setUnderline(True)
                    name_item.setFont(font)
        finally:
            self._filling = False

    def _edited(self, item: QTableWidgetItem) -> None:
        if self._filling or self.inspection is None or item.column() != 2:
            return
        part_item, name_item = self.fields.item(item.row(), 0), self.fields.item(item.row(), 1)
        if part_item is None or name_item is None:
            return
        part, name = Part(part_item.text()), name_item.text()
        try:
            edited = self.inspection.with_field(part, name, item.text())
        except ValueError as exc:
            self.round_trip.setText(f"Not applied: {exc}")
            self._fill(self.inspection.fields())
            return
        self.inspection = edited
        self._fill(edited.fields())
        self.encode()

    def encode(self) -> None:
        """Encode the decoded (possibly edited) form and compare it with the input."""
        if self.inspection is None:
            return
        try:
            encoded = self.inspection.encode()
        except EncodeError as exc:
            self.output.clear()
            self.round_trip.setText(f"Cannot encode, {exc.reason.value}: {exc.detail}")
            return
        self.output.setText(encoded.hex().upper())
        if encoded == self.inspection.data:
            self.round_trip.setText("Round trip: the encoding is identical to the input.")
        else:
            self.round_trip.setText(
                f"Edited: {len(encoded)} byte(s), differs from the input "
                f"({len(self.inspection.data)} byte(s))."
            )
