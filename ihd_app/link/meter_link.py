"""``MeterLink``: the one object the IHD uses to talk to its meter over Bluetooth LE.

It speaks bleak's public API only (``BleakScanner`` / ``BleakClient``), so the same code runs on
the virtual radio, a Bumble dongle and the operating system's Bluetooth; what differs is the
:class:`LinkBackend` passed in. On top of bleak it adds what a display needs: pairing before any
access, Meter Info, subscriptions, segmentation in both directions, and automatic reconnection
with exponential backoff and jitter, reporting every change as a link event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

from bleak import BleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.service import BleakGATTServiceCollection
from bleak.exc import BleakError

from ihd_app.link.backend import LinkBackend, LinkState, ScanResult
from ihd_app.link.bumble_backend.security import UNPROTECTED, LinkSecurity
from ihd_app.link.errors import LinkError, MeterNotTrustedError, PairingRefusedError
from ihd_app.link.handshake import Handshake, HandshakeExchange, VerifiedMeter
from ihd_app.link.meter_info import MeterInfo
from ihd_app.link.pairing_failure import PairingFailure
from ihd_app.link.reconnect import ReconnectPolicy, raise_if_cancelled
from ihd_app.link.scanning import first_meter_heard, scan_for_meters
from ihd_app.protocol import gatt_profile
from ihd_app.protocol.errors import DecodeError, EncodeError
from ihd_app.protocol.segmentation.reassembler import Reassembler, ReassemblyStats
from ihd_app.protocol.segmentation.segmenter import Segmenter

logger = logging.getLogger(__name__)

#: Receives one complete unit (reassembled from its segments).
UnitHandler = Callable[[bytes], Awaitable[None] | None]
#: Receives link events: the name and fields of a DESIGN.md §8 event.
Emit = Callable[..., object]


def _uuid(name: str) -> str:
    return gatt_profile.characteristic(name).uuid


class MeterLink:
    """Connection to one meter.

    Args:
        backend: The radio.
        emit: Receives link events (``link.connected``, ``link.paired``, ...).
        on_metering: Receives Metering units.
        on_message: Receives envelopes from Messages to IHD.
        on_history: Receives History units.
        reconnect: Backoff policy for automatic reconnection.
        rng: Jitter source (seeded in tests).
        connect_timeout_s: How long one connection attempt may take, pairing included.
        handshake: Proves who the meter is on every connection before the link is used
            (:mod:`ihd_app.link.handshake`); ``None`` trusts Meter Info (tools only).
    """

    def __init__(
        self,
        backend: LinkBackend,
        *,
        emit: Emit,
        on_metering: UnitHandler,
        on_message: UnitHandler,
        on_history: UnitHandler,
        reconnect: ReconnectPolicy | None = None,
        rng: random.Random | None = None,
        connect_timeout_s: float = 30.0,
        handshake: Handshake | None = None,
    ) -> None:
        self._backend = backend
        self._emit = emit
        self._handlers = {
            _uuid("Metering"): on_metering,
            _uuid("Messages to IHD"): on_message,
            _uuid("History"): on_history,
        }
        self._reconnect = reconnect or ReconnectPolicy()
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self._timeout = connect_timeout_s
        self._state = LinkState.IDLE
        self._client: BleakClient | None = None
        self._device: BLEDevice | str | None = None
        self._meter_info: MeterInfo | None = None
        self._segmenter = Segmenter()
        self._reassemblers: dict[str, Reassembler] = {}
        self._supervisor: asyncio.Task[None] | None = None
        self._handler_tasks: set[asyncio.Task[None]] = set()
        self._lost = asyncio.Event()
        self._connected = asyncio.Event()
        self._closing = False
        self._write_lock = asyncio.Lock()
        self._handshake = handshake
        self._exchange: HandshakeExchange | None = None
        self._verified: VerifiedMeter | None = None
        #: Set when reconnecting by itself ended in a refusal (pairing or the handshake).
        self._refusal: asyncio.Future[PairingRefusedError] | None = None

    @property
    def state(self) -> LinkState:
        """Where the link is."""
        return self._state

    @property
    def address(self) -> str | None:
        """The connected meter's Bluetooth address."""
        return self._client.address if self._client is not None else None

    @property
    def meter_info(self) -> MeterInfo | None:
        """Meter Info read on the last connection."""
        return self._meter_info

    @property
    def verified_meter(self) -> VerifiedMeter | None:
        """The meter as the last connection's handshake proved it (``None`` without one)."""
        return self._verified

    @property
    def security(self) -> LinkSecurity:
        """The current link's security (unprotected when not connected)."""
        if self._client is None or not self._client.is_connected:
            return UNPROTECTED
        return self._backend.security(self._client)

    @property
    def reassembly_stats(self) -> dict[str, ReassemblyStats]:
        """Per subscribed characteristic (``Metering``, ``Messages to IHD``, ``History``): the
        counters of its reassembler on the current connection (empty before the first one)."""
        names = {spec.uuid: spec.name for spec in gatt_profile.CHARACTERISTICS}
        return {names[uuid]: r.stats for uuid, r in self._reassemblers.items()}

    @property
    def mtu(self) -> int:
        """The negotiated ATT MTU."""
        return self._client.mtu_size if self._client is not None else gatt_profile.DEFAULT_ATT_MTU

    def _set_state(self, state: LinkState) -> None:
        self._state = state

    async def scan(self, timeout_s: float = 5.0) -> list[ScanResult]:
        """Meters advertising the profile's service, strongest signal first.

        Raises:
            LinkError: Scanning failed.
        """
        self._set_state(LinkState.SCANNING)
        try:
            return await scan_for_meters(self._backend, timeout_s)
        finally:
            self._set_state(LinkState.IDLE)

    async def find_meter(self, timeout_s: float = 10.0) -> ScanResult:
        """The first meter heard advertising the profile.

        Raises:
            LinkError: None within ``timeout_s``.
        """
        self._set_state(LinkState.SCANNING)
        try:
            return await first_meter_heard(self._backend, timeout_s)
        finally:
            self._set_state(LinkState.IDLE)

    async def connect(self, device: BLEDevice | str) -> None:
        """Connect, pair (or reuse the bond), read Meter Info and subscribe; then stay connected.

        After this returns the link reconnects by itself whenever it drops, until :meth:`close`.

        Raises:
            LinkError: The first connection failed (pairing refused, meter gone, ...).
        """
        self._device = device
        # After Forget or close, a new connection starts a new life of the link.
        self._closing = False
        self._lost.clear()
        if self._refusal is None or self._refusal.done():
            self._refusal = asyncio.get_running_loop().create_future()
        await self._connect_once()
        if self._supervisor is None or self._supervisor.done():
            self._supervisor = asyncio.create_task(self._supervise(), name="meter-link-supervisor")

    async def _connect_once(self) -> None:
        assert self._device is not None
        self._set_state(LinkState.CONNECTING)
        self._lost.clear()
        client = BleakClient(
            self._device,
            disconnected_callback=self._on_disconnected,
            timeout=self._timeout,
            **self._backend.client_kwargs,
        )
        try:
            async with asyncio.timeout(self._timeout):
                await client.connect()
                self._emit("link.connected", address=client.address, radio=self._backend.name)
                await self._backend.refresh_security(client)
                security = self._backend.security(client)
                paired_now = not (security.encrypted and security.authenticated)
                if paired_now:
                    self._set_state(LinkState.PAIRING)
                    tracker = self._backend.pairing
                    if tracker is not None:
                        tracker.start()
                    try:
                        await client.pair()
                    except BleakError as exc:
                        failure = PairingFailure.FAILED
                        if tracker is not None:
                            failure = tracker.classify(exc)
                        raise PairingRefusedError(str(exc), failure) from None
                    await self._backend.refresh_security(client)
                    security = self._backend.security(client)
                if not (security.encrypted and security.authenticated):
                    raise LinkError(
                        "the link is not encrypted with an authenticated key; refusing to use it"
                    )
                self._emit(
                    "link.paired",
                    authenticated=security.authenticated,
                    bonded=security.bonded,
                    encrypted=security.encrypted,
                    key_size=security.key_size,
                    # "bond": the stored key was reused, no pairing took place.
                    keys="new" if paired_now else "bond",
                )
                info = MeterInfo.decode(bytes(await client.read_gatt_char(_uuid("Meter Info"))))
                await self._backend.acquire_mtu(client)
                self._segmenter.mtu = client.mtu_size
                self._reassemblers = {uuid: Reassembler() for uuid in self._handlers}
                exchange = self._exchange = (
                    None
                    if self._handshake is None
                    else HandshakeExchange(
                        lambda unit: self._write(client, unit), _uuid("Messages to IHD")
                    )
                )
                for uuid in self._handlers:
                    await client.start_notify(uuid, self._notification_handler(uuid))
                verified = None
                if self._handshake is not None and exchange is not None:
                    self._set_state(LinkState.VERIFYING)
                    verified = await self._handshake.run(info, exchange)
        except (BleakError, LinkError, TimeoutError, EOFError, OSError) as exc:
            self._exchange = None
            with contextlib.suppress(BleakError, OSError, TimeoutError):
                await client.disconnect()
            self._set_state(LinkState.IDLE)
            reason = str(exc) or type(exc).__name__
            if isinstance(exc, TimeoutError):
                reason = f"no answer within {self._timeout:.0f} s"
            message = f"could not connect to the meter: {reason}"
            if isinstance(exc, MeterNotTrustedError):
                if exc.forget_bond:
                    await self._backend.forget_bond(client.address)
                raise MeterNotTrustedError(
                    str(exc), exc.reason, forget_bond=exc.forget_bond
                ) from None
            if isinstance(exc, PairingRefusedError):
                raise PairingRefusedError(message, exc.reason) from None
            raise LinkError(message) from None
        self._client = client
        self._meter_info = info
        self._verified = verified
        self._connected.set()
        self._set_state(LinkState.CONNECTED)
        fields: dict[str, object] = {}
        if verified is not None:
            fields = {"session": verified.session, "certificate": verified.fingerprint[:16]}
        self._emit(
            "link.ready",
            meter_id=verified.meter_id if verified is not None else info.meter_id,
            name=info.name,
            fuels=list(info.fuels),
            mtu=client.mtu_size,
            **fields,
        )
        # What the meter sent while the handshake ran, in order, now that it proved who it is.
        held, exchange = (exchange.held if exchange is not None else []), None
        self._exchange = None
        for uuid, unit in held:
            self._dispatch(uuid, unit)

    def _notification_handler(self, uuid: str) -> Callable[[Any, bytearray], None]:
        reassembler = self._reassemblers[uuid]

        def on_segment(_characteristic: Any, data: bytearray) -> None:
            try:
                unit = reassembler.feed(bytes(data))
            except DecodeError as exc:
                self._emit("link.segment-error", reason=exc.reason.value, detail=exc.detail)
                return
            if unit is None:
                return
            exchange = self._exchange
            if exchange is not None:
                exchange.arrived(uuid, unit)  # used only once the meter proved who it is
                return
            self._dispatch(uuid, unit)

        return on_segment

    def _dispatch(self, uuid: str, unit: bytes) -> None:
        result = self._handlers[uuid](unit)
        if asyncio.iscoroutine(result):
            task = asyncio.ensure_future(result)
            self._handler_tasks.add(task)
            task.add_done_callback(self._handler_tasks.discard)

    def _on_disconnected(self, client: BleakClient) -> None:
        if client is not self._client:
            return
        self._connected.clear()
        self._lost.set()
        if not self._closing:
            self._emit("link.disconnected", address=client.address)

    async def _supervise(self) -> None:
        while not self._closing:
            await self._lost.wait()
            if self._closing:
                return
            lost, self._client = self._client, None
            if lost is not None:
                await self._release(lost)
            attempt = 0
            while not self._closing:
                delay = self._reconnect.delay(attempt, self._rng)
                self._set_state(LinkState.RECONNECTING)
                self._emit("link.reconnecting", attempt=attempt + 1, delay_s=round(delay, 3))
                await asyncio.sleep(delay)  # backoff between attempts, not synchronisation
                try:
                    await self._connect_once()
                except PairingRefusedError as exc:
                    # Trying again would ask the consumer, or be refused, again and again:
                    # whoever keeps the display connected is told, and someone acts.
                    self._emit("link.reconnect-refused", reason=exc.reason, detail=str(exc))
                    self._set_state(LinkState.IDLE)
                    if self._refusal is not None and not self._refusal.done():
                        self._refusal.set_result(exc)
                    return
                except LinkError as exc:
                    self._emit("link.reconnect-failed", attempt=attempt + 1, reason=str(exc))
                    attempt += 1
                    continue
                break

    async def _release(self, client: BleakClient) -> None:
        """Let go of a client whose link dropped, before connecting with a new one.

        On BlueZ the link dropping does not end the client's own D-Bus connection (only
        ``disconnect()`` does), and BlueZ keeps that connection's notification sessions and
        turns them on again when the meter reconnects: beside the new client's sessions, every
        notification would then reach the display twice (each segment of a unit fed twice to
        its reassembler), and acquiring the negotiated MTU would be refused as "in progress",
        leaving the writes at 23 bytes.
        """
        with contextlib.suppress(BleakError, OSError, TimeoutError, EOFError):
            async with asyncio.timeout(self._timeout):
                await client.disconnect()

    async def refused(self) -> PairingRefusedError:
        """Return the refusal once reconnecting by itself ends in one (the meter asked to pair
        again and it was refused, or its handshake failed); the link then stays down."""
        if self._refusal is None:
            self._refusal = asyncio.get_running_loop().create_future()
        return await asyncio.shield(self._refusal)

    async def wait_connected(self, timeout_s: float) -> None:
        """Wait until the link is (again) ready.

        Raises:
            TimeoutError: Not within ``timeout_s``.
        """
        await asyncio.wait_for(self._connected.wait(), timeout_s)

    async def send(self, unit: bytes) -> None:
        """Write ``unit`` to IHD to Meter, segmented to the MTU, each segment acknowledged.

        Raises:
            LinkError: Not connected, the unit is too large, or the write failed.
        """
        client = self._client
        if client is None or not client.is_connected:
            raise LinkError("not connected to the meter")
        await self._write(client, unit)

    async def _write(self, client: BleakClient, unit: bytes) -> None:
        try:
            segments = self._segmenter.segment(unit)
        except EncodeError as exc:
            raise LinkError(f"cannot send: {exc.detail}") from None
        async with self._write_lock:
            try:
                for segment in segments:
                    await client.write_gatt_char(_uuid("IHD to Meter"), segment, response=True)
                    raise_if_cancelled()
            except BleakError as exc:
                raise LinkError(f"write to the meter failed: {exc}") from None

    @property
    def gatt_services(self) -> BleakGATTServiceCollection | None:
        """The connected meter's services, characteristics and descriptors as discovered
        (``None`` when not connected): for the developer panel's read-only GATT explorer."""
        client = self._client
        if client is None or not client.is_connected:
            return None
        return client.services

    async def read_characteristic(self, uuid: str) -> bytes:
        """Read a characteristic's value (read-only access for the developer panel).

        Raises:
            LinkError: Not connected, no such characteristic, or the read was refused.
        """
        client = self._client
        if client is None or not client.is_connected:
            raise LinkError("not connected to the meter")
        try:
            return bytes(await client.read_gatt_char(uuid))
        except BleakError as exc:
            raise LinkError(f"reading {uuid} failed: {exc}") from None

    async def read_descriptor(self, handle: int) -> bytes:
        """Read the descriptor at ``handle`` (e.g. a CCCD's subscription state).

        Raises:
            LinkError: Not connected, or the read was refused.
        """
        client = self._client
        if client is None or not client.is_connected:
            raise LinkError("not connected to the meter")
        try:
            return bytes(await client.read_gatt_descriptor(handle))
        except BleakError as exc:
            raise LinkError(f"reading descriptor 0x{handle:04X} failed: {exc}") from None

    async def forget(self, address: str | None = None) -> None:
        """Delete the bond with the meter and disconnect (the consumer's Forget).

        Args:
            address: The paired meter's address, whose bond is deleted through the backend
                when no link to it is up (the meter away, or the display not yet connected).
        """
        client = self._client
        self._closing = True
        forgotten = False
        if client is not None:
            with contextlib.suppress(BleakError):
                await client.unpair()
                forgotten = True
        await self.close()
        if not forgotten and address is not None:
            await self._backend.forget_bond(address)

    async def close(self) -> None:
        """Disconnect and stop reconnecting."""
        self._closing = True
        self._lost.set()
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(BleakError, OSError, TimeoutError):
                await client.disconnect()
        for task in list(self._handler_tasks):
            task.cancel()
        if self._handler_tasks:
            await asyncio.gather(*self._handler_tasks, return_exceptions=True)
        self._connected.clear()
        self._set_state(LinkState.CLOSED)


__all__ = [
    "Emit",
    "LinkBackend",
    "LinkError",
    "LinkState",
    "MeterInfo",
    "MeterLink",
    "MeterNotTrustedError",
    "PairingRefusedError",
    "ScanResult",
    "UnitHandler",
    "VerifiedMeter",
]
