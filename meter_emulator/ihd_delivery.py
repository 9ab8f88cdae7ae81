"""Store and forward to the IHD: envelopes queued (an operator's, the meter's own, an attack's,
a file's), indicated on Messages to IHD in order while an IHD listens, kept at the head of the
queue while it is away, and each indication logged as ``sent`` with how long it waited."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.events import EventLog
from meter_emulator import faults as fault_hooks
from meter_emulator.delivery import Origin, Outgoing, StoreAndForward
from meter_emulator.faults import Fault
from meter_emulator.gatt import MeterGattServer
from meter_emulator.gatt.errors import LinkError
from meter_emulator.operator.status import MessageRecord, StatusTable

#: The characteristic the IHD receives messages on.
MESSAGES = "Messages to IHD"


class IhdDelivery:
    """The queue's way to the IHD.

    Args:
        outbox: The store-and-forward queue.
        server: The GATT server, once the meter has started.
        status: The status table (a delivered operator or meter message is marked forwarded).
        events: Where events go.
        faults: Rules the meter breaks on purpose (indicating twice).
        clock: The wall clock.
    """

    def __init__(
        self,
        outbox: StoreAndForward,
        server: Callable[[], MeterGattServer | None],
        status: StatusTable,
        events: EventLog,
        faults: frozenset[Fault],
        clock: Callable[[], datetime],
    ) -> None:
        self._outbox = outbox
        self._server = server
        self._status = status
        self._events = events
        self._faults = faults
        self._clock = clock
        self._wake = asyncio.Event()
        self._listening = asyncio.Event()
        self._delivered = asyncio.Event()
        self._waiting_since: dict[int, datetime] = {}

    @property
    def ihd_listening(self) -> bool:
        """Whether an IHD on a secure link has indications of Messages to IHD enabled."""
        server = self._server()
        return server is not None and server.is_subscribed(MESSAGES)

    def refresh_listening(self) -> None:
        """Look whether an IHD listens now; deliver to it if so."""
        if self.ihd_listening:
            self._listening.set()
            self._wake.set()
        else:
            self._listening.clear()

    async def wait_for_ihd(self) -> None:
        """Return once an IHD listens for messages."""
        await self._listening.wait()

    def queue_file(self, path: Path) -> None:
        """Queue an envelope file (CBOR or hex text) as it is, not kept across restarts."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            self._events.emit("send.failed", file=path.name, detail=exc.strerror or str(exc))
            return
        text = data.strip()
        if text and all(chr(b) in "0123456789abcdefABCDEF" for b in text):
            data = bytes.fromhex(text.decode("ascii"))
        self.enqueue(data, Origin.FILE, path.name, persist=False)

    def enqueue(
        self,
        envelope: bytes,
        origin: Origin,
        label: str,
        *,
        persist: bool = True,
        record: MessageRecord | None = None,
    ) -> Outgoing:
        """Queue ``envelope`` for the IHD and wake the delivery loop."""
        now = self._clock()
        item = self._outbox.put(envelope, origin, label, now.isoformat(), persist=persist)
        self._waiting_since[item.seq] = now
        if record is not None:
            record.queued_at = now
        if not self.ihd_listening:
            self._events.emit(
                "queued", key=item.key, origin=origin.value, label=label, pending=len(self._outbox)
            )
        self._wake.set()
        return item

    async def flush(self, timeout_s: float) -> bool:
        """Wait until everything queued was indicated, while an IHD listens (at most
        ``timeout_s``); whether the queue is empty."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                while len(self._outbox) and self.ihd_listening:
                    self._delivered.clear()
                    await self._delivered.wait()
        return not len(self._outbox)

    async def run(self) -> None:
        """Indicate the queue whenever woken and an IHD listens, until cancelled."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            while (item := self._outbox.head()) is not None and self.ihd_listening:
                server = self._server()
                assert server is not None
                try:
                    for _ in range(fault_hooks.indications_per_message(self._faults)):
                        await server.indicate_message(item.envelope)
                except LinkError as exc:
                    # Kept at the head of the queue; the next subscription wakes the loop.
                    if not self.ihd_listening:
                        self._listening.clear()
                    self._events.emit(
                        "send.deferred", key=item.key, label=item.label, detail=str(exc)
                    )
                    break
                except IhdError as exc:
                    self._outbox.remove(item.seq)
                    self._events.emit(
                        "send.failed", key=item.key, label=item.label, detail=str(exc)
                    )
                    continue
                self._outbox.remove(item.seq)
                self._sent(item)
                self._delivered.set()

    def _sent(self, item: Outgoing) -> None:
        now = self._clock()
        queued = self._waiting_since.pop(item.seq, None)
        fields: dict[str, object] = {
            "key": item.key,
            "origin": item.origin.value,
            "label": item.label,
            "bytes": len(item.envelope),
        }
        if queued is not None:
            fields["waited_s"] = round((now - queued).total_seconds(), 3)
        if item.origin is Origin.FILE:
            fields["file"] = item.label
        record = self._status.get(item.key) if item.origin is not Origin.ATTACK else None
        if record is not None:
            record.forwarded_at = now
            fields.update(type=record.type, role=record.role, message_id=record.message_id)
        self._events.emit("sent", **fields)
