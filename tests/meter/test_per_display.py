"""Several displays of one home: store and forward owes each message to each commissioned
display once, and the status table keeps how far a message got on each."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from meter_emulator.delivery import Origin, StoreAndForward
from meter_emulator.operator.display_status import DisplayStep, short_id
from meter_emulator.operator.status import DeliveryStatus, MessageRecord
from meter_emulator.ui.models.messages import outcome

FIRST = "00-1D-A6-00-00-00-01-01"
SECOND = "00-1D-A6-00-00-00-01-02"
BOTH = frozenset({FIRST, SECOND})
AT = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def _queue(path: Path) -> StoreAndForward:
    return StoreAndForward(path / "store-and-forward.json")


def test_a_message_stays_until_each_display_owed_it_had_it(tmp_path: Path) -> None:
    queue = _queue(tmp_path)
    first = queue.put(b"one", Origin.OPERATOR, "message.general", AT.isoformat(), due=BOTH)
    second = queue.put(b"two", Origin.METER, "supply.restored", AT.isoformat(), due=BOTH)

    assert not queue.delivered(first.seq, FIRST)
    assert not queue.delivered(second.seq, FIRST)
    # The first display has had both; the second, away, is still owed both, in order.
    assert queue.due_to(FIRST) == []
    assert [item.envelope for item in queue.due_to(SECOND)] == [b"one", b"two"]

    reopened = _queue(tmp_path)  # kept across a restart, with whom each is still owed to
    assert [item.due for item in reopened.pending()] == [frozenset({SECOND})] * 2
    assert reopened.delivered(first.seq, SECOND)
    assert reopened.delivered(second.seq, SECOND)
    assert len(reopened) == 0
    assert len(_queue(tmp_path)) == 0


def test_unaddressed_messages_are_owed_to_the_displays_commissioned_when_delivered(
    tmp_path: Path,
) -> None:
    queue = _queue(tmp_path)
    item = queue.put(b"one", Origin.OPERATOR, "message.general", AT.isoformat())
    assert item.due is None
    assert queue.address(frozenset()) == []  # nobody commissioned: it waits
    assert queue.address(BOTH) == []
    assert queue.due_to(SECOND)[0].seq == item.seq


def test_a_message_owed_only_to_a_display_taken_off_the_log_is_dropped(tmp_path: Path) -> None:
    queue = _queue(tmp_path)
    kept = queue.put(b"one", Origin.OPERATOR, "message.general", AT.isoformat(), due=BOTH)
    gone = queue.put(b"two", Origin.OPERATOR, "message.general", AT.isoformat(), due=BOTH)
    queue.delivered(gone.seq, FIRST)  # only the second display is still owed it

    dropped = queue.address(frozenset({FIRST}))

    assert [item.seq for item in dropped] == [gone.seq]
    assert [(item.seq, item.due) for item in queue.pending()] == [(kept.seq, frozenset({FIRST}))]


def _record() -> MessageRecord:
    return MessageRecord(
        key="ab" * 16,
        origin="operator",
        role="dno",
        originator="90-B3-D5-1F-30-01-00-01",
        type="outage.planned",
        message_id=7,
        text="Planned power cut",
        created_at=AT,
        needs_ack=True,
    )


def test_each_display_has_its_own_status_and_the_message_the_furthest() -> None:
    record = _record()
    record.forwarded_at = AT
    for ihd_id in (FIRST, SECOND):
        record.display(ihd_id).forwarded_at = AT
    record.display(SECOND).receipt_at = AT
    first = record.display(FIRST)
    first.receipt_at = first.displayed_at = first.acknowledged_at = AT
    first.acknowledged_answer = True
    record.receipt_at = record.acknowledged_at = AT

    assert record.display(FIRST).step is DisplayStep.ACKNOWLEDGED
    assert record.display(SECOND).step is DisplayStep.RECEIVED
    assert record.status is DeliveryStatus.ACKNOWLEDGED
    displays = record.to_dict()["displays"]
    assert isinstance(displays, dict)
    assert {k: v["status"] for k, v in displays.items()} == {
        FIRST: "acknowledged",
        SECOND: "received",
    }
    said = outcome(record)
    assert said.startswith("IHD 00-…-01-01: acknowledged ")
    assert said.endswith("(yes); IHD 00-…-01-02: received " + said[-8:])


def test_one_display_reads_as_before() -> None:
    record = _record()
    record.forwarded_at = AT
    record.display(FIRST).forwarded_at = AT
    assert outcome(record).startswith("forwarded ")
    assert "IHD" not in outcome(record)


def test_short_ids_tell_displays_apart() -> None:
    assert short_id(SECOND) == "00-…-01-02"
    assert short_id("kitchen-display") == "kitchen-display"
