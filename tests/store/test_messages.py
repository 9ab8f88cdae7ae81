"""Messages and their history: exact round trips, atomic transitions, the queries of the inbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from ihd_app.core.model import MessageState, StateChange
from ihd_app.store.database import Database
from ihd_app.store.messages import MessageRepository
from tests.store.conftest import make_message
from tests.support import NOW


def test_message_round_trips_exactly(db: Database) -> None:
    repository = MessageRepository(db)
    message = make_message()
    repository.upsert(message)
    assert repository.get(message.key) == message
    assert repository.get("unknown") is None
    assert repository.count() == 1


def test_round_trip_keeps_offsets_naive_times_and_empty_values(db: Database) -> None:
    repository = MessageRepository(db)
    paris = timezone(timedelta(hours=1))
    message = make_message(history=())
    message = replace(
        message,
        received_at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=paris),
        start_at=datetime(2026, 1, 2, 3, 4, 5),
        end_at=None,
        details={},
        envelope=b"",
        text="Caf\u00e9 \u00a3 \u26a1 \U0001f50c",
    )
    repository.upsert(message)
    stored = repository.get(message.key)
    assert stored == message
    assert stored is not None
    assert stored.received_at.utcoffset() == timedelta(hours=1)
    assert stored.start_at.tzinfo is None


def test_upsert_appends_only_new_history(db: Database) -> None:
    repository = MessageRepository(db)
    message = make_message(state=MessageState.RECEIVED, history=make_message().history[:1])
    repository.upsert(message)
    repository.upsert(message)  # the same history again: nothing new
    displayed = StateChange(MessageState.DISPLAYED, NOW + timedelta(seconds=5), "shown")
    stored = repository.get(message.key)
    assert stored is not None
    repository.upsert(replace(stored, state=MessageState.DISPLAYED, history=(displayed,)))
    final = repository.get(message.key)
    assert final is not None
    assert final.state is MessageState.DISPLAYED
    assert final.history == (message.history[0], displayed)


def test_transition_changes_state_and_history_atomically(db: Database) -> None:
    repository = MessageRepository(db)
    repository.upsert(make_message())
    at = NOW + timedelta(minutes=3)
    updated = repository.transition("a1b2c3", MessageState.ACKNOWLEDGED, at, "by the consumer")
    assert updated is not None
    assert updated.state is MessageState.ACKNOWLEDGED
    assert updated.history[-1] == StateChange(MessageState.ACKNOWLEDGED, at, "by the consumer")
    assert len(updated.history) == 3
    assert repository.get("a1b2c3") == updated


def test_transition_compare_and_set_refuses_a_second_acknowledgement(db: Database) -> None:
    repository = MessageRepository(db)
    repository.upsert(make_message())
    current = {MessageState.RECEIVED, MessageState.DISPLAYED}
    first = repository.transition(
        "a1b2c3", MessageState.ACKNOWLEDGED, NOW, "first", only_from=current
    )
    second = repository.transition(
        "a1b2c3", MessageState.ACKNOWLEDGED, NOW, "second", only_from=current
    )
    assert first is not None
    assert second is None
    assert repository.get("a1b2c3") == first


def test_transition_of_an_unknown_message_is_a_key_error(db: Database) -> None:
    with pytest.raises(KeyError):
        MessageRepository(db).transition("nope", MessageState.EXPIRED, NOW)
    assert not db.connection.in_transaction


def test_by_message_id_finds_the_newest_of_an_originator(db: Database) -> None:
    repository = MessageRepository(db)
    older = make_message("k1", message_id=9, state=MessageState.SUPERSEDED, minutes=0)
    newer = make_message("k2", message_id=9, minutes=5)
    other = make_message("k3", message_id=9, originator_id="gdn-1", minutes=10)
    for message in (newer, older, other):
        repository.upsert(message)
    assert repository.by_message_id("dno-1", 9) == newer
    assert repository.by_message_id("gdn-1", 9) == other
    assert repository.by_message_id("dno-1", 10) is None


def test_current_past_and_all(db: Database) -> None:
    repository = MessageRepository(db)
    states = [
        MessageState.SCHEDULED,
        MessageState.RECEIVED,
        MessageState.DISPLAYED,
        MessageState.ACKNOWLEDGED,
        MessageState.EXPIRED,
        MessageState.SUPERSEDED,
        MessageState.CANCELLED,
    ]
    messages = [
        make_message(f"k{i}", message_id=i, state=state, minutes=i)
        for i, state in enumerate(states)
    ]
    for message in reversed(messages):
        repository.upsert(message)
    assert repository.current() == messages[2::-1]
    assert repository.past() == messages[:2:-1]
    assert repository.past(limit=2) == messages[6:4:-1]
    assert repository.all() == messages
