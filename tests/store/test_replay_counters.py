"""Replay counters in the IHD's SQLite file: durable, atomic, and versioned."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ihd_app.store.database import MIGRATIONS, Database, StoreError
from ihd_app.store.replay_counters import SqliteReplayCounters


def test_counters_survive_reopening(tmp_path: Path) -> None:
    with Database.in_data_dir(tmp_path) as db:
        counters = SqliteReplayCounters(db)
        assert counters.last_counter("dno") is None
        assert counters.advance("dno", 5)
    with Database.in_data_dir(tmp_path) as db:
        counters = SqliteReplayCounters(db)
        assert counters.last_counter("dno") == 5
        assert not counters.advance("dno", 5)
        assert not counters.advance("dno", 4)
        assert counters.advance("dno", 6)
        assert counters.advance("gdn", 1)


def test_full_uint64_range_keeps_order(tmp_path: Path) -> None:
    with Database.in_data_dir(tmp_path) as db:
        counters = SqliteReplayCounters(db)
        assert counters.advance("x", 0)
        assert counters.advance("x", 2**63)
        assert counters.advance("x", 2**64 - 1)
        assert counters.last_counter("x") == 2**64 - 1
        assert not counters.advance("x", 2**63 + 1)


def test_database_is_in_wal_mode(tmp_path: Path) -> None:
    with Database.in_data_dir(tmp_path) as db:
        mode = db.connection.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
        assert db.schema_version == len(MIGRATIONS)


def test_two_connections_see_each_others_counters(tmp_path: Path) -> None:
    with Database.in_data_dir(tmp_path) as first, Database.in_data_dir(tmp_path) as second:
        assert SqliteReplayCounters(first).advance("dno", 10)
        assert not SqliteReplayCounters(second).advance("dno", 10)


def test_newer_schema_is_refused_not_damaged(tmp_path: Path) -> None:
    path = tmp_path / "ihd.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    connection.close()
    with pytest.raises(StoreError, match="newer than this program"):
        Database(path)


def test_unopenable_path_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot open"):
        Database.in_data_dir(blocker / "sub")
