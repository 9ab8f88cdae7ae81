"""List models of messages: the current inbox and past messages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from ihd_app.core.model import InboxMessage
from ihd_app.service.api import IhdServiceApi
from ihd_app.ui import text
from ihd_app.ui.icons import message_icon_name
from ihd_app.ui.models.roles import ItemRole

_Index = QModelIndex | QPersistentModelIndex


class MessageListModel(QAbstractListModel):
    """Messages from a snapshot function, one row each, in the service's order."""

    def __init__(
        self,
        source: Callable[[], Sequence[InboxMessage]],
        parent: QObject | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self._source = source
        self._clock = clock
        self._messages: list[InboxMessage] = list(source())

    def refresh(self) -> None:
        """Take a new snapshot."""
        self.beginResetModel()
        self._messages = list(self._source())
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._messages)

    def message(self, row: int) -> InboxMessage | None:
        """The message in ``row``."""
        return self._messages[row] if 0 <= row < len(self._messages) else None

    def row_of(self, key: str) -> int:
        """The row of message ``key`` (-1 if absent)."""
        return next((i for i, m in enumerate(self._messages) if m.key == key), -1)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        message = self.message(index.row()) if index.isValid() else None
        if message is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return message.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return message.text
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{message.importance.value} importance: {message.title}. {message.text}"
        if role == ItemRole.VALUE:
            return message
        if role == ItemRole.KEY:
            return message.key
        if role == ItemRole.IMPORTANCE:
            return message.importance
        if role == ItemRole.TYPE:
            return message.type
        if role == ItemRole.STATE:
            return message.state
        if role == ItemRole.ICON_NAME:
            return message_icon_name(message.type)
        if role == ItemRole.SENDER:
            return message.originator_name
        if role == ItemRole.WHEN:
            return text.when(message.received_at, self._clock() if self._clock else None)
        if role == ItemRole.SUBTITLE:
            now = self._clock() if self._clock else None
            return f"{message.originator_name} · {text.when(message.received_at, now)}"
        return None


class InboxModel(MessageListModel):
    """Messages on display (``service.current_messages()``)."""

    def __init__(
        self,
        service: IhdServiceApi,
        parent: QObject | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(service.current_messages, parent, clock=clock)


class PastMessagesModel(MessageListModel):
    """Acknowledged, expired, superseded and cancelled messages (``service.past_messages()``)."""

    def __init__(
        self,
        service: IhdServiceApi,
        parent: QObject | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(service.past_messages, parent, clock=clock)
