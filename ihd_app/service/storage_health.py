"""Whether the display's database can be written: a failed write is reported once per failure
(``storage.error``), its end once (``storage.recovered``), and nothing crashes."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)


class StorageHealth:
    """Reports storage failures and the recovery after them.

    Args:
        emit: Where DESIGN.md §8 events go.
        waiting: How many received envelopes wait in memory for storage.
        on_recovery: Called once everything waiting is stored after a failure (deliver what
            waited, resume the backfill).
    """

    def __init__(
        self,
        emit: Callable[..., Any],
        waiting: Callable[[], int],
        on_recovery: Callable[[], None],
    ) -> None:
        self._emit = emit
        self._waiting = waiting
        self._on_recovery = on_recovery
        self._error: str | None = None

    def failed(self, exc: sqlite3.Error) -> None:
        """Report a failed write once per failure (``storage.error``); nothing crashes."""
        full = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
        reason = "disk-full" if full else "storage-error"
        if self._error == reason:
            return
        self._error = reason
        logger.error("cannot write the database: %s", exc)
        self._emit(
            "storage.error",
            reason=reason,
            detail=str(exc),
            waiting=self._waiting(),
            explanation=(
                "The display's storage is full: messages are kept in memory and shown once "
                "space is freed."
                if full
                else "The display cannot write its database; it keeps trying."
            ),
        )

    def succeeded(self) -> None:
        """After a failure: everything waiting is stored; say so and resume the backfill."""
        if self._error is None or self._waiting():
            return
        self._error = None
        self._emit("storage.recovered")
        self._on_recovery()
