"""Fixtures of the store's tests: a fresh database and message factories."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from ihd_app.core.model import Importance, InboxMessage, MessageState, StateChange
from ihd_app.core.readings import Fuel
from ihd_app.store.database import Database
from tests.support import NOW


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    with Database.in_data_dir(tmp_path) as database:
        yield database


def make_message(
    key: str = "a1b2c3",
    *,
    message_id: int = 7,
    originator_id: str = "dno-1",
    state: MessageState = MessageState.DISPLAYED,
    minutes: int = 0,
    history: tuple[StateChange, ...] | None = None,
) -> InboxMessage:
    """A complete message received ``minutes`` after NOW, with every field filled in."""
    received = NOW + timedelta(minutes=minutes)
    return InboxMessage(
        key=key,
        message_id=message_id,
        type="outage.planned",
        title="Planned power cut",
        text="Power will be off from 09:00 to 13:00 on Tuesday.",
        importance=Importance.HIGH,
        confirmation_required=True,
        originator_id=originator_id,
        originator_name="Demo Networks plc",
        role="dno",
        fuel=Fuel.ELECTRICITY,
        received_at=received,
        start_at=received + timedelta(seconds=1, microseconds=250),
        end_at=received + timedelta(days=2),
        state=state,
        history=(
            history
            if history is not None
            else (
                StateChange(MessageState.RECEIVED, received, "verified"),
                StateChange(MessageState.DISPLAYED, received + timedelta(seconds=1), "shown"),
            )
        ),
        details={"window": {"from": "09:00", "to": "13:00"}, "postcodes": ["AB1", "AB2"], "n": 2},
        envelope=bytes(range(256)),
    )
