"""Wiping personal data: everything about the occupier goes, replay protection stays."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ihd_app.core.model import Interval, OutboxKind, PairedMeter, SecurityEvent
from ihd_app.core.readings import Fuel, Reading
from ihd_app.protocol.consent_terms import Grant, Granularity
from ihd_app.store.consents import ConsentRepository
from ihd_app.store.data_access import DataAccessLog
from ihd_app.store.database import DATABASE_FILE, Database
from ihd_app.store.messages import MessageRepository
from ihd_app.store.outbox import Outbox
from ihd_app.store.paired_meter import PairedMeterRepository
from ihd_app.store.readings import ReadingsRepository
from ihd_app.store.replay_counters import SqliteReplayCounters
from ihd_app.store.security_log import SecurityLog
from ihd_app.store.settings import Settings
from ihd_app.store.wipe import wipe_personal_data
from tests.store.conftest import make_message
from tests.support import NOW
from tests.ui.fake.demo_data import demo_data_access

ADDRESS = "Flat 4, 12 Acacia Avenue"


def _fill(db: Database) -> None:
    messages = MessageRepository(db)
    messages.upsert(make_message("k1"))
    messages.upsert(make_message("k2", message_id=8, minutes=1))
    outbox = Outbox(db)
    delivered = outbox.enqueue(OutboxKind.RECEIPT, "receipt:k1", b"r1", NOW)
    assert delivered is not None
    outbox.mark_delivered(delivered.id, NOW)
    outbox.enqueue(OutboxKind.CONFIRMATION, "confirmation:k2", b"c2", NOW)
    ReadingsRepository(db).add_intervals(
        [
            Interval(Fuel.GAS, NOW + i * timedelta(minutes=30), timedelta(minutes=30), 1.0)
            for i in range(10)
        ],
        "history",
    )
    ReadingsRepository(db).save_latest(Reading(Fuel.GAS, NOW, 100.0, 2.0))
    ConsentRepository(db).save(Grant("dno", "network-planning", Granularity.DAILY, None, NOW))
    SecurityLog(db).append(SecurityEvent(NOW, "replay", ADDRESS, "explained"))
    DataAccessLog(db).add(demo_data_access(NOW)[0])
    PairedMeterRepository(db).save(
        PairedMeter("C0:FF:EE:00:00:01", "m", "Meter", b"f" * 32, NOW, NOW)
    )
    Settings(db).set("theme", "dark")
    assert SqliteReplayCounters(db).advance("dno-1", 1000)


def test_wipe_deletes_personal_data_and_keeps_replay_counters(tmp_path: Path) -> None:
    with Database.in_data_dir(tmp_path) as db:
        _fill(db)
        deleted = wipe_personal_data(db)
        assert deleted == {
            "message_history": 4,
            "messages": 2,
            "intervals": 10,
            "latest_readings": 1,
            "consent_grants": 1,
            "data_access_log": 1,
            "security_log": 1,
            "paired_meter": 1,
            "outbox": 1,
        }
        assert MessageRepository(db).all() == []
        assert ReadingsRepository(db).count(Fuel.GAS) == 0
        assert ReadingsRepository(db).latest(Fuel.GAS) is None
        assert ConsentRepository(db).all() == []
        assert SecurityLog(db).count() == 0
        assert PairedMeterRepository(db).get() is None
        # Still owed to the meter: the pending confirmation; and the delivered key is free.
        assert [item.dedupe_key for item in Outbox(db).pending()] == ["confirmation:k2"]
        assert Outbox(db).get("receipt:k1") is None
        # Replay protection survives: an old envelope stays refused after the wipe.
        counters = SqliteReplayCounters(db)
        assert counters.last_counter("dno-1") == 1000
        assert not counters.advance("dno-1", 999)
        assert Settings(db).get("theme") == "dark"
        assert db.connection.execute("PRAGMA secure_delete").fetchone()[0] == 0
    data = (tmp_path / DATABASE_FILE).read_bytes()
    wal = tmp_path / (DATABASE_FILE + "-wal")
    if wal.exists():
        data += wal.read_bytes()
    assert ADDRESS.encode() not in data


def test_wipe_refuses_to_run_inside_a_transaction(db: Database) -> None:
    _fill(db)
    with pytest.raises(RuntimeError, match="inside a transaction"), db.transaction():
        wipe_personal_data(db)
    assert SecurityLog(db).count() == 1
