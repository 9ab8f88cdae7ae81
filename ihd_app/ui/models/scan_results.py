"""Table model of the meters a scan found."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from ihd_app.link.meter_link import ScanResult
from ihd_app.ui.models.roles import ItemRole

_Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    """Columns of the scan list."""

    NAME = 0
    ADDRESS = 1
    RSSI = 2


_HEADERS = {Column.NAME: "Name", Column.ADDRESS: "Address", Column.RSSI: "Signal"}


def signal_words(rssi: int) -> str:
    """``-52 dBm (strong)``."""
    strength = "strong" if rssi >= -60 else "fair" if rssi >= -75 else "weak"
    return f"{rssi} dBm ({strength})"


class ScanResultsModel(QAbstractTableModel):
    """The results of the last scan, strongest signal first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._results: list[ScanResult] = []

    def set_results(self, results: Sequence[ScanResult]) -> None:
        """Show ``results``."""
        self.beginResetModel()
        self._results = sorted(results, key=lambda r: r.rssi, reverse=True)
        self.endResetModel()

    def result(self, row: int) -> ScanResult | None:
        """The result in ``row``."""
        return self._results[row] if 0 <= row < len(self._results) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._results)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[Column(section)]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        result = self.result(index.row()) if index.isValid() else None
        if result is None:
            return None
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if column is Column.NAME:
                return result.name or "(no name)"
            if column is Column.ADDRESS:
                return result.address
            return f"{result.rssi} dBm"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{result.name} · {result.address} · {signal_words(result.rssi)}"
        if role == ItemRole.VALUE:
            return result
        if role == Qt.ItemDataRole.TextAlignmentRole and column is Column.RSSI:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
