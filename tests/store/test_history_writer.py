"""History stored on the writer's thread: committed durably, in order, reported only once
committed, errors handed back, and no thread left behind."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

from ihd_app.core.readings import Fuel
from ihd_app.store.database import Database
from ihd_app.store.history_writer import HistoryWriter, Written
from ihd_app.store.readings import RawProfile, ReadingsRepository
from tests.support import NOW

HALF_HOUR = timedelta(minutes=30)
END = NOW.replace(minute=0, second=0, microsecond=0)


def _writer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "ihd-history-writer"]


def _kwh(path: Path, fuel: Fuel) -> dict[int, float]:
    """What another connection reads: only what is committed."""
    reader = sqlite3.connect(path)
    try:
        rows = reader.execute(
            "SELECT start_us, kwh FROM intervals WHERE fuel = ? AND source = 'history'",
            (fuel.value,),
        ).fetchall()
    finally:
        reader.close()
    return dict(rows)


def test_batches_are_committed_in_order_and_reported_only_once_committed(
    db: Database,
) -> None:
    writer = HistoryWriter(db.path)
    assert not _writer_threads()  # no thread until there is something to write
    seen_when_reported: list[int] = []

    def committed() -> None:  # on the writer's thread, after the commit
        seen_when_reported.append(len(_kwh(db.path, Fuel.GAS)))

    # Ten batches over the same 300 half hours, each with other values: the last one wins,
    # which it does only if they are committed in the order submitted.
    for n in range(10):
        profiles: list[RawProfile] = [
            (Fuel.GAS, END, [n] * 255, 1.0),
            (Fuel.GAS, END - HALF_HOUR * 255, [n + 100] * 45, 1.0),
        ]
        writer.submit(n, profiles, HALF_HOUR, "history", committed)
    writer.flush()
    assert not writer.busy
    written = writer.collect()
    assert [w.token for w in written] == list(range(10))
    assert all(w.result == 300 for w in written)
    assert seen_when_reported == [300] * 10
    stored = _kwh(db.path, Fuel.GAS)
    assert sorted(set(stored.values())) == [9 / 1000, 109 / 1000]
    writer.close()
    assert not _writer_threads()
    # The display's own connection sees them too, as one history.
    readings = ReadingsRepository(db)
    assert readings.count(Fuel.GAS, "history") == 300


def test_a_failed_batch_hands_its_error_back_and_the_next_ones_are_still_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ihd.sqlite3"
    writer = HistoryWriter(path)
    profiles: list[RawProfile] = [(Fuel.ELECTRICITY, END, [1, 2, 3], 1.0)]
    writer.submit(1, profiles, HALF_HOUR, "history", lambda: None)
    writer.flush()
    with Database(path):  # now the schema is there
        writer.submit(2, profiles, HALF_HOUR, "history", lambda: None)
        writer.flush()
        first, second = writer.collect()
        assert first.token == 1
        assert isinstance(first.result, sqlite3.OperationalError)
        assert second == Written(2, 3)
        writer.close()
    assert not _writer_threads()


def test_closing_commits_what_was_submitted(db: Database) -> None:
    writer = HistoryWriter(db.path)
    release = threading.Event()
    # The first batch's report waits, so the others are still queued when close() is called.

    def held() -> None:
        release.wait()

    writer.submit(0, [(Fuel.GAS, END, [5] * 10, 1.0)], HALF_HOUR, "history", held)
    for n in range(1, 4):
        profiles: list[RawProfile] = [(Fuel.GAS, END - HALF_HOUR * 10 * n, [5] * 10, 1.0)]
        writer.submit(n, profiles, HALF_HOUR, "history", lambda: None)
    release.set()
    writer.close()
    assert not _writer_threads()
    assert len(_kwh(db.path, Fuel.GAS)) == 40
    writer.close()  # twice is harmless
