"""A write the meter refuses on a link that stays up is tried again by itself (it used to wait
for the next reply or reconnection; a backfill request refused so waited for the next half
hour). Found on real BlueZ: the meter refused a request whose second segment came after its
reassembly limit."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from ihd_app.core.model import OutboxKind
from ihd_app.link.meter_link import LinkError, LinkState, MeterLink
from ihd_app.service.delivery import RETRY_DELAYS_S, OutboxDelivery
from ihd_app.store.database import Database
from ihd_app.store.outbox import Outbox

NOW = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


class _RefusingOnce:
    """A connected link whose first write the meter refuses (ATT error 0x80, unit refused)."""

    state = LinkState.CONNECTED

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.refused = 0

    async def send(self, unit: bytes) -> None:
        if not self.refused:
            self.refused += 1
            raise LinkError("the meter refused the write (ATT error 0x80)")
        self.written.append(unit)


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    with Database.in_data_dir(tmp_path) as database:
        yield Outbox(database)


async def test_a_reply_refused_on_a_live_link_is_sent_again_without_being_woken(
    outbox: Outbox,
) -> None:
    link = _RefusingOnce()
    events: list[tuple[str, dict[str, Any]]] = []
    delivered: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    def emit(name: str, /, **fields: Any) -> None:
        events.append((name, fields))
        if name == "ack.delivered" and not delivered.done():
            delivered.set_result(fields)

    async def no_history(_link: MeterLink) -> bool:
        return False

    delivery = OutboxDelivery(
        outbox,
        link=lambda: cast(MeterLink, link),
        next_request=no_history,
        emit=emit,
        storage_failed=lambda exc: pytest.fail(str(exc)),
        clock=lambda: NOW,
    )
    outbox.enqueue(OutboxKind.CONFIRMATION, "confirmation:k1", b"signed acknowledgement", NOW)
    task = asyncio.create_task(delivery.run())
    try:
        delivery.wake()  # once, as the queueing does
        assert (await asyncio.wait_for(delivered, 30))["key"] == "k1"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert link.written == [b"signed acknowledgement"]
    [retry] = [fields for name, fields in events if name == "delivery.retry"]
    assert retry["in_s"] == RETRY_DELAYS_S[0]
    assert "0x80" in retry["detail"]
    assert not outbox.pending()


async def test_a_history_request_refused_on_a_live_link_is_asked_again(outbox: Outbox) -> None:
    link = _RefusingOnce()
    asked: list[int] = []
    done = asyncio.Event()

    async def next_request(live: MeterLink) -> bool:
        if len(asked) == 1 and link.written:
            return False
        await live.send(b"history request")  # raises the first time, as the backfill does
        asked.append(1)
        done.set()
        return True

    delivery = OutboxDelivery(
        outbox,
        link=lambda: cast(MeterLink, link),
        next_request=next_request,
        emit=lambda name, /, **fields: None,
        storage_failed=lambda exc: pytest.fail(str(exc)),
        clock=lambda: NOW,
    )
    task = asyncio.create_task(delivery.run())
    try:
        delivery.wake()
        await asyncio.wait_for(done.wait(), 30)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert link.refused == 1
    assert link.written == [b"history request"]
