"""Waiting for a program's events in tests: on the event log itself, never by sleeping."""

from __future__ import annotations

import asyncio
from typing import Any

from ihd_app.protocol.events import EventLog


class Events:
    """Collects the events of one program; a test awaits one by name and fields."""

    def __init__(self, log: EventLog) -> None:
        self.seen: list[dict[str, Any]] = []
        self._changed = asyncio.Event()
        log.subscribe(self._on_event)

    def _on_event(self, record: dict[str, Any]) -> None:
        self.seen.append(record)
        self._changed.set()

    def named(self, name: str, /, **fields: Any) -> list[dict[str, Any]]:
        return [
            r
            for r in self.seen
            if r["event"] == name and all(r.get(k) == v for k, v in fields.items())
        ]

    async def wait(self, name: str, /, timeout: float = 10, **fields: Any) -> dict[str, Any]:
        """The latest event ``name`` with ``fields`` (waiting for it if there is none yet)."""
        async with asyncio.timeout(timeout):
            while not (found := self.named(name, **fields)):
                self._changed.clear()
                await self._changed.wait()
        return found[-1]

    async def wait_count(
        self, name: str, count: int, /, timeout: float = 10, **fields: Any
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` events ``name`` with ``fields`` were logged."""
        async with asyncio.timeout(timeout):
            while len(found := self.named(name, **fields)) < count:
                self._changed.clear()
                await self._changed.wait()
        return found
