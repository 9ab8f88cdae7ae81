"""Developer: for firmware developers pairing the display with a dev board.

Four tabs, all read-only towards the meter:

- **GATT**: the connected meter's services, characteristics (profile name, properties, handle),
  descriptors and CCCD states; Read shows a readable value in hex (Meter Info also decoded).
- **Unit inspector**: hex in (a segment, a unit or a bare ZCL frame), every field out, or the
  reason code and its sentence; simple fields can be edited and the form re-encoded.
- **Events**: the service's ``--events`` records, live, filterable; Export… writes JSON lines.
- **Capture**: starts and stops a btsnoop capture of the display's HCI traffic while it runs.

Hidden unless Settings → Developer tools is on (or ``ihd --developer``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ihd_app.protocol.errors import EncodeError
from ihd_app.service import developer
from ihd_app.service.api import CharacteristicValue, GattServiceInfo, Topic
from ihd_app.ui.context import UiContext
from ihd_app.ui.screens.base import Screen
from ihd_app.ui.unit_inspector import Inspection, Part, ReadAs, inspect, parse_hex
from ihd_app.ui.widgets.scrolling import vertical_scroll

#: The GB DisplayMessage "Reset" test vector (a bare Messaging frame), as a starting example.
EXAMPLE_HEX = "090000804A371C0000000000FFFF055265736574"
#: Milliseconds between updates of the capture's size while it runs.
CAPTURE_POLL_MS = 1000
LinkStateText = Callable[[], str]


def _mono() -> Any:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def _button(text: str, name: str, parent: QWidget, description: str = "") -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName(name)
    button.setAccessibleName(text.rstrip("…"))
    if description:
        button.setAccessibleDescription(description)
        button.setToolTip(description)
    return button


def _output(name: str, accessible: str, parent: QWidget) -> QPlainTextEdit:
    box = QPlainTextEdit(parent)
    box.setObjectName(name)
    box.setAccessibleName(accessible)
    box.setReadOnly(True)
    box.setFont(_mono())
    # Tab leaves the box (a read-only text is never typed into).
    box.setTabChangesFocus(True)
    return box


def _muted(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setProperty("role", "muted")
    label.setWordWrap(True)
    return label


#: The Bluetooth Base UUID's tail: 16-bit SIG UUIDs are shown short, as nRF Connect does.
_SIG_BASE = "-0000-1000-8000-00805f9b34fb"


def short_uuid(uuid: str) -> str:
    """``0x2902`` for a 16-bit SIG UUID, the full text otherwise."""
    if uuid.startswith("0000") and uuid.endswith(_SIG_BASE):
        return f"0x{uuid[4:8].upper()}"
    return uuid


def hex_dump(data: bytes) -> str:
    """``0000  C0 00 0C 00 …`` rows of 16 bytes."""
    if not data:
        return "(empty value)"
    rows = []
    for offset in range(0, len(data), 16):
        chunk = data[offset : offset + 16]
        rows.append(f"{offset:04X}  {chunk.hex(' ').upper()}")
    return "\n".join(rows)


# -- GATT explorer -------------------------------------------------------------------------------


class GattTab(QWidget):
    """The connected meter's GATT table and read-only reads."""

    # The UUID last: on a small panel it is the column scrolled to, not the names.
    COLUMNS = ("Name", "Handle", "Properties / state", "UUID")

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.services: list[GattServiceInfo] = []
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 6, 0, 0)
        row = QHBoxLayout()
        self.status = _muted("Not read yet.", self)
        self.status.setObjectName("GattStatus")
        row.addWidget(self.status, 1)
        self.refresh_button = _button(
            "Refresh", "GattRefresh", self, "Discover the meter's services again"
        )
        self.refresh_button.clicked.connect(self.load)
        row.addWidget(self.refresh_button)
        self.read_button = _button(
            "Read", "GattRead", self, "Read the selected characteristic (read-only)"
        )
        self.read_button.setEnabled(False)
        self.read_button.clicked.connect(self.read_selected)
        row.addWidget(self.read_button)
        column.addLayout(row)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("GattTree")
        self.tree.setAccessibleName("GATT services and characteristics")
        self.tree.setColumnCount(len(self.COLUMNS))
        self.tree.setHeaderLabels(list(self.COLUMNS))
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        # UUIDs, handles and properties are never cut short (a small panel scrolls sideways);
        # a long standard name may be (its tooltip has it whole).
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.currentItemChanged.connect(lambda *_: self._selection_changed())
        self.tree.itemActivated.connect(lambda *_: self.read_selected())
        # The table and the value share the height; the developer moves the border.
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.tree)
        self.value = _output("GattValue", "Characteristic value", splitter)
        self.value.setPlaceholderText("Select a readable characteristic and press Read.")
        splitter.addWidget(self.value)
        splitter.setSizes([3000, 2000])
        column.addWidget(splitter, 1)
        self._loading = False

    def load(self) -> None:
        """Ask the service for the table (discovered on connection; CCCDs read now)."""
        if self._loading:
            return
        self._loading = True
        self.status.setText("Reading the meter's GATT table…")
        self.context.runner.run("Reading the GATT table", self._load())

    async def _load(self) -> None:
        try:
            services = list(await self.context.service.gatt_table())
        except Exception as exc:  # a link error is shown, not raised into the runner
            self._loading = False
            self.show_table([], f"No table: {exc}")
            return
        self._loading = False
        characteristics = sum(len(s.characteristics) for s in services)
        meter = self.context.service.paired_meter
        self.show_table(
            services,
            f"{len(services)} service(s), {characteristics} characteristic(s) on "
            f"{meter.name if meter is not None else 'the meter'}. Read-only: nothing is written.",
        )

    def show_table(self, services: Sequence[GattServiceInfo], status: str) -> None:
        """Show ``services`` and a status line."""
        self.services = list(services)
        self.status.setText(status)
        self.tree.clear()
        for service in services:
            top = QTreeWidgetItem(
                [
                    service.name or "Service",
                    f"0x{service.handle:04X}",
                    "service",
                    short_uuid(service.uuid),
                ]
            )
            # Names and UUIDs are shortened with … in a narrow column: whole in the tooltip.
            top.setToolTip(0, service.name or "Service")
            top.setToolTip(3, service.uuid)
            for char in service.characteristics:
                item = QTreeWidgetItem(
                    [
                        char.name or "Characteristic",
                        f"0x{char.handle:04X}",
                        ", ".join(char.properties),
                        short_uuid(char.uuid),
                    ]
                )
                item.setToolTip(0, char.name)
                item.setToolTip(3, char.uuid)
                item.setData(0, Qt.ItemDataRole.UserRole, char.uuid)
                item.setData(1, Qt.ItemDataRole.UserRole, char.readable)
                if char.in_profile:
                    font = item.font(0)
                    font.setBold(True)
                    item.setFont(0, font)
                for descriptor in char.descriptors:
                    cccd = descriptor.uuid == developer.CCCD_UUID
                    child = QTreeWidgetItem(
                        [
                            "CCCD" if cccd else descriptor.name or "Descriptor",
                            f"0x{descriptor.handle:04X}",
                            descriptor.state or "descriptor",
                            short_uuid(descriptor.uuid),
                        ]
                    )
                    child.setToolTip(0, descriptor.name)
                    item.addChild(child)
                top.addChild(item)
            self.tree.addTopLevelItem(top)
        self.tree.expandAll()
        self._fit_names()
        self._selection_changed()

    def _fit_names(self) -> None:
        """The Name column as wide as its names, but at most a quarter of the tree."""
        wanted = self.tree.sizeHintForColumn(0) + self.tree.indentation()
        self.tree.setColumnWidth(0, max(120, min(wanted, self.tree.viewport().width() // 4)))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_names()

    def characteristic_item(self, name: str) -> QTreeWidgetItem | None:
        """The row of characteristic ``name`` (e.g. ``Meter Info``)."""
        for index in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(index)
            assert top is not None
            for child in range(top.childCount()):
                item = top.child(child)
                if item is not None and item.text(0) == name:
                    return item
        return None

    def _selected_uuid(self) -> tuple[str, bool] | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        uuid = item.data(0, Qt.ItemDataRole.UserRole)
        if not isinstance(uuid, str):
            return None
        return uuid, bool(item.data(1, Qt.ItemDataRole.UserRole))

    def _selection_changed(self) -> None:
        selected = self._selected_uuid()
        self.read_button.setEnabled(selected is not None and selected[1])

    def read_selected(self) -> None:
        """Read the selected characteristic."""
        selected = self._selected_uuid()
        if selected is None or not selected[1]:
            return
        uuid = selected[0]
        self.value.setPlainText(f"Reading {uuid}…")
        self.context.runner.run("Reading the characteristic", self._read(uuid))

    async def _read(self, uuid: str) -> None:
        try:
            value = await self.context.service.read_characteristic(uuid)
        except Exception as exc:  # shown in the value box
            self.value.setPlainText(f"Read of {uuid} failed: {exc}")
            return
        self.show_value(value)

    def show_value(self, value: CharacteristicValue) -> None:
        """Show what a read returned."""
        text = f"{value.uuid}: {len(value.data)} byte(s)\n\n"
        if value.decoded:
            text += f"Decoded (CBOR):\n{value.decoded}\n\n"
        self.value.setPlainText(text + hex_dump(value.data))


# -- Unit inspector ------------------------------------------------------------------------------


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
        self.input.setFont(_mono())
        self.input.setClearButtonEnabled(True)
        self.input.returnPressed.connect(self.decode)
        grid.addWidget(self.input, 0, 1)
        self.decode_button = _button("Decode", "InspectorDecode", self, "Decode the hex")
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
        self.encode_button = _button(
            "Encode", "InspectorEncode", self, "Encode the decoded (and edited) form to hex"
        )
        self.encode_button.clicked.connect(self.encode)
        grid.addWidget(self.encode_button, 4, 0)
        self.output = QLineEdit(self)
        self.output.setObjectName("InspectorEncoded")
        self.output.setAccessibleName("Encoded hex")
        self.output.setReadOnly(True)
        self.output.setFont(_mono())
        grid.addWidget(self.output, 4, 1, 1, 2)
        self.round_trip = _muted("", self)
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


# -- Event log -----------------------------------------------------------------------------------


class EventTableModel(QAbstractTableModel):
    """Event records, oldest first (newest at the bottom), bounded."""

    HEADERS = ("Time", "Event", "Fields")

    def __init__(self, parent: QObject | None = None, limit: int = developer.RECENT_EVENTS):
        super().__init__(parent)
        self.records: list[dict[str, Any]] = []
        self._limit = limit

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        record = self.records[index.row()]
        if index.column() == 0:
            stamp = str(record.get("ts", ""))
            return stamp[11:23] if role == Qt.ItemDataRole.DisplayRole else stamp
        if index.column() == 1:
            return str(record.get("event", ""))
        rest = {k: v for k, v in record.items() if k not in ("ts", "event")}
        return json.dumps(rest, ensure_ascii=False, default=str)

    def set_records(self, records: Sequence[dict[str, Any]]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self.records = list(records)[-self._limit :]
        self.endResetModel()

    def append(self, record: dict[str, Any]) -> None:
        """Add ``record`` at the bottom (dropping the oldest beyond the limit)."""
        if len(self.records) >= self._limit:
            self.beginRemoveRows(QModelIndex(), 0, 0)
            del self.records[0]
            self.endRemoveRows()
        row = len(self.records)
        self.beginInsertRows(QModelIndex(), row, row)
        self.records.append(record)
        self.endInsertRows()


class EventFilter(QSortFilterProxyModel):
    """Rows whose event name or fields contain the filter text (case-insensitive)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""

    def set_text(self, text: str) -> None:
        """Filter on ``text``."""
        self.beginFilterChange()
        self._text = text.strip().lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        if not self._text:
            return True
        model = self.sourceModel()
        assert isinstance(model, EventTableModel)
        record = model.records[source_row]
        haystack = json.dumps(record, ensure_ascii=False, default=str).lower()
        return all(word in haystack for word in self._text.split())


class EventsTab(QWidget):
    """The live event log with a filter and Export…"""

    _incoming = Signal(object)

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 6, 0, 0)
        row = QHBoxLayout()
        self.filter = QLineEdit(self)
        self.filter.setObjectName("EventsFilter")
        self.filter.setAccessibleName("Filter events")
        self.filter.setPlaceholderText("Filter: event name or field text, e.g. reading gas")
        self.filter.setClearButtonEnabled(True)
        row.addWidget(self.filter, 1)
        self.count = _muted("", self)
        self.count.setObjectName("EventsCount")
        row.addWidget(self.count)
        self.export_button = _button(
            "Export…", "EventsExport", self, "Write the events shown to a JSON-lines file"
        )
        self.export_button.clicked.connect(self._choose_export)
        row.addWidget(self.export_button)
        column.addLayout(row)
        self.model = EventTableModel(self)
        self.proxy = EventFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(self)
        self.table.setObjectName("EventsTable")
        self.table.setAccessibleName("Events, newest at the bottom")
        self.table.setModel(self.proxy)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setFont(_mono())
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        column.addWidget(self.table, 1)
        self.detail = QLineEdit(self)
        self.detail.setObjectName("EventsDetail")
        self.detail.setAccessibleName("Selected event record")
        self.detail.setReadOnly(True)
        self.detail.setFont(_mono())
        self.detail.setPlaceholderText("Select an event to see its whole record.")
        column.addWidget(self.detail)
        self.status = _muted("", self)
        self.status.setObjectName("EventsStatus")
        column.addWidget(self.status)
        self.filter.textChanged.connect(self._filter)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._show_detail(current)
        )
        # Events may be logged from a radio callback: into Qt through a queued signal.
        self._incoming.connect(self._append, Qt.ConnectionType.QueuedConnection)
        self.model.set_records(context.service.recent_events())
        self._unsubscribe: Callable[[], None] | None = context.service.subscribe_events(
            self._incoming.emit
        )
        self._update_count()

    def shutdown(self) -> None:
        """Stop listening (the window closes)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    @Slot(object)
    def _append(self, record: object) -> None:
        if self._unsubscribe is None or not isinstance(record, dict):
            return
        bar = self.table.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 2
        self.model.append(record)
        if at_bottom:
            self.table.scrollToBottom()
        self._update_count()

    def _show_detail(self, current: QModelIndex) -> None:
        if not current.isValid():
            self.detail.clear()
            return
        record = self.model.records[self.proxy.mapToSource(current).row()]
        self.detail.setText(json.dumps(record, ensure_ascii=False, default=str))
        self.detail.setCursorPosition(0)

    def _filter(self, text: str) -> None:
        self.proxy.set_text(text)
        self.table.scrollToBottom()
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count.setText(f"{shown} of {total}" if shown != total else f"{total} events")

    def shown_records(self) -> list[dict[str, Any]]:
        """The records the filter lets through, oldest first."""
        return [
            self.model.records[self.proxy.mapToSource(self.proxy.index(row, 0)).row()]
            for row in range(self.proxy.rowCount())
        ]

    def _choose_export(self) -> None:
        directory = self.context.service.capture.directory.parent
        stamp = self.context.clock().strftime("%Y%m%d-%H%M%S")
        path, _chosen = QFileDialog.getSaveFileName(
            self,
            "Export events",
            str(directory / f"ihd-events-{stamp}.jsonl"),
            "JSON lines (*.jsonl *.json);;All files (*)",
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> int:
        """Write the shown records to ``path`` as JSON lines; how many were written."""
        records = self.shown_records()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8") as file:
                for record in records:
                    file.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        except OSError as exc:
            self.status.setText(f"Export failed: {exc.strerror or exc}")
            return 0
        self.status.setText(f"Exported {len(records)} event(s) to {path}")
        return len(records)


# -- HCI capture ---------------------------------------------------------------------------------


class CaptureTab(QWidget):
    """Start and stop a btsnoop capture of the display's HCI traffic."""

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        # Scrolled if need be: on a small panel, with a notice above, the words would overlap.
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll, inner = vertical_scroll(self, "CaptureScroll")
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 6, 0, 0)
        column.setSpacing(8)
        self.note = _muted("", self)
        self.note.setObjectName("CaptureNote")
        column.addWidget(self.note)
        row = QHBoxLayout()
        row.addWidget(QLabel("File", self))
        self.path = QLineEdit(self)
        self.path.setObjectName("CapturePath")
        self.path.setAccessibleName("Capture file")
        self.path.setFont(_mono())
        row.addWidget(self.path, 1)
        self.choose = _button("Choose…", "CaptureChoose", self, "Choose where the capture goes")
        self.choose.clicked.connect(self._choose)
        row.addWidget(self.choose)
        column.addLayout(row)
        self.toggle = _button(
            "Start capture", "CaptureToggle", self, "Start or stop writing the HCI capture"
        )
        self.toggle.setCheckable(True)
        self.toggle.clicked.connect(self._toggled)
        column.addWidget(self.toggle)
        self.status = QLabel(self)
        self.status.setObjectName("CaptureStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.status)
        column.addWidget(
            _muted(
                "Read it with: bumble-show --format snoop FILE, or open it in Wireshark.",
                self,
            )
        )
        column.addStretch(1)
        scroll.setWidget(inner)
        outer.addWidget(scroll)
        self._poll = QTimer(self)
        self._poll.setObjectName("CapturePoll")
        self._poll.setInterval(CAPTURE_POLL_MS)
        self._poll.timeout.connect(self._show_size)
        self._last: Path | None = None
        self.refresh()

    def refresh(self) -> None:
        """Show the service's capture state."""
        state = self.context.service.capture
        self.note.setText(state.note)
        running = state.path is not None
        self.toggle.setEnabled(state.available)
        self.toggle.setChecked(running)
        self.toggle.setText("Stop capture" if running else "Start capture")
        self.toggle.setAccessibleName(self.toggle.text())
        self.path.setEnabled(state.available and not running)
        self.choose.setEnabled(state.available and not running)
        if running:
            assert state.path is not None
            self.path.setText(str(state.path))
            self._last = state.path
            if not self._poll.isActive():
                self._poll.start()
        else:
            self._poll.stop()
            if not self.path.text() or self._last is not None:
                self.path.setText(
                    str(developer.suggested_capture_path(state.directory, self.context.clock()))
                )
        self._show_size()

    def _choose(self) -> None:
        path, _chosen = QFileDialog.getSaveFileName(
            self, "Capture to", self.path.text(), "btsnoop (*.btsnoop *.log);;All files (*)"
        )
        if path:
            self.path.setText(path)

    def _toggled(self, checked: bool) -> None:
        if checked:
            self.start(Path(self.path.text().strip()))
        else:
            self.stop()

    def start(self, path: Path) -> None:
        """Start capturing to ``path``."""
        try:
            self.context.service.start_capture(path)
        except Exception as exc:  # shown to the developer
            self.status.setText(f"Capture not started: {exc}")
            self.refresh_toggle_only()
            return
        self._last = None
        self.refresh()

    def stop(self) -> None:
        """Stop the capture."""
        state = self.context.service.capture
        self.context.service.stop_capture()
        self._last = state.path
        self._poll.stop()
        self._show_size(stopped=True)
        path_text = self.path.text()
        self.refresh()
        if self._last is None:
            self.path.setText(path_text)

    def refresh_toggle_only(self) -> None:
        """Untick the toggle after a failed start."""
        self.toggle.setChecked(False)
        self.toggle.setText("Start capture")
        self.toggle.setAccessibleName("Start capture")

    def _show_size(self, stopped: bool = False) -> None:
        state = self.context.service.capture
        path = state.path or self._last
        if path is None:
            if not self.status.text().startswith("Capture not started"):
                self.status.setText("No capture running.")
            return
        size = path.stat().st_size if path.exists() else 0
        if state.path is not None:
            self.status.setText(f"Capturing to {path}: {size:,} bytes so far.")
        else:
            self.status.setText(f"Capture stopped: {path}, {size:,} bytes.")

    def shutdown(self) -> None:
        """Stop polling (the window closes; the service stops the capture with the radio)."""
        self._poll.stop()


# -- the screen ----------------------------------------------------------------------------------


class DeveloperScreen(Screen):
    """GATT explorer, unit inspector, event log and HCI capture, in tabs."""

    topics = frozenset({Topic.LINK})
    label = "Developer"
    icon_name = "developer"

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.heading("Developer")
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("DeveloperTabs")
        self.tabs.setAccessibleName("Developer tools")
        self.tabs.setDocumentMode(True)
        self.gatt = GattTab(context, self.tabs)
        self.inspector = InspectorTab(self.tabs)
        self.events = EventsTab(context, self.tabs)
        self.capture = CaptureTab(context, self.tabs)
        self.tabs.addTab(self.gatt, "GATT")
        self.tabs.addTab(self.inspector, "Unit inspector")
        self.tabs.addTab(self.events, "Events")
        self.tabs.addTab(self.capture, "Capture")
        self.tabs.tabBar().setAccessibleName("Developer tool tabs")
        self.tabs.currentChanged.connect(lambda _i: self.refresh(None))
        self.layout_.addWidget(self.tabs, 1)
        self._connected: bool | None = None

    def refresh(self, topic: Topic | None = None) -> None:
        connected = self.context.service.link_state.value == "connected"
        if self.tabs.currentWidget() is self.gatt and (
            connected != self._connected or not self.gatt.services
        ):
            self._connected = connected
            if connected:
                self.gatt.load()
            else:
                self.gatt.show_table(
                    [], "Not connected: the GATT table is read from a connected meter."
                )
        if self.tabs.currentWidget() is self.capture:
            self.capture.refresh()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh(None)

    def shutdown(self) -> None:
        """Stop listening and polling (the window closes)."""
        self.events.shutdown()
        self.capture.shutdown()
