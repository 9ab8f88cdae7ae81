"""The display keeps each kind of record for its documented retention (ihd_app/store/retention.py)
and no longer, on a real SQLite file, with the clock moved on by months."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from ihd_app.core.data_access import DataAccess
from ihd_app.core.model import (
    Interval,
    MessageState,
    OutboxKind,
    RateBand,
    SecurityEvent,
    Tariff,
)
from ihd_app.core.readings import Fuel
from ihd_app.store.data_access import DataAccessLog
from ihd_app.store.database import Database
from ihd_app.store.messages import MessageRepository
from ihd_app.store.outbox import Outbox
from ihd_app.store.readings import ReadingsRepository
from ihd_app.store.retention import Retention, prune
from ihd_app.store.security_log import SecurityLog
from ihd_app.store.tariffs import TariffRepository
from tests.store.conftest import make_message
from tests.support import NOW

DAY = timedelta(days=1)


def _event(at: datetime, reason: str = "bad-signature") -> SecurityEvent:
    return SecurityEvent(at, reason, "the signature does not verify", "It was forged.")


def _tariff(name: str, effective_from: datetime) -> Tariff:
    return Tariff(
        Fuel.ELECTRICITY, name, (RateBand("All day", time(0), time(0), 24.5),), 53.0, effective_from
    )


def test_a_year_later_only_what_is_within_its_retention_is_left(db: Database) -> None:
    messages, log, outbox = MessageRepository(db), SecurityLog(db), Outbox(db)
    readings, tariffs = ReadingsRepository(db), TariffRepository(db)
    # A message acknowledged long ago, one that expired recently, and one still on screen from
    # long ago (an outage notice with no end): only the old finished one goes.
    messages.upsert(make_message("old-done", message_id=1, state=MessageState.ACKNOWLEDGED))
    messages.upsert(make_message("old-current", message_id=2, state=MessageState.DISPLAYED))
    messages.upsert(
        make_message("recent-done", message_id=3, state=MessageState.EXPIRED, minutes=300 * 24 * 60)
    )
    for days in (0, 200, 390):
        log.append(_event(NOW + days * DAY))
    delivered = outbox.enqueue(OutboxKind.CONFIRMATION, "ack:old", b"a", NOW)
    recent = outbox.enqueue(OutboxKind.CONFIRMATION, "ack:recent", b"b", NOW + 390 * DAY)
    pending = outbox.enqueue(OutboxKind.RECEIPT, "receipt:owed", b"c", NOW)
    assert delivered is not None
    assert recent is not None
    assert pending is not None
    outbox.mark_delivered(delivered.id, NOW + DAY)
    outbox.mark_delivered(recent.id, NOW + 395 * DAY)
    readings.add_intervals(
        [
            Interval(Fuel.ELECTRICITY, NOW + n * 30 * DAY, timedelta(minutes=30), 0.4)
            for n in range(14)
        ],
        "history",
    )
    for days, name in ((-120, "First"), (-30, "Second"), (200, "Third")):
        tariffs.save(_tariff(name, NOW + days * DAY))

    now = NOW + 400 * DAY
    deleted = prune(db, now)

    assert {m.key for m in messages.all()} == {"old-current", "recent-done"}
    assert [e.at for e in log.events()] == [NOW + 390 * DAY, NOW + 200 * DAY]
    assert outbox.get("ack:old") is None
    assert outbox.get("ack:recent") is not None
    assert outbox.get("receipt:owed") is not None, "a reply still owed is never pruned"
    kept = readings.intervals(Fuel.ELECTRICITY, NOW, now, "history")
    assert min(i.start for i in kept) >= now - 400 * DAY + 30 * DAY
    # The tariff in force at the oldest interval kept stays (its cost is still worked out).
    assert [t.name for t in tariffs.history(Fuel.ELECTRICITY)] == ["Second", "Third"]
    assert deleted.messages == 1
    assert deleted.security_events == 1
    assert deleted.delivered_replies == 1
    assert deleted.tariffs == 1
    assert deleted.intervals == 14 - len(kept)
    # Pruned again at once, nothing more goes; the message's history went with it.
    assert prune(db, now).total == 0
    assert db.connection.execute(
        "SELECT COUNT(*) FROM message_history WHERE message_key = 'old-done'"
    ).fetchone() == (0,)


def test_a_flood_of_forgeries_keeps_only_the_newest_entries(db: Database) -> None:
    log = SecurityLog(db)
    for minute in range(30):
        log.append(_event(NOW + timedelta(minutes=minute)))
    deleted = prune(db, NOW + DAY, Retention(security_log_rows=10))
    assert deleted.security_events == 20
    events = log.events()
    assert len(events) == 10
    assert events[-1].at == NOW + timedelta(minutes=20)


def test_a_database_that_cannot_be_written_loses_nothing(db: Database) -> None:
    MessageRepository(db).upsert(make_message("old-done", state=MessageState.EXPIRED))
    reader = sqlite3.connect(db.path)
    try:
        reader.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        db.connection.execute("PRAGMA busy_timeout=0")
        with pytest.raises(sqlite3.OperationalError):
            prune(db, NOW + 400 * DAY)
    finally:
        reader.rollback()
        reader.close()
    assert MessageRepository(db).get("old-done") is not None


def test_retention_counts_from_the_utc_instant_whatever_offset_was_stored(db: Database) -> None:
    outbox = Outbox(db)
    item = outbox.enqueue(OutboxKind.CONFIRMATION, "ack:bst", b"a", NOW)
    assert item is not None
    # Delivered at 00:30 British Summer Time, which is 23:30 UTC the day before.
    outbox.mark_delivered(item.id, datetime(2026, 6, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))))
    assert prune(db, datetime(2026, 6, 30, 23, 29, tzinfo=UTC)).delivered_replies == 0
    assert prune(db, datetime(2026, 6, 30, 23, 31, tzinfo=UTC)).delivered_replies == 1


def test_the_data_access_log_is_kept_thirteen_months(tmp_path: Path) -> None:
    with Database.in_data_dir(tmp_path) as db:
        log = DataAccessLog(db)
        old = _access("old", NOW - timedelta(days=400))
        recent = _access("recent", NOW - timedelta(days=300))
        assert log.add(old)
        assert log.add(recent)
        assert not log.add(recent), "a notice delivered twice is kept once"

        pruned = prune(db, NOW)

        assert pruned.data_access == 1
        assert [e.key for e in log.entries()] == ["recent"]


def _access(key: str, at: datetime) -> DataAccess:
    return DataAccess(
        key=key,
        at=at,
        party="dno",
        organisation="Northern Power Distribution",
        purpose="network-planning",
        fuel="electricity",
        asked="daily",
        given="daily",
        period_start=at - timedelta(days=7),
        period_end=at,
        values=7,
        reason="7 daily totals sent",
    )
