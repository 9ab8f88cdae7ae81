"""The connection keeper stops when the service closes, even when opening the radio swallows
the cancellation (Python 3.11's ``asyncio.timeout`` and ``wait_for`` can turn a cancellation
that arrives as they time out into a timeout)."""

from __future__ import annotations

import asyncio
from typing import Any

from ihd_app.link.errors import PairingRefusedError
from ihd_app.protocol.errors import IhdError
from ihd_app.service.connection import ConnectionKeeper


class _SwallowingRadio:
    """A radio that is never there, and whose opening turns a cancellation into 'unavailable',
    as ``asyncio.timeout`` does when the cancellation and the timeout meet."""

    def __init__(self) -> None:
        self.attempts = 0
        self.waiting = asyncio.Event()

    def radio_is_open(self) -> bool:
        return False

    async def open_radio(self) -> None:
        self.attempts += 1
        self.waiting.set()
        try:
            await asyncio.Event().wait()  # the transport never answers
        except asyncio.CancelledError:
            task = asyncio.current_task()
            assert task is not None
            task.uncancel()  # what asyncio.timeout does when it owns the cancellation
            raise IhdError("the radio did not answer when powered on: no answer") from None

    async def close_radio(self) -> None:
        return None

    async def connect_until_connected(self, search_timeout_s: float = 10.0) -> None:
        raise AssertionError("never reached: the radio is never open")

    async def radio_lost(self) -> None:
        await asyncio.Event().wait()

    async def link_refused(self) -> PairingRefusedError:
        await asyncio.Event().wait()
        raise AssertionError("never refused")


async def test_the_keeper_stops_when_the_service_closes_even_if_the_radio_swallows_it() -> None:
    radio = _SwallowingRadio()
    events: list[tuple[str, dict[str, Any]]] = []
    keeper = ConnectionKeeper(
        radio, lambda name, **fields: events.append((name, fields)), lambda: None, "virtual:1"
    )
    task = asyncio.ensure_future(keeper.run())
    await radio.waiting.wait()
    keeper.stop()  # as IhdService.close does, before cancelling its tasks
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=30)  # a guard: the bug was a hang
    assert done, "the keeper went on trying after the service closed"
    assert task.cancelled()
    assert radio.attempts == 1, "no attempt after the service closed"
    assert not events, "nothing reported as unavailable once closing"
