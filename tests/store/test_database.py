"""The database: schema migrations from older files, and transactions that nest."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from ihd_app.core.model import MessageState, OutboxKind
from ihd_app.core.readings import Fuel
from ihd_app.protocol.consent_terms import Granularity
from ihd_app.store.consents import ConsentRepository
from ihd_app.store.database import (
    DATABASE_FILE,
    MIGRATIONS,
    Database,
    StoreError,
    default_data_dir,
)
from ihd_app.store.messages import MessageRepository
from ihd_app.store.outbox import Outbox
from ihd_app.store.readings import ReadingsRepository
from ihd_app.store.replay_counters import SqliteReplayCounters
from tests.store.conftest import make_message
from tests.support import NOW

HALF_HOUR = timedelta(minutes=30)
NEW_TABLES = {
    "messages",
    "message_history",
    "outbox",
    "intervals",
    "latest_readings",
    "tariffs",
    "security_log",
    "consent_grants",
    "data_access_log",
    "paired_meter",
    "settings",
}


def _tables(db: Database) -> set[str]:
    rows = db.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {name for (name,) in rows}


def test_fresh_database_has_the_latest_schema(db: Database) -> None:
    assert db.schema_version == len(MIGRATIONS) == 5
    assert _tables(db) >= NEW_TABLES | {"replay_counters"}


def test_version_1_file_is_upgraded_keeping_its_replay_counters(tmp_path: Path) -> None:
    path = tmp_path / DATABASE_FILE
    with Database(path, MIGRATIONS[:1]) as old:
        assert old.schema_version == 1
        assert not NEW_TABLES & _tables(old)
        assert SqliteReplayCounters(old).advance("dno-1", 41)
    with Database(path) as new:
        assert new.schema_version == len(MIGRATIONS)
        assert _tables(new) >= NEW_TABLES
        counters = SqliteReplayCounters(new)
        assert counters.last_counter("dno-1") == 41
        assert not counters.advance("dno-1", 41)
        MessageRepository(new).upsert(make_message())
        assert MessageRepository(new).get("a1b2c3") == make_message()


def test_version_2_file_loses_the_interval_index_by_start_keeping_its_intervals(
    tmp_path: Path,
) -> None:
    path = tmp_path / DATABASE_FILE
    end = NOW.replace(minute=0, second=0, microsecond=0)
    with Database(path, MIGRATIONS[:2]) as old:
        ReadingsRepository(old).add_profile(Fuel.GAS, end, HALF_HOUR, [0.5, 0.25], "history")
        assert "intervals_by_start" in _indexes(old)
    with Database(path) as new:
        assert new.schema_version == len(MIGRATIONS)
        assert "intervals_by_start" not in _indexes(new)
        readings = ReadingsRepository(new)
        assert [i.kwh for i in readings.intervals(Fuel.GAS, end - HALF_HOUR * 2, end)] == [
            0.25,
            0.5,
        ]
        # Pruning, its only user, goes by the primary key (one range per fuel) instead.
        plan = new.connection.execute(
            "EXPLAIN QUERY PLAN DELETE FROM intervals WHERE fuel = ? AND start_us < ?",
            ("gas", 0),
        ).fetchall()
        assert any("PRIMARY KEY" in row[-1] for row in plan)
        assert readings.prune(end) == 2


def test_version_3_consents_become_grants_per_purpose_keeping_each_choice(
    tmp_path: Path,
) -> None:
    """A household that had allowed the DNO "half-hourly data" and refused the supplier keeps
    exactly that after the upgrade to consent per purpose: nothing widened, nothing lost."""
    path = tmp_path / DATABASE_FILE
    with Database(path, MIGRATIONS[:3]) as old, old.transaction() as connection:
        connection.executemany(
            "INSERT INTO consents (party, allowed, changed_at) VALUES (?, ?, ?)",
            [("dno", 1, NOW.isoformat()), ("supplier", 0, NOW.isoformat())],
        )
    with Database(path) as new:
        grants = {(g.party, g.purpose): g.granularity for g in ConsentRepository(new).all()}
    assert grants == {
        ("dno", "network-planning"): Granularity.HALF_HOURLY,
        ("supplier", "billing"): None,
        ("supplier", "energy-advice"): None,
    }


def _indexes(db: Database) -> set[str]:
    rows = db.connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
    return {name for (name,) in rows}


def test_failed_migration_is_rolled_back_alone(tmp_path: Path) -> None:
    path = tmp_path / DATABASE_FILE
    Database(path, MIGRATIONS[:1]).close()
    broken = (*MIGRATIONS, "CREATE TABLE extra (x INTEGER); CREATE TABLE extra (y INTEGER)")
    with pytest.raises(StoreError, match="already exists"):
        Database(path, broken)
    with Database(path) as reopened:
        # Each migration is its own transaction: the last good one was applied, the broken one
        # after it left no trace.
        assert reopened.schema_version == len(MIGRATIONS)
        assert _tables(reopened) >= NEW_TABLES
        assert "extra" not in _tables(reopened)


def test_transaction_commits_together(db: Database) -> None:
    messages, outbox = MessageRepository(db), Outbox(db)
    messages.upsert(make_message())
    with db.transaction():
        messages.transition("a1b2c3", MessageState.ACKNOWLEDGED, NOW, "acknowledged")
        outbox.enqueue(OutboxKind.CONFIRMATION, "confirmation:a1b2c3", b"ack", NOW)
        assert db.connection.in_transaction
    assert not db.connection.in_transaction
    message = messages.get("a1b2c3")
    assert message is not None
    assert message.state is MessageState.ACKNOWLEDGED
    assert [item.dedupe_key for item in outbox.pending()] == ["confirmation:a1b2c3"]


def test_rollback_leaves_neither_the_state_change_nor_the_outbox_row(db: Database) -> None:
    messages, outbox = MessageRepository(db), Outbox(db)
    before = make_message()
    messages.upsert(before)

    def acknowledge_then_fail() -> None:
        with db.transaction():
            messages.transition("a1b2c3", MessageState.ACKNOWLEDGED, NOW, "acknowledged")
            outbox.enqueue(OutboxKind.CONFIRMATION, "confirmation:a1b2c3", b"ack", NOW)
            raise RuntimeError("signing failed")

    with pytest.raises(RuntimeError, match="signing failed"):
        acknowledge_then_fail()
    assert not db.connection.in_transaction
    assert messages.get("a1b2c3") == before
    assert outbox.pending() == []
    assert outbox.get("confirmation:a1b2c3") is None


def test_inner_block_rolls_back_alone_as_a_savepoint(db: Database) -> None:
    outbox = Outbox(db)

    def enqueue_then_fail() -> None:
        with db.transaction():
            outbox.enqueue(OutboxKind.RECEIPT, "receipt:2", b"r2", NOW)
            raise ValueError("inner")

    with db.transaction():
        outbox.enqueue(OutboxKind.RECEIPT, "receipt:1", b"r1", NOW)
        with pytest.raises(ValueError, match="inner"):
            enqueue_then_fail()
        assert db.connection.in_transaction
        outbox.enqueue(OutboxKind.RECEIPT, "receipt:3", b"r3", NOW)
    assert [item.dedupe_key for item in outbox.pending()] == ["receipt:1", "receipt:3"]


def test_outer_rollback_undoes_committed_inner_blocks(db: Database) -> None:
    outbox = Outbox(db)

    def nested_then_fail() -> None:
        with db.transaction():
            with db.transaction():
                outbox.enqueue(OutboxKind.RECEIPT, "receipt:1", b"r1", NOW)
            raise KeyError("outer")

    with pytest.raises(KeyError):
        nested_then_fail()
    assert outbox.pending() == []


def test_transaction_holds_the_write_lock_from_the_start(tmp_path: Path) -> None:
    with Database.in_data_dir(tmp_path) as first, Database.in_data_dir(tmp_path) as second:
        second.connection.execute("PRAGMA busy_timeout = 0")
        with first.transaction():
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                second.connection.execute("BEGIN IMMEDIATE")
            assert second.schema_version == len(MIGRATIONS)  # readers are not blocked (WAL)


def test_default_data_dir_is_per_user_and_named_after_the_app() -> None:
    data_dir = default_data_dir()
    assert data_dir.is_absolute()
    assert data_dir.name == "ihd-emulator"


def test_replay_counter_joins_a_callers_transaction(db: Database) -> None:
    counters, outbox = SqliteReplayCounters(db), Outbox(db)

    def accept_then_fail() -> None:
        with db.transaction():
            assert counters.advance("dno-1", 5)
            outbox.enqueue(OutboxKind.RECEIPT, "receipt:5", b"r", NOW)
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        accept_then_fail()
    assert counters.last_counter("dno-1") is None
    with db.transaction():
        assert counters.advance("dno-1", 5)
        assert not counters.advance("dno-1", 5)
    assert counters.last_counter("dno-1") == 5
