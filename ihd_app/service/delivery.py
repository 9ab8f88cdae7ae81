"""Delivering what the display owes the meter whenever the link is up: the durable outbox's signed
replies first (an acknowledgement never waits behind the backfill), then the backfill's history
requests, each reply marked delivered once the meter's ATT write response confirms it."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Final

from ihd_app.core.model import OutboxItem, OutboxKind
from ihd_app.link.meter_link import LinkError, LinkState, MeterLink
from ihd_app.store.outbox import Outbox

#: Seconds before trying again after a write the meter refused on a link that stays up (a unit
#: it could not reassemble in time over a slow stack, say): nothing else would wake the loop
#: until the next reply or reconnection, and a backfill would wait for the next half hour.
RETRY_DELAYS_S: Final = (1.0, 2.0, 5.0, 10.0, 30.0)


class OutboxDelivery:
    """The delivery loop: sleeps until woken, then sends until nothing is left or the link fails.

    Args:
        outbox: The durable outbox.
        link: The current MeterLink, if the radio is open.
        next_request: Sends the backfill's next history request; whether one was sent.
        emit: Where DESIGN.md §8 events go.
        storage_failed: Reports a failed write.
        clock: Current time.
    """

    def __init__(
        self,
        outbox: Outbox,
        *,
        link: Callable[[], MeterLink | None],
        next_request: Callable[[MeterLink], Awaitable[bool]],
        emit: Callable[..., Any],
        storage_failed: Callable[[sqlite3.Error], None],
        clock: Callable[[], datetime],
    ) -> None:
        self._outbox = outbox
        self._link = link
        self._next_request = next_request
        self._emit = emit
        self._storage_failed = storage_failed
        self._clock = clock
        self._wakeup = asyncio.Event()
        self._failures = 0
        self._retry: asyncio.TimerHandle | None = None

    def wake(self) -> None:
        """Try delivering now (something was queued, or the link came back)."""
        self._wakeup.set()

    async def run(self) -> None:
        """Deliver whenever woken, until cancelled."""
        try:
            while True:
                await self._wakeup.wait()
                self._wakeup.clear()
                link = self._link()
                if link is None or link.state is not LinkState.CONNECTED:
                    continue
                try:
                    await self._deliver(link)
                except sqlite3.Error as exc:
                    self._storage_failed(exc)  # woken again once storage recovers
        finally:
            if self._retry is not None:
                self._retry.cancel()

    def _failed(self, link: MeterLink, error: LinkError) -> None:
        """A write failed: a dropped link wakes the loop when it comes back; a live one that
        refused the write is tried again after a while."""
        if link.state is not LinkState.CONNECTED:
            return
        delay = RETRY_DELAYS_S[min(self._failures, len(RETRY_DELAYS_S) - 1)]
        self._failures += 1
        if self._retry is not None:
            self._retry.cancel()
        self._retry = asyncio.get_running_loop().call_later(delay, self.wake)
        self._emit("delivery.retry", in_s=delay, detail=str(error))

    async def _deliver(self, link: MeterLink) -> None:
        """Send pending replies, then the backfill's requests, until none is left or the link
        fails."""
        while True:
            # Replies owed to originators go before history requests, so an
            # acknowledgement never waits behind a backfill; re-read after every send.
            pending = self._pending_replies()
            if not pending:
                try:
                    sent = await self._next_request(link)
                except LinkError as exc:
                    self._failed(link, exc)
                    break
                if sent:
                    self._failures = 0
                    continue
                break
            item = pending[0]
            try:
                await link.send(item.envelope)
            except LinkError as exc:
                self._outbox.mark_attempt(item.id, str(exc))
                self._failed(link, exc)
                break
            self._failures = 0
            # The ATT write response is the meter's confirmation that it holds the reply.
            delivered = self._outbox.mark_delivered(item.id, self._clock())
            if delivered and item.kind is not OutboxKind.HISTORY_REQUEST:
                name = (
                    "ack.delivered"
                    if item.kind is OutboxKind.CONFIRMATION
                    else f"{item.kind.value}.delivered"
                )
                self._emit(name, key=item.dedupe_key.split(":", 1)[-1])

    def _pending_replies(self) -> list[OutboxItem]:
        """The outbox's pending replies, oldest first.

        History requests queued in the outbox by an earlier version were signed when planned,
        so a reply sent since carries a higher counter and the meter would refuse them as
        replays; they are dropped, and the backfill plans the missing half hours itself.
        """
        pending = self._outbox.pending()
        for stale in (i for i in pending if i.kind is OutboxKind.HISTORY_REQUEST):
            self._outbox.mark_delivered(stale.id, self._clock())
        return [i for i in pending if i.kind is not OutboxKind.HISTORY_REQUEST]
