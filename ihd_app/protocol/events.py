"""``--events FILE``: the JSON-lines event log both programs write (DESIGN.md §8).

Each line is ``{"ts": ISO-8601, "event": NAME, ...fields}``. Automation, the docs and the tests
read these files, so names and fields are part of the interface contract.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

#: Receives every event as it is logged (the GUI's event view, tests).
EventListener = Callable[[dict[str, Any]], None]


class EventLog:
    """Writes events as JSON lines, flushing each so a reader (or a crash) loses nothing.

    Args:
        path: The file to append to; ``-`` writes to standard output (what tests and pipelines
            read); ``None`` keeps events for listeners only.
        clock: Current time, for the ``ts`` field.
    """

    def __init__(
        self, path: Path | None = None, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._clock = clock
        self._listeners: list[EventListener] = []
        self._file: IO[str] | None = None
        self._owns_file = False
        if path is not None and str(path) == "-":
            self._file = sys.stdout
        elif path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")
            self._owns_file = True

    def subscribe(self, listener: EventListener) -> Callable[[], None]:
        """Call ``listener`` with every event; returns a function that unsubscribes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def emit(self, event: str, **fields: Any) -> dict[str, Any]:
        """Log ``event`` with ``fields``; returns the record written."""
        record: dict[str, Any] = {
            "ts": self._clock().isoformat(timespec="milliseconds"),
            "event": event,
            **fields,
        }
        if self._file is not None:
            self._file.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            self._file.flush()
        for listener in list(self._listeners):
            listener(record)
        return record

    def close(self) -> None:
        """Close the file."""
        if self._file is not None and self._owns_file:
            self._file.close()
        self._file = None


def read_events(path: Path) -> list[dict[str, Any]]:
    """Every complete event in ``path`` (a partly written last line is ignored)."""
    events: list[dict[str, Any]] = []
    if not path.exists():
        return events
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            events.append(record)
    return events


class EventWaiter:
    """Collects the events of one program and awaits one by name and fields.

    Waiting is on the event log itself (never by sleeping): tests, the live screenshot tool and
    the benchmarks all follow a program this way.
    """

    def __init__(self, log: EventLog) -> None:
        self.seen: list[dict[str, Any]] = []
        self._changed = asyncio.Event()
        log.subscribe(self._on_event)

    def _on_event(self, record: dict[str, Any]) -> None:
        self.seen.append(record)
        self._changed.set()

    def named(self, name: str, /, **fields: Any) -> list[dict[str, Any]]:
        """Events called ``name`` whose fields include ``fields``, oldest first."""
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
