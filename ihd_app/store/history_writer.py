"""Stores the meter's history on a thread of its own, with a connection of its own.

A 13-month backfill writes 38,000 rows while the link keeps delivering more. Written from the
event loop, SQLite's work and each commit's wait for the disk are time the link is not served.
Here they run on a second thread: Python's ``sqlite3`` releases the interpreter's lock while
SQLite runs a statement and while it syncs the disk, and each response is one statement
(:func:`~ihd_app.store.readings.upsert_raw_profiles`), so storing overlaps the link on another
core.

Durability is unchanged: the writer's connection commits with ``synchronous=FULL`` like every
other, batches are committed in the order they were submitted, and a batch's result (rows
changed, or the error) is handed back only once it is committed, so the caller reports nothing as
stored before it is. A crash loses only batches not yet committed, which the backfill asks for
again. Other writers of the database wait for the writer's lock at most one batch (a few
milliseconds: the backfill submits a few responses at a time), and readers never wait (WAL).
"""

from __future__ import annotations

import contextlib
import queue
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from ihd_app.store.readings import IntervalSource, RawProfile, upsert_raw_profiles

#: How long a statement of the writer waits for another connection's lock (as the display's
#: own connection does).
BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class Written:
    """A batch's outcome: what the caller gave with it, and the rows changed or the error."""

    token: object
    result: int | sqlite3.Error


@dataclass(frozen=True)
class _Batch:
    token: object
    profiles: Sequence[RawProfile]
    duration: timedelta
    source: IntervalSource
    committed: Callable[[], None]


class HistoryWriter:
    """Commits batches of history responses on its own thread, in order.

    The thread starts with the first batch and ends in :meth:`close`.

    Args:
        path: The display's database file (opened again by the writer's thread).
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._queue: queue.SimpleQueue[_Batch | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        # Outcomes committed and not collected yet; the condition guards the counts.
        self._written: deque[Written] = deque()
        self._settled = threading.Condition()
        self._submitted = 0
        self._finished = 0

    def submit(
        self,
        token: object,
        profiles: Sequence[RawProfile],
        duration: timedelta,
        source: IntervalSource,
        committed: Callable[[], None],
    ) -> None:
        """Queue a batch to be committed in one transaction after those queued before it.

        Args:
            token: Handed back with the outcome (:meth:`collect`).
            profiles: The responses (:data:`~ihd_app.store.readings.RawProfile`).
            duration: Each interval's length.
            source: Where they came from.
            committed: Called on the writer's thread once the outcome can be collected (for
                example ``loop.call_soon_threadsafe`` of the collector).
        """
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="ihd-history-writer", daemon=True
            )
            self._thread.start()
        with self._settled:
            self._submitted += 1
        self._queue.put(_Batch(token, profiles, duration, source, committed))

    def collect(self) -> list[Written]:
        """The outcomes committed since the last call, in submission order."""
        written = []
        while self._written:
            written.append(self._written.popleft())
        return written

    @property
    def busy(self) -> bool:
        """Whether a submitted batch is not committed yet."""
        with self._settled:
            return self._finished < self._submitted

    def flush(self) -> None:
        """Wait until every batch submitted is committed (or has failed) and reported."""
        with self._settled:
            self._settled.wait_for(lambda: self._finished >= self._submitted)

    def close(self) -> None:
        """Commit what was submitted, then end the thread. Outcomes not collected are dropped."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._queue.put(None)
        thread.join()
        self._written.clear()

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        try:
            while (batch := self._queue.get()) is not None:
                result: int | sqlite3.Error
                try:
                    if connection is None:
                        connection = _connect(self._path)
                    result = _commit(connection, batch)
                except sqlite3.Error as exc:
                    result = exc
                self._written.append(Written(batch.token, result))
                # A closed event loop refuses the call: nobody is left to collect the outcome.
                with contextlib.suppress(RuntimeError):
                    batch.committed()
                with self._settled:
                    self._finished += 1
                    self._settled.notify_all()
        finally:
            if connection is not None:
                connection.close()


def _connect(path: Path) -> sqlite3.Connection:
    """A connection as durable as the display's own (the file is in WAL mode already)."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    except sqlite3.Error:
        connection.close()
        raise
    return connection


def _commit(connection: sqlite3.Connection, batch: _Batch) -> int:
    # The batch is one INSERT: in autocommit mode it is a transaction of its own, taking the
    # write lock as it starts and committing (with the disk's sync) as it ends, all while the
    # interpreter's lock is released. With BEGIN and COMMIT around it, the write lock would
    # also be held while this thread waits for the interpreter's lock between statements,
    # and the display's own writers would wait that long.
    return upsert_raw_profiles(connection, batch.profiles, batch.duration, batch.source)
