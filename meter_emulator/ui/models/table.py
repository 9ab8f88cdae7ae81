"""A read-only table model over a list of rows, its columns declared as data.

Each of the window's tables (operator messages, attacks, events) is a list of plain records
and a tuple of :class:`Column`; this model does the Qt bookkeeping once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

Row = TypeVar("Row")
_Index = QModelIndex | QPersistentModelIndex

#: Tones a column may give a cell, and their colours (readable on light and dark bases).
TONES = {
    "good": QColor("#1b7f3b"),
    "bad": QColor("#b3261e"),
    "warn": QColor("#a15c00"),
    "muted": QColor("#6b6f76"),
}


@dataclass(frozen=True)
class Column(Generic[Row]):
    """One column: its header, its text, and optionally a tone and a tooltip.

    Attributes:
        header: The header text.
        text: The cell's text for a row.
        tone: ``good``, ``bad``, ``warn``, ``muted`` or ``None`` for a row.
        tooltip: The cell's tooltip for a row (the full text of long cells).
    """

    header: str
    text: Callable[[Row], str]
    tone: Callable[[Row], str | None] | None = None
    tooltip: Callable[[Row], str] | None = None


class RecordTableModel(QAbstractTableModel, Generic[Row]):
    """``rows`` shown through ``columns``; :meth:`set_rows` replaces them.

    Args:
        columns: The columns, left to right.
        parent: Qt parent.
    """

    def __init__(self, columns: Sequence[Column[Row]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._rows: list[Row] = []

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show ``rows`` instead of what was there."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def append_rows(self, rows: Sequence[Row], *, keep: int | None = None) -> None:
        """Add ``rows`` at the end, dropping the oldest beyond ``keep`` rows."""
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        if keep is not None and len(self._rows) > keep:
            excess = len(self._rows) - keep
            self.beginRemoveRows(QModelIndex(), 0, excess - 1)
            del self._rows[:excess]
            self.endRemoveRows()

    def row(self, number: int) -> Row | None:
        """The record in row ``number``."""
        return self._rows[number] if 0 <= number < len(self._rows) else None

    @property
    def rows(self) -> list[Row]:
        """Every record shown (a copy)."""
        return list(self._rows)

    def cell(self, number: int, column: int) -> str:
        """The text shown at ``(number, column)`` (tests read the table through this)."""
        index = self.index(number, column)
        value = self.data(index)
        return "" if value is None else str(value)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        record = self.row(index.row())
        if record is None:
            return None
        column = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.text(record)
        if role == Qt.ItemDataRole.ForegroundRole and column.tone is not None:
            tone = column.tone(record)
            return None if tone is None else TONES[tone]
        if role == Qt.ItemDataRole.ToolTipRole:
            return (column.tooltip or column.text)(record)
        return None
