"""Table model of the service's event records (oldest first, bounded) and the filter over it
that the developer screen's event log shows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from ihd_app.service import developer


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
