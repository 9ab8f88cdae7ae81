"""The UI's side of the service: notifications as Qt signals, actions as tracked tasks.

The service calls its listeners on the asyncio loop, which qasync runs on the Qt thread; a
listener may still be called from another thread (a radio callback), so changes cross into Qt
through a queued signal. Bursts are coalesced: each topic is delivered once per event-loop turn.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from ihd_app.service.api import Change, IhdServiceApi, Topic

logger = logging.getLogger(__name__)


class ServiceBridge(QObject):
    """Re-emits the service's :class:`Change` notifications on the Qt thread.

    Attributes:
        changed: Emitted once per topic (its value) per event-loop turn.
    """

    changed = Signal(str)
    _incoming = Signal(str)

    def __init__(self, service: IhdServiceApi, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self._pending: list[Topic] = []
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(0)
        self._flush.timeout.connect(self._deliver)
        self._incoming.connect(self._queue, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe: Callable[[], None] | None = service.subscribe(self._on_change)

    def _on_change(self, change: Change) -> None:
        self._incoming.emit(change.topic.value)

    @Slot(str)
    def _queue(self, topic: str) -> None:
        if self._unsubscribe is None:
            return
        value = Topic(topic)
        if value not in self._pending:
            self._pending.append(value)
        if not self._flush.isActive():
            self._flush.start()

    @Slot()
    def _deliver(self) -> None:
        pending, self._pending = self._pending, []
        for topic in pending:
            self.changed.emit(topic.value)

    def close(self) -> None:
        """Stop listening."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._flush.stop()
        self._pending.clear()


class TaskRunner(QObject):
    """Runs the service's coroutines as tasks, keeps references, reports failures.

    Attributes:
        failed: ``(what, error message)`` when an action fails.
    """

    failed = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def pending(self) -> int:
        """Tasks still running."""
        return len(self._tasks)

    def run(
        self,
        what: str,
        coroutine: Coroutine[Any, Any, Any],
        on_done: Callable[[Any], None] | None = None,
    ) -> asyncio.Task[Any]:
        """Start ``coroutine``; ``on_done`` gets its result; a failure emits :attr:`failed`."""
        task: asyncio.Task[Any] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)

        def finished(done: asyncio.Task[Any]) -> None:
            self._tasks.discard(done)
            if done.cancelled():
                return
            error = done.exception()
            if error is not None:
                logger.warning("%s failed: %s", what, error, exc_info=error)
                self.failed.emit(what, str(error) or type(error).__name__)
            elif on_done is not None:
                on_done(done.result())

        task.add_done_callback(finished)
        return task

    async def cancel_all(self) -> None:
        """Cancel every running task and wait for them to end."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
