"""The meter's events as a Qt signal, coalesced once per event-loop turn.

The runtime writes every event to its :class:`~ihd_app.protocol.events.EventLog`; the window
listens to the same log (what the window shows is what ``--events`` records). Listeners run on
the asyncio loop, which qasync runs on the Qt thread; bursts (a scenario step, an attack run)
reach the panels as one batch so the tables are rebuilt once, not per record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from ihd_app.protocol.events import EventLog


class EventBridge(QObject):
    """Re-emits an event log's records in batches on the Qt thread.

    Attributes:
        arrived: A list of event records (dicts), oldest first.
    """

    arrived = Signal(list)
    _incoming = Signal(dict)

    def __init__(self, events: EventLog, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: list[dict[str, Any]] = []
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(0)
        self._flush.timeout.connect(self._deliver)
        # Queued: a listener may be called from a radio callback in another thread.
        self._incoming.connect(self._queue, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe: Callable[[], None] | None = events.subscribe(self._incoming.emit)

    @Slot(dict)
    def _queue(self, record: dict[str, Any]) -> None:
        if self._unsubscribe is None:
            return
        self._pending.append(record)
        if not self._flush.isActive():
            self._flush.start()

    @Slot()
    def _deliver(self) -> None:
        pending, self._pending = self._pending, []
        if pending:
            self.arrived.emit(pending)

    def close(self) -> None:
        """Stop listening (the window closes before the runtime's last events)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._flush.stop()
        self._pending.clear()
