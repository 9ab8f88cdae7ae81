"""The durable outbox: one row per logical item, delivery order, idempotent delivery."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from ihd_app.core.model import OutboxItem, OutboxKind
from ihd_app.store.database import Database
from ihd_app.store.outbox import Outbox
from tests.support import NOW


def test_enqueue_round_trips_an_outbox_item(db: Database) -> None:
    outbox = Outbox(db)
    item = outbox.enqueue(OutboxKind.RECEIPT, "receipt:a1", b"\x00signed\xff", NOW)
    assert item == OutboxItem(1, OutboxKind.RECEIPT, "receipt:a1", b"\x00signed\xff", NOW)
    assert outbox.get("receipt:a1") == item
    assert outbox.by_id(1) == item
    assert outbox.pending() == [item]


def test_enqueue_twice_keeps_one_row(db: Database) -> None:
    outbox = Outbox(db)
    first = outbox.enqueue(OutboxKind.CONFIRMATION, "confirmation:a1", b"one", NOW)
    again = outbox.enqueue(OutboxKind.CONFIRMATION, "confirmation:a1", b"two", NOW)
    assert first is not None
    assert again is None
    assert outbox.pending() == [first]
    assert outbox.pending_count() == 1
    count = db.connection.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    assert count == 1


def test_delivered_item_still_refuses_its_duplicate(db: Database) -> None:
    outbox = Outbox(db)
    item = outbox.enqueue(OutboxKind.CONFIRMATION, "confirmation:a1", b"one", NOW)
    assert item is not None
    assert outbox.mark_delivered(item.id, NOW)
    assert outbox.enqueue(OutboxKind.CONFIRMATION, "confirmation:a1", b"one", NOW) is None
    assert outbox.pending() == []


def test_pending_is_in_queue_order(db: Database) -> None:
    outbox = Outbox(db)
    keys = [f"receipt:{i}" for i in range(5)]
    for i, key in enumerate(keys):
        # created_at deliberately out of order: delivery order is queue order, not timestamps
        outbox.enqueue(OutboxKind.RECEIPT, key, key.encode(), NOW - timedelta(minutes=i))
    assert [item.dedupe_key for item in outbox.pending()] == keys
    assert [item.dedupe_key for item in outbox.pending(limit=2)] == keys[:2]
    outbox.mark_delivered(2, NOW)
    assert [item.id for item in outbox.pending()] == [1, 3, 4, 5]


def test_attempts_and_errors_are_counted_until_delivery(db: Database) -> None:
    outbox = Outbox(db)
    item = outbox.enqueue(OutboxKind.ERROR, "error:x", b"e", NOW)
    assert item is not None
    outbox.mark_attempt(item.id, "link dropped")
    outbox.mark_attempt(item.id, "meter busy")
    (pending,) = outbox.pending()
    assert (pending.attempts, pending.last_error) == (2, "meter busy")
    assert not outbox.delivered("error:x")
    delivered_at = NOW + timedelta(minutes=1)
    assert outbox.mark_delivered(item.id, delivered_at)
    assert not outbox.mark_delivered(item.id, delivered_at + timedelta(hours=1))
    outbox.mark_attempt(item.id, "late")  # no effect on a delivered item
    assert outbox.delivered("error:x")
    assert not outbox.delivered("unknown")
    assert not outbox.mark_delivered(999, NOW)
    assert outbox.get("error:x") == OutboxItem(
        item.id, OutboxKind.ERROR, "error:x", b"e", NOW, 2, delivered_at, "meter busy"
    )


def test_ids_are_never_reused_after_a_wipe_of_delivered_items(tmp_path: Path) -> None:
    with Database.in_data_dir(tmp_path) as db:
        outbox = Outbox(db)
        item = outbox.enqueue(OutboxKind.RECEIPT, "receipt:1", b"r", NOW)
        assert item is not None
        outbox.mark_delivered(item.id, NOW)
        db.connection.execute("DELETE FROM outbox")
        newer = outbox.enqueue(OutboxKind.RECEIPT, "receipt:2", b"r", NOW)
        assert newer is not None
        assert newer.id > item.id
