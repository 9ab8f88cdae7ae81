"""The GATT explorer tab: the connected meter's services, characteristics (profile name,
properties, handle), descriptors and CCCD states; Read shows a readable value in hex (Meter Info
also decoded). Nothing is written to the meter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ihd_app.service import developer
from ihd_app.service.api import CharacteristicValue, GattServiceInfo
from ihd_app.ui.context import UiContext
from ihd_app.ui.screens.developer.widgets import muted_label, output_box, tool_button

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
        self.status = muted_label("Not read yet.", self)
        self.status.setObjectName("GattStatus")
        row.addWidget(self.status, 1)
        self.refresh_button = tool_button(
            "Refresh", "GattRefresh", self, "Discover the meter's services again"
        )
        self.refresh_button.clicked.connect(self.load)
        row.addWidget(self.refresh_button)
        self.read_button = tool_button(
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
        self.value = output_box("GattValue", "Characteristic value", splitter)
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
