"""The service's background tasks: each started with a name, a failure logged and reported as
``service.error`` (never lost silently), and all of them cancelled and awaited on close."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

logger = logging.getLogger(__name__)


class BackgroundTasks:
    """The running tasks.

    Args:
        emit: Where DESIGN.md §8 events go.
    """

    def __init__(self, emit: Callable[..., Any]) -> None:
        self._emit = emit
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coroutine: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run ``coroutine`` as task ``name``."""
        task = asyncio.create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            logger.error("service task %s failed", task.get_name(), exc_info=error)
            self._emit("service.error", task=task.get_name(), error=str(error))

    async def cancel_all(self) -> None:
        """Cancel every task and wait for them to end."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
