"""Holding the display's stored data to its retention (:mod:`ihd_app.store.retention`): pruned
at start and then once a day while the display runs, for a display that is never restarted
keeps months of data too."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from ihd_app.store.database import Database
from ihd_app.store.retention import DEFAULT_RETENTION, Pruned, Retention, prune

#: How often the retention is applied while the display runs.
PRUNE_EVERY: Final = timedelta(days=1)


class RetentionKeeper:
    """Prunes when due.

    Args:
        database: The display's database.
        emit: Where DESIGN.md §8 events go (``storage.pruned``).
        pruned: Called after rows were deleted (screens listing messages or the security log
            read them again).
        storage_failed: Reports a failed write (tried again at the next check).
        retention: How long each kind of record is kept.
    """

    def __init__(
        self,
        database: Database,
        *,
        emit: Callable[..., Any],
        pruned: Callable[[Pruned], None],
        storage_failed: Callable[[sqlite3.Error], None],
        retention: Retention = DEFAULT_RETENTION,
    ) -> None:
        self._database = database
        self._emit = emit
        self._pruned = pruned
        self._storage_failed = storage_failed
        self._retention = retention
        self._last: datetime | None = None

    def check(self, now: datetime) -> None:
        """Prune if it has not been done in the last :data:`PRUNE_EVERY` (or the clock went
        back)."""
        last = self._last
        if last is not None and timedelta(0) <= now - last < PRUNE_EVERY:
            return
        try:
            deleted = prune(self._database, now, self._retention)
        except sqlite3.Error as exc:
            self._storage_failed(exc)
            return
        self._last = now
        if deleted.total:
            self._emit("storage.pruned", **deleted.to_event())
            self._pruned(deleted)
