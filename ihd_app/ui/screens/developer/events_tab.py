"""The event log tab: the service's ``--events`` records, live (newest at the bottom),
filterable by event name or field text; Export… writes the shown records as JSON lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ihd_app.ui.context import UiContext
from ihd_app.ui.models.events import EventFilter, EventTableModel
from ihd_app.ui.screens.developer.widgets import mono_font, muted_label, tool_button


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
        self.count = muted_label("", self)
        self.count.setObjectName("EventsCount")
        row.addWidget(self.count)
        self.export_button = tool_button(
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
        self.table.setFont(mono_font())
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        column.addWidget(self.table, 1)
        self.detail = QLineEdit(self)
        self.detail.setObjectName("EventsDetail")
        self.detail.setAccessibleName("Selected event record")
        self.detail.setReadOnly(True)
        self.detail.setFont(mono_font())
        self.detail.setPlaceholderText("Select an event to see its whole record.")
        column.addWidget(self.detail)
        self.status = muted_label("", self)
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
