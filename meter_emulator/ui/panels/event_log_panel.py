"""The event log: every event the meter records (the ``--events`` stream), filterable, and
exportable as JSON lines."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from meter_emulator.ui.models.events import EventFilter, EventLogModel


class EventLogPanel(QWidget):
    """The newest events at the bottom, following them unless the person scrolled up."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("EventLogPanel")
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter: event name or any detail (e.g. attack, ack)")
        self.filter.setAccessibleName("Filter the event log")
        self.filter.setClearButtonEnabled(True)
        bar.addWidget(self.filter, 1)
        self.export = QPushButton("Export…", self)
        self.export.setAccessibleName("Export the event log as JSON lines")
        self.export.clicked.connect(self._choose_export)
        bar.addWidget(self.export)
        layout.addLayout(bar)
        self.model = EventLogModel(self)
        self.proxy = EventFilter(self)
        self.proxy.setSourceModel(self.model)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView(self)
        self.table.setObjectName("eventTable")
        self.table.setAccessibleName("Event log")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)

    def on_events(self, records: list[Mapping[str, Any]]) -> None:
        """Add ``records``."""
        scroll = self.table.verticalScrollBar()
        following = scroll.value() >= scroll.maximum() - 2
        self.model.add(records)
        if following:
            self.table.scrollToBottom()

    def _choose_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export events", "meter-events.jsonl")
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> int:
        """Write the events shown to ``path`` as JSON lines; returns how many."""
        path.write_text(self.model.export_lines(), encoding="utf-8")
        return self.model.rowCount()
