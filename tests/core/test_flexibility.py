"""The display's flexibility board: an event moves from upcoming to running to completed as
time passes, and every step owes its originator the right ZSE EventStatus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ihd_app.core.flexibility import EventPhase, FlexibilityBoard, ShownEvent, StatusDue
from ihd_app.protocol.demand_response import FlexibilityEvent
from ihd_app.protocol.zcl import DeviceClass, EventStatus

FIVE = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)


def shown(event_id: int = 1, start: datetime = FIVE, originator: str = "dno") -> ShownEvent:
    event = FlexibilityEvent(event_id, start, 60, 20, DeviceClass.ELECTRIC_VEHICLE, reward="£2")
    return ShownEvent(event, originator, "Northern Power", f"key-{event_id}")


def statuses(due: list[StatusDue]) -> list[EventStatus]:
    return [d.status for d in due]


def test_an_event_is_received_started_and_completed_on_time() -> None:
    board = FlexibilityBoard()
    before = FIVE - timedelta(hours=1)
    assert statuses(board.receive(shown(), before)) == [EventStatus.RECEIVED]
    assert [e.phase for e in board.upcoming()] == [EventPhase.UPCOMING]
    assert board.tick(FIVE - timedelta(seconds=1)) == []
    started = board.tick(FIVE)
    assert statuses(started) == [EventStatus.STARTED]
    assert started[0].at == FIVE
    running = board.running()
    assert running is not None
    assert running.remaining_s(FIVE + timedelta(minutes=15)) == 45 * 60
    completed = board.tick(FIVE + timedelta(hours=2))
    assert statuses(completed) == [EventStatus.COMPLETED]
    assert completed[0].at == FIVE + timedelta(hours=1)  # when it ended, not when noticed
    assert board.running() is None


def test_an_event_that_is_over_when_it_arrives_is_rejected_as_expired() -> None:
    board = FlexibilityBoard()
    due = board.receive(shown(), FIVE + timedelta(hours=3))
    assert statuses(due) == [EventStatus.REJECTED_EXPIRED]
    assert board.all() == []


def test_the_same_id_from_the_same_originator_supersedes() -> None:
    board = FlexibilityBoard()
    board.receive(shown(start=FIVE), FIVE - timedelta(hours=2))
    later = shown(start=FIVE + timedelta(hours=1))
    due = board.receive(later, FIVE - timedelta(hours=1))
    assert statuses(due) == [EventStatus.SUPERSEDED, EventStatus.RECEIVED]
    assert [e.event.start for e in board.all()] == [FIVE + timedelta(hours=1)]
    # Another originator's event 1 is another event.
    board.receive(shown(originator="supplier"), FIVE - timedelta(hours=1))
    assert len(board.all()) == 2


def test_opt_out_is_final_and_only_once() -> None:
    board = FlexibilityBoard()
    board.receive(shown(), FIVE)
    assert statuses(board.opt_out("dno", 1, FIVE + timedelta(minutes=5))) == [EventStatus.OPTED_OUT]
    assert board.opt_out("dno", 1, FIVE + timedelta(minutes=6)) == []
    assert board.tick(FIVE + timedelta(hours=2)) == []  # no "completed" after an opt-out
    assert board.all()[0].phase is EventPhase.OPTED_OUT


def test_cancelling_an_unknown_event_says_so_and_cancel_all_is_per_originator() -> None:
    board = FlexibilityBoard()
    assert statuses(board.cancel("dno", 99, FIVE)) == [EventStatus.REJECTED_UNDEFINED_EVENT]
    board.receive(shown(1), FIVE - timedelta(hours=1))
    board.receive(shown(2, originator="supplier"), FIVE - timedelta(hours=1))
    assert statuses(board.cancel("dno", None, FIVE)) == [EventStatus.CANCELLED]
    assert {e.originator: e.phase for e in board.all()} == {
        "dno": EventPhase.CANCELLED,
        "supplier": EventPhase.UPCOMING,
    }


def test_an_event_survives_its_json_form() -> None:
    kept = shown()
    assert ShownEvent.from_json(kept.to_json()) == kept
    assert ShownEvent.from_json({"event_id": "x"}) is None
