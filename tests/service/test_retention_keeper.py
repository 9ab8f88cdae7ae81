"""A display left running for months keeps to its retention: pruned at start and once a day,
told on the event log, and screens refreshed when messages or security events went."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

from ihd_app.core.model import MessageState
from ihd_app.service.retention_keeper import PRUNE_EVERY, RetentionKeeper
from ihd_app.store.database import Database
from ihd_app.store.messages import MessageRepository
from ihd_app.store.retention import Pruned
from tests.store.conftest import make_message
from tests.support import NOW


def test_pruned_at_start_then_once_a_day(tmp_path: Path) -> None:
    events: list[tuple[str, dict[str, Any]]] = []
    pruned: list[Pruned] = []
    failures: list[sqlite3.Error] = []
    with Database.in_data_dir(tmp_path) as db:
        messages = MessageRepository(db)
        keeper = RetentionKeeper(
            db,
            emit=lambda name, /, **fields: events.append((name, fields)),
            pruned=pruned.append,
            storage_failed=failures.append,
        )
        keeper.check(NOW)  # at start: nothing old yet, nothing said
        assert events == []
        messages.upsert(make_message("done", state=MessageState.EXPIRED))
        later = NOW + timedelta(days=366)
        keeper.check(later)  # a year on, at the daily check
        assert [name for name, _ in events] == ["storage.pruned"]
        assert events[0][1]["messages"] == 1
        assert [p.messages for p in pruned] == [1]
        messages.upsert(make_message("done-2", message_id=8, state=MessageState.EXPIRED))
        keeper.check(later + PRUNE_EVERY / 2)  # not due: a day has not passed
        assert len(events) == 1
        keeper.check(later + PRUNE_EVERY)
        assert len(events) == 2
        assert messages.all() == []
        assert failures == []
