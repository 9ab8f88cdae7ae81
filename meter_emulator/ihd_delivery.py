"""Store and forward to the displays: envelopes queued (an operator's, the meter's own, an
attack's, a file's), owed to every commissioned display, indicated on Messages to IHD to each
display that listens, in order, held for each one that is away, and each indication logged as
``sent`` (with the display and how long it waited)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bumble.device import Connection

from ihd_app.protocol.envelope import parse_envelope
from ihd_app.protocol.errors import DecodeError, IhdError
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
    """The queue's way to the displays.

    Args:
        outbox: The store-and-forward queue.
        server: The GATT server, once the meter has started.
        status: The status table (a delivered operator or meter message is marked forwarded,
            for the display and for the message).
        events: Where events go.
        faults: Rules the meter breaks on purpose (indicating twice).
        clock: The wall clock.
        displays: The displays commissioned now (the HAN device log): whom a message queued
            now is owed to.
    """

    def __init__(
        self,
        outbox: StoreAndForward,
        server: Callable[[], MeterGattServer | None],
        status: StatusTable,
        events: EventLog,
        faults: frozenset[Fault],
        clock: Callable[[], datetime],
        displays: Callable[[], frozenset[str]] = frozenset,
    ) -> None:
        self._outbox = outbox
        self._displays = displays
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
        """Whether a display on a secure link has indications of Messages to IHD enabled."""
        return bool(self._listeners())

    def _listeners(self) -> dict[str, Connection]:
        server = self._server()
        return {} if server is None else server.listeners(MESSAGES)

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
        """Queue ``envelope`` for every commissioned display and wake the delivery loop."""
        now = self._clock()
        due = self._displays() or None
        item = self._outbox.put(envelope, origin, label, now.isoformat(), persist=persist, due=due)
        self._waiting_since[item.seq] = now
        if record is not None:
            record.queued_at = now
            for ihd_id in sorted(due or ()):
                record.display(ihd_id)
        away = sorted((due or frozenset()) - set(self._listeners()))
        if away or not self.ihd_listening:
            self._events.emit(
                "queued",
                key=item.key,
                origin=origin.value,
                label=label,
                pending=len(self._outbox),
                waiting_for=away,
            )
        self._wake.set()
        return item

    def clear(self) -> int:
        """Drop everything waiting for the displays (a change of occupier: the messages were
        the previous household's); how many envelopes were dropped."""
        dropped = self._outbox.pending()
        for item in dropped:
            self._outbox.remove(item.seq)
            self._waiting_since.pop(item.seq, None)
        return len(dropped)

    def drop_expired(self) -> int:
        """Drop the operators' and the meter's envelopes that expired while every display they
        are owed to is away (a display would refuse them; the queue is bounded by their
        validity); how many were dropped. One owed to a display that listens is left for it to
        refuse: its error notification tells the originator why. Forgeries and files are kept:
        showing a display refuse an expired envelope is their point."""
        now = self._clock().timestamp()
        listening = self._listeners()
        dropped = 0
        for item in self._outbox.pending():
            if item.origin not in (Origin.OPERATOR, Origin.METER):
                continue
            if any(item.is_due_to(ihd_id) for ihd_id in listening):
                continue  # a display is here: it refuses it, and its reason reaches the sender
            expires = _expiry(item.envelope)
            if expires is None or expires >= now:
                continue
            self._outbox.remove(item.seq)
            self._waiting_since.pop(item.seq, None)
            dropped += 1
            self._events.emit(
                "send.expired",
                key=item.key,
                label=item.label,
                detail="it expired before a display it was owed to came back",
            )
        return dropped

    def _owed_to_listeners(self) -> bool:
        return any(self._outbox.due_to(ihd_id) for ihd_id in self._listeners())

    async def flush(self, timeout_s: float) -> bool:
        """Wait until everything owed to a display that listens was indicated to it (at most
        ``timeout_s``); whether the queue is empty (a display that is away may still be owed
        messages)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                while self._owed_to_listeners():
                    self._delivered.clear()
                    await self._delivered.wait()
        return not len(self._outbox)

    async def run(self) -> None:
        """Indicate what each listening display is owed whenever woken, until cancelled."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            self.drop_expired()
            for item in self._outbox.address(self._displays()):
                self._waiting_since.pop(item.seq, None)
                self._events.emit(
                    "send.dropped",
                    key=item.key,
                    label=item.label,
                    detail="no display it was owed to is commissioned any more",
                )
            listeners = self._listeners()
            # Each display gets its own messages in order; one that is slow or drops its
            # link holds up only itself.
            await asyncio.gather(
                *(self._deliver_to(ihd_id, connection) for ihd_id, connection in listeners.items())
            )
            if not self.ihd_listening:
                self._listening.clear()

    async def _deliver_to(self, ihd_id: str, connection: Connection) -> None:
        """Indicate to display ``ihd_id`` on ``connection`` what it is owed, oldest first."""
        while (owed := self._outbox.due_to(ihd_id)) and ihd_id in self._listeners():
            item = owed[0]
            server = self._server()
            assert server is not None
            try:
                for _ in range(fault_hooks.indications_per_message(self._faults)):
                    await server.indicate_to(connection, item.envelope)
            except LinkError as exc:
                # Kept for this display; its next subscription wakes the loop.
                self._events.emit(
                    "send.deferred",
                    key=item.key,
                    label=item.label,
                    ihd_id=ihd_id,
                    detail=str(exc),
                )
                return
            except IhdError as exc:
                self._outbox.remove(item.seq)
                self._events.emit("send.failed", key=item.key, label=item.label, detail=str(exc))
                continue
            self._sent(item, ihd_id)
            self._delivered.set()

    def _sent(self, item: Outgoing, ihd_id: str) -> None:
        now = self._clock()
        queued = self._waiting_since.get(item.seq)
        if self._outbox.delivered(item.seq, ihd_id):
            self._waiting_since.pop(item.seq, None)
        fields: dict[str, object] = {
            "key": item.key,
            "origin": item.origin.value,
            "label": item.label,
            "bytes": len(item.envelope),
            "ihd_id": ihd_id,
        }
        if queued is not None:
            fields["waited_s"] = round((now - queued).total_seconds(), 3)
        if item.origin is Origin.FILE:
            fields["file"] = item.label
        record = self._status.get(item.key) if item.origin is not Origin.ATTACK else None
        if record is not None:
            record.forwarded_at = record.forwarded_at or now
            record.display(ihd_id).forwarded_at = now
            fields.update(type=record.type, role=record.role, message_id=record.message_id)
        self._events.emit("sent", **fields)


def _expiry(envelope: bytes) -> int | None:
    """The envelope's ``exp`` (POSIX seconds), or ``None`` if it cannot be read."""
    try:
        return parse_envelope(envelope).claims.expires
    except DecodeError:
        return None
