"""Table model of the security log: every refusal, newest first."""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from ihd_app.core.model import SecurityEvent
from ihd_app.service.api import IhdServiceApi
from ihd_app.ui import text
from ihd_app.ui.models.roles import ItemRole

_Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    """Columns of the security log."""

    TIME = 0
    REASON = 1
    EXPLANATION = 2
    CLAIMED = 3


_HEADERS = {
    Column.TIME: "Time",
    Column.REASON: "Reason",
    Column.EXPLANATION: "What it means",
    Column.CLAIMED: "Claimed sender (unverified)",
}


def claimed(event: SecurityEvent) -> str:
    """What the refused envelope claimed, marked unverified."""
    who = event.claimed_originator or "unknown sender"
    kind = event.claimed_type or "unknown type"
    return f"{who} · {kind} (unverified)"


class SecurityLogModel(QAbstractTableModel):
    """``service.security_log()`` as a table."""

    def __init__(self, service: IhdServiceApi, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._events: list[SecurityEvent] = list(service.security_log())

    def refresh(self) -> None:
        """Take a new snapshot."""
        self.beginResetModel()
        self._events = list(self._service.security_log())
        self.endResetModel()

    def event(self, row: int) -> SecurityEvent | None:  # type: ignore[override]
        """The event in ``row``."""
        return self._events[row] if 0 <= row < len(self._events) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[Column(section)]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        event = self.event(index.row()) if index.isValid() else None
        if event is None:
            return None
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if column is Column.TIME:
                return text.timestamp(event.at)
            if column is Column.REASON:
                return event.reason
            if column is Column.EXPLANATION:
                return text.reason_explanation(event.reason)
            return claimed(event)
        if role == Qt.ItemDataRole.ToolTipRole:
            return event.detail
        if role == ItemRole.VALUE:
            return event
        if role == ItemRole.REASON:
            return event.reason
        return None
