"""``BumbleBleakClient``: bleak's client interface on a Bumble :class:`~bumble.device.Device`.

Use it through bleak's public API, passing the backend and the radio's Bumble device (the same
one the scanner uses)::

    client = BleakClient(ble_device, backend=BumbleBleakClient, bumble_device=dev,
                         on_pairing_event=log_event)
    await client.connect()
    security = bumble_client_of(client).security

What connecting does, in order: make the LE connection, exchange ATT MTUs (asking for
:data:`DEFAULT_MTU`), encrypt the link with the stored key when a bond with the peer exists
(so a bonded peer is never asked to pair again), pair when ``pair=True`` and the link is not
yet protected, then discover the services. Pairing uses the Device's pairing configuration and
delegate (see :mod:`ihd_app.link.bumble_host`): LE Secure Connections, MITM protection, bonding.

Failures are bleak errors that also derive from :class:`~ihd_app.protocol.errors.IhdError`:
:class:`BumbleAttError` for ATT error responses (``needs_pairing`` tells "pair first" apart from
other failures), :class:`BumblePairingError`, :class:`BumbleLinkError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from bleak import BleakClient, BleakScanner
from bleak.args import SizedBuffer
from bleak.assigned_numbers import CHARACTERISTIC_PROPERTIES, CharacteristicPropertyName
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError
from bumble import att, core, gatt, hci
from bumble.device import Connection, Device, Peer
from bumble.gatt_client import CharacteristicProxy, ServiceProxy
from bumble.keys import PairingKeys

from ihd_app.link.bumble_backend.bonds import Bonds, long_term_key
from ihd_app.link.bumble_backend.errors import BumbleAttError, BumbleLinkError, BumblePairingError
from ihd_app.link.bumble_backend.scanner import (
    BumbleBleakScanner,
    BumbleDeviceDetails,
    bleak_address,
    bleak_uuid,
)
from ihd_app.link.bumble_backend.security import (
    LinkSecurity,
    PairingEvent,
    PairingEventCallback,
    PairingEventKind,
)

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

#: The ATT MTU asked for on every connection: 247 fills one LE data packet of 251 bytes.
DEFAULT_MTU = 247
#: The ATT MTU before any exchange.
MINIMUM_MTU = att.ATT_DEFAULT_MTU
#: Seconds a pairing may take, human answers included.
DEFAULT_PAIRING_TIMEOUT = 60.0
#: Seconds to wait for a disconnection to complete.
_DISCONNECT_TIMEOUT = 10.0
#: Extra seconds given to Bumble's own connect timeout before this client gives up itself.
_CONNECT_GRACE = 2.0


@dataclass
class _Subscription:
    """One characteristic's notification or indication subscription."""

    proxy: CharacteristicProxy[bytes]
    callback: NotifyCallback
    dispatch: Callable[[bytes], None] | None = None


def _properties(flags: int) -> list[CharacteristicPropertyName]:
    return [name for bit, name in CHARACTERISTIC_PROPERTIES.items() if flags & bit]


def _hci_error_name(code: int) -> str:
    try:
        return hci.HCI_ErrorCode(code).name
    except ValueError:
        return f"HCI error 0x{code:02X}"


def _being_cancelled() -> bool:
    """True when the current task itself is being cancelled (not just a future it awaited)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class BumbleBleakClient(BaseBleakClient):
    """A bleak client backend that connects with a Bumble Device.

    Args:
        address_or_ble_device: A device found by :class:`BumbleBleakScanner`, or an address
            (``AA:BB:CC:DD:EE:FF``; a bare address is looked up by scanning first, as bleak's
            other backends do, unless it ends in ``/P`` for a public address).
        services: Only discover these services (normalised 128-bit UUIDs, as bleak passes them).
        bumble_device: The radio's powered-on Bumble Device, shared with the scanner.
        disconnected_callback: Called (without arguments) whenever the link goes down.
        timeout: Seconds for finding the device and making the connection.
        on_pairing_event: Called with a :class:`PairingEvent` on every change of the link's
            security (pairing started, paired, failed, encrypted with a bond, ...).
        mtu: The ATT MTU to ask for on connection.
        pairing_timeout: Seconds a pairing may take, human answers included.
        **kwargs: Arguments for other backends (``bluez``, ``winrt``), ignored.
    """

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        services: set[str] | None = None,
        *,
        bumble_device: Device,
        disconnected_callback: Callable[[], None] | None = None,
        timeout: float = 30.0,
        on_pairing_event: PairingEventCallback | None = None,
        mtu: int = DEFAULT_MTU,
        pairing_timeout: float = DEFAULT_PAIRING_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout
        )
        self.on_pairing_event = on_pairing_event
        self._device = bumble_device
        self._bonds = Bonds(bumble_device)
        self._requested_services = services
        self._mtu = mtu
        self._pairing_timeout = pairing_timeout
        self._target: hci.Address | None = None
        self._name: str | None = None
        if isinstance(address_or_ble_device, BLEDevice):
            self._name = address_or_ble_device.name
            if isinstance(address_or_ble_device.details, BumbleDeviceDetails):
                self._target = address_or_ble_device.details.address
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._subscriptions: dict[int, _Subscription] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._security_lock = asyncio.Lock()
        self._bonded = False
        self._bond_refused = False
        self._key_authenticated = False
        self._key_secure_connections = False

    # -- state ------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The Device Name the peer reports, else its advertised name, else its address."""
        return self._name or self.address.replace(":", "-")

    @property
    def mtu_size(self) -> int:
        """The ATT MTU of the link (23 until the exchange, or when not connected)."""
        return self._connection.att_mtu if self._connection is not None else MINIMUM_MTU

    @property
    def is_connected(self) -> bool:
        """True while the LE link is up."""
        connection = self._connection
        # Compare identities: a later connection may reuse the handle.
        return connection is not None and (
            self._device.connections.get(connection.handle) is connection
        )

    @property
    def security(self) -> LinkSecurity:
        """How well the link is protected now (for the UI's security badge)."""
        connection = self._connection
        if connection is None or not self.is_connected or not connection.is_encrypted:
            return LinkSecurity(bonded=self._bonded)
        return LinkSecurity(
            encrypted=True,
            authenticated=self._key_authenticated,
            bonded=self._bonded,
            key_size=connection.encryption_key_size or None,
            secure_connections=self._key_secure_connections,
        )

    @property
    def bumble_connection(self) -> Connection | None:
        """The Bumble connection while connected (for diagnostics and benchmarks)."""
        return self._connection if self.is_connected else None

    # -- connection -------------------------------------------------------------------------

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        """Connect, exchange MTUs, restore a bond's encryption, pair if asked, discover services.

        Args:
            pair: Pair after connecting unless the link is already encrypted with an
                authenticated key (from a stored bond).
            **kwargs: ``timeout`` overrides the constructor's timeout.

        Raises:
            BleakError: If already connected.
            BleakDeviceNotFoundError: If an address was given and no such device advertises.
            TimeoutError: If the connection was not made in time.
            BumbleLinkError: If the connection failed or dropped while being set up.
            BumblePairingError: If ``pair`` was set and pairing failed.
        """
        if self.is_connected:
            raise BleakError(f"already connected to {self.address}")
        timeout = float(kwargs.get("timeout", self._timeout))
        target = await self._find_target(timeout)
        connection = await self._create_connection(target, timeout)
        self._attach(connection)
        try:
            await self._exchange_mtu()
            async with self._security_lock:
                await self._restore_bond()
                if pair and not self.security.authenticated:
                    await self._pair_unlocked()
            self.services = await self._discover_services()
            await self._read_device_name()
        except BaseException:
            await self._abandon()
            raise

    async def disconnect(self) -> None:
        """Disconnect; the disconnected callback runs once the link is down."""
        connection = self._connection
        if connection is None:
            return
        if self.is_connected:
            try:
                async with asyncio.timeout(_DISCONNECT_TIMEOUT):
                    await connection.disconnect()
            except (core.BaseBumbleError, TimeoutError) as error:
                logger.warning("disconnecting from %s: %s", self.address, error)
        if self._connection is connection:
            # The controller never reported the disconnection: clean up all the same.
            self._on_disconnection(hci.HCI_CONNECTION_TERMINATED_BY_LOCAL_HOST_ERROR)

    async def _find_target(self, timeout: float) -> hci.Address:
        if self._target is not None:
            return self._target
        if self.address.upper().endswith("/P"):
            self._target = hci.Address(self.address)
            return self._target
        # As BleakScanner.find_device_by_address(), whose typed kwargs exclude bumble_device.
        wanted = self.address.lower()
        scanner = BleakScanner(backend=BumbleBleakScanner, bumble_device=self._device)
        try:
            async with (
                scanner,
                asyncio.timeout(timeout),
                contextlib.aclosing(scanner.advertisement_data()) as advertisements,
            ):
                async for device, _ in advertisements:
                    if device.address.lower() == wanted and isinstance(
                        device.details, BumbleDeviceDetails
                    ):
                        self._name = self._name or device.name
                        self._target = device.details.address
                        return self._target
        except TimeoutError:
            pass
        raise BleakDeviceNotFoundError(
            self.address, f"Device with address {self.address} was not found."
        )

    async def _create_connection(self, target: hci.Address, timeout: float) -> Connection:
        try:
            async with asyncio.timeout(timeout + _CONNECT_GRACE):
                return await self._device.connect(
                    target, transport=core.PhysicalTransport.LE, timeout=timeout
                )
        except (TimeoutError, core.TimeoutError):
            if self._device.is_le_connecting:
                try:
                    await self._device.cancel_connection()  # type: ignore[no-untyped-call]
                except core.BaseBumbleError as error:
                    logger.debug("cancelling the connection: %s", error)
            raise TimeoutError(f"no connection to {self.address} within {timeout:g} s") from None
        except core.InvalidStateError:
            raise BumbleLinkError(
                f"cannot connect to {self.address}: another connection is being made on this "
                "radio, try again when it is done"
            ) from None
        except core.BaseError as error:
            raise BumbleLinkError(
                f"connecting to {self.address} failed: {error.error_name or error}"
            ) from None

    def _attach(self, connection: Connection) -> None:
        self._connection = connection
        self._bond_refused = False
        self._peer = Peer(connection)
        connection.on(Connection.EVENT_DISCONNECTION, self._on_disconnection)
        connection.on(Connection.EVENT_PAIRING, self._on_pairing)
        connection.on(Connection.EVENT_SECURITY_REQUEST, self._on_security_request)

    def _detach(self, connection: Connection) -> None:
        connection.remove_listener(Connection.EVENT_DISCONNECTION, self._on_disconnection)
        connection.remove_listener(Connection.EVENT_PAIRING, self._on_pairing)
        connection.remove_listener(Connection.EVENT_SECURITY_REQUEST, self._on_security_request)

    async def _abandon(self) -> None:
        """Drop a connection whose set-up failed, never raising."""
        try:
            await self.disconnect()
        except Exception:
            logger.exception("dropping the connection to %s", self.address)

    def _on_disconnection(self, reason: int) -> None:
        connection = self._connection
        if connection is None:
            return
        logger.info("disconnected from %s: %s", self.address, _hci_error_name(reason))
        self._detach(connection)
        self._connection = None
        self._peer = None
        self.services = None
        self._subscriptions.clear()
        for task in self._tasks:
            task.cancel()
        if self._disconnected_callback is not None:
            try:
                self._disconnected_callback()
            except Exception:
                logger.exception("error in the disconnected callback of %s", self.address)

    # -- security ---------------------------------------------------------------------------

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Pair (LE Secure Connections, MITM, bonding) unless the link is already protected.

        Returns at once when the link is encrypted with an authenticated key; with a stored
        bond the link is only encrypted with it. Numeric comparison or passkey questions go to
        the Device's pairing delegate.

        Raises:
            BumbleLinkError: If not connected.
            BumblePairingError: If pairing was refused, failed, timed out or the link dropped.
        """
        self._require_connection()
        async with self._security_lock:
            await self._pair_unlocked()

    async def unpair(self) -> None:
        """Delete the bond with this peer from the key store, and disconnect.

        The next connection starts unprotected and must pair again.
        """
        addresses = self._bond_addresses()
        if self.is_connected:
            await self.disconnect()
        deleted = await self._bonds.forget(*addresses)
        self._bonded = False
        self._key_authenticated = False
        self._key_secure_connections = False
        detail = "" if deleted else "there was no bond to delete"
        self._emit(PairingEventKind.UNPAIRED, detail)

    def _bond_addresses(self) -> list[hci.Address]:
        addresses: list[hci.Address] = []
        if self._connection is not None:
            addresses.append(self._connection.peer_address)
        if self._target is not None:
            addresses.append(self._target)
        if not addresses:
            addresses.append(hci.Address(self.address, hci.Address.RANDOM_DEVICE_ADDRESS))
            addresses.append(hci.Address(self.address, hci.Address.PUBLIC_DEVICE_ADDRESS))
        return addresses

    async def _restore_bond(self) -> None:
        """Encrypt the link with the stored key if there is a bond (caller holds the lock)."""
        connection = self._require_connection()
        keys = await self._bonds.find(connection.peer_address, *self._bond_addresses())
        self._bonded = keys is not None
        if keys is None or connection.is_encrypted:
            return
        self._note_keys(keys)
        if await self._bonds.find(connection.peer_address) is None:
            # Device.encrypt() looks the key up under the connection's address only.
            await self._bonds.remember(connection.peer_address, keys)
        try:
            await connection.encrypt()
        except asyncio.CancelledError:
            if _being_cancelled():
                raise
            raise BumbleLinkError(
                f"the link to {self.address} was lost while encrypting it"
            ) from None
        except hci.HCI_Error as error:
            # Typically PIN or Key Missing: the peer has forgotten the bond.
            logger.warning("%s refused the stored key: %s", self.address, error)
            self._bond_refused = True
            self._emit(
                PairingEventKind.BOND_REFUSED,
                f"{self.address} refused the stored key; pair again",
            )
            return
        except core.BaseBumbleError as error:
            logger.warning("cannot encrypt the link to %s with its bond: %s", self.address, error)
            self._bond_refused = True
            return
        self._emit(PairingEventKind.ENCRYPTED_WITH_BOND)

    async def _pair_unlocked(self) -> None:
        connection = self._require_connection()
        if self.security.authenticated:
            return
        if self._bonded and not connection.is_encrypted and not self._bond_refused:
            await self._restore_bond()
            if self.security.authenticated:
                return
        self._emit(PairingEventKind.STARTED)
        error: BumblePairingError
        try:
            async with asyncio.timeout(self._pairing_timeout):
                await connection.pair()
        except core.ProtocolError as failure:
            if failure.error_namespace == "smp" and failure.error_code is not None:
                error = BumblePairingError.from_smp(
                    self.address, int(failure.error_code), failure.error_name
                )
            else:
                error = BumblePairingError(self.address, str(failure))
        except TimeoutError:
            error = BumblePairingError(
                self.address, f"no answer within {self._pairing_timeout:g} s"
            )
        except asyncio.CancelledError:
            if _being_cancelled():
                raise
            error = BumblePairingError(self.address, "the link was lost during pairing")
        else:
            keys = await self._bonds.find(connection.peer_address)
            self._bonded = keys is not None
            if keys is not None and self._target is not None:
                await self._bonds.remember(self._target, keys)
            self._emit(PairingEventKind.PAIRED)
            return
        self._emit(PairingEventKind.FAILED, str(error))
        raise error

    def _note_keys(self, keys: PairingKeys) -> None:
        key = long_term_key(keys)
        self._key_authenticated = key is not None and key.authenticated
        self._key_secure_connections = keys.ltk is not None

    def _on_pairing(self, keys: PairingKeys) -> None:
        self._note_keys(keys)

    def _on_security_request(self, auth_req: int) -> None:
        logger.info("%s asks for security (auth_req=0x%02X)", self.address, auth_req)
        task = asyncio.get_running_loop().create_task(self._answer_security_request())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer_security_request(self) -> None:
        try:
            async with self._security_lock:
                if self.is_connected and not self.security.encrypted:
                    await self._pair_unlocked()
        except (BleakError, core.BaseBumbleError) as error:
            logger.warning("answering the security request of %s: %s", self.address, error)

    def _emit(self, kind: PairingEventKind, detail: str = "") -> None:
        hook = self.on_pairing_event
        if hook is None:
            return
        event = PairingEvent(kind, self._display_address(), self.security, detail)
        try:
            hook(event)
        except Exception:
            logger.exception("error in the pairing event hook of %s", self.address)

    def _display_address(self) -> str:
        return bleak_address(self._target) if self._target is not None else self.address

    # -- GATT -------------------------------------------------------------------------------

    def _require_connection(self) -> Connection:
        connection = self._connection
        if connection is None or not self.is_connected:
            raise BumbleLinkError(f"not connected to {self.address}")
        return connection

    def _require_peer(self) -> Peer:
        self._require_connection()
        assert self._peer is not None
        return self._peer

    async def _gatt(self, operation: str, handle: int, call: Callable[[], Awaitable[_T]]) -> _T:
        """Run one GATT procedure, turning Bumble's failures into this backend's errors."""
        self._require_connection()
        try:
            return await call()
        except att.ATT_Error as error:
            raise BumbleAttError(
                int(error.error_code or 0), error.att_handle or handle, operation
            ) from None
        except core.TimeoutError:
            raise BumbleLinkError(
                f"{operation} of handle 0x{handle:04X} on {self.address} timed out"
            ) from None
        except asyncio.CancelledError:
            if _being_cancelled():
                raise
            raise BumbleLinkError(
                f"the link to {self.address} was lost during {operation}"
            ) from None

    async def _exchange_mtu(self) -> None:
        peer = self._require_peer()
        try:
            mtu = await self._gatt("MTU exchange", 0, lambda: peer.request_mtu(self._mtu))
        except BumbleAttError as error:
            logger.warning(
                "%s refused the MTU exchange, keeping %d: %s", self.address, MINIMUM_MTU, error
            )
            return
        logger.debug("ATT MTU with %s: %d", self.address, mtu)

    async def _discover_services(self) -> BleakGATTServiceCollection:
        peer = self._require_peer()
        wanted = [core.UUID(u) for u in self._requested_services or ()]
        found = await self._gatt("service discovery", 0, lambda: peer.discover_services(wanted))
        collection = BleakGATTServiceCollection()
        for service in found:
            await self._add_service(collection, service)
        return collection

    async def _add_service(
        self, collection: BleakGATTServiceCollection, proxy: ServiceProxy
    ) -> None:
        service = BleakGATTService(proxy, proxy.handle, bleak_uuid(proxy.uuid))
        collection.add_service(service)
        characteristics = await self._gatt(
            "characteristic discovery", proxy.handle, proxy.discover_characteristics
        )
        for characteristic in characteristics:
            await self._gatt(
                "descriptor discovery", characteristic.handle, characteristic.discover_descriptors
            )
            # Bumble re-discovers descriptors on every subscribe unless told they are known.
            characteristic.descriptors_discovered = True
            bleak_characteristic = BleakGATTCharacteristic(
                characteristic,
                characteristic.handle,
                bleak_uuid(characteristic.uuid),
                _properties(int(characteristic.properties)),
                lambda: self.mtu_size - 3,
                service,
            )
            collection.add_characteristic(bleak_characteristic)
            for descriptor in characteristic.descriptors:
                collection.add_descriptor(
                    BleakGATTDescriptor(
                        descriptor,
                        descriptor.handle,
                        bleak_uuid(descriptor.type),
                        bleak_characteristic,
                    )
                )

    async def _read_device_name(self) -> None:
        """Take the peer's GAP Device Name, when it is readable, as this client's name."""
        peer = self._require_peer()
        names = peer.get_characteristics_by_uuid(gatt.GATT_DEVICE_NAME_CHARACTERISTIC)
        if not names:
            return
        try:
            value = await self._gatt("read", names[0].handle, lambda: peer.read_value(names[0]))
        except BumbleAttError:
            return
        self._name = value.decode("utf-8", errors="replace") or self._name

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        """Read a characteristic's value (long values are read in full)."""
        return await self._read(characteristic.handle, use_cached)

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        """Read a descriptor's value."""
        return await self._read(descriptor.handle, use_cached)

    async def _read(self, handle: int, use_cached: bool) -> bytearray:
        peer = self._require_peer()
        if use_cached and (cached := peer.gatt_client.cached_values.get(handle)) is not None:
            return bytearray(cached[1])
        value = await self._gatt("read", handle, lambda: peer.read_value(handle))
        return bytearray(value)

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        """Write a characteristic's value, with response (a request) or without (a command).

        Raises:
            BleakError: If a write without response is longer than ``mtu_size - 3``.
        """
        payload = bytes(data)
        if not response and len(payload) > self.mtu_size - 3:
            raise BleakError(
                f"{len(payload)} bytes do not fit a write without response "
                f"(at most {self.mtu_size - 3} with ATT MTU {self.mtu_size})"
            )
        await self._write(characteristic.handle, payload, response)

    async def write_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, data: SizedBuffer
    ) -> None:
        """Write a descriptor's value (with response)."""
        await self._write(descriptor.handle, bytes(data), True)

    async def _write(self, handle: int, payload: bytes, response: bool) -> None:
        peer = self._require_peer()
        await self._gatt(
            "write", handle, lambda: peer.write_value(handle, payload, with_response=response)
        )

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        """Subscribe to notifications, or to indications when the characteristic has only those.

        Indications are confirmed by Bumble after ``callback`` returns. Calling this again for
        the same characteristic only replaces the callback.

        Raises:
            BleakError: If the characteristic can neither notify nor indicate, or has no CCCD.
            BumbleAttError: If the peer refuses the subscription (e.g. not paired).
        """
        self._require_connection()
        handle = characteristic.handle
        existing = self._subscriptions.get(handle)
        if existing is not None:
            existing.callback = callback
            return
        if not {"notify", "indicate"} & set(characteristic.properties):
            raise BleakError(f"{characteristic.uuid} can neither notify nor indicate")
        proxy: CharacteristicProxy[bytes] = characteristic.obj
        if proxy.get_descriptor(gatt.GATT_CLIENT_CHARACTERISTIC_CONFIGURATION_DESCRIPTOR) is None:
            raise BleakError(f"{characteristic.uuid} has no Client Characteristic Configuration")
        subscription = _Subscription(proxy, callback)

        def dispatch(value: bytes) -> None:
            # Bumble confirms an indication only after this returns: never let it raise.
            try:
                subscription.callback(bytearray(value))
            except Exception:
                logger.exception("error in the notification callback of %s", characteristic.uuid)

        subscription.dispatch = dispatch
        self._subscriptions[handle] = subscription
        try:
            await self._gatt("subscribe", handle, lambda: proxy.subscribe(dispatch))
        except BaseException:
            self._subscriptions.pop(handle, None)
            self._forget_subscriber(proxy, dispatch)
            raise

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        """Unsubscribe, writing 0 to the CCCD."""
        subscription = self._subscriptions.pop(characteristic.handle, None)
        if subscription is None or subscription.dispatch is None or not self.is_connected:
            return
        dispatch = subscription.dispatch
        await self._gatt(
            "unsubscribe", characteristic.handle, lambda: subscription.proxy.unsubscribe(dispatch)
        )

    @staticmethod
    def _forget_subscriber(
        proxy: CharacteristicProxy[bytes], dispatch: Callable[[bytes], None]
    ) -> None:
        """Undo what a failed ``subscribe`` left behind in Bumble's GATT client.

        Bumble registers the subscriber before writing the CCCD and keeps it when the write
        fails, so a later notification would reach a callback the app was told had failed.
        """
        wrapper = proxy.subscribers.pop(dispatch, None)
        client = proxy.client
        for table in (client.notification_subscribers, client.indication_subscribers):
            subscribers = table.get(proxy.handle)
            if subscribers is None:
                continue
            subscribers.discard(wrapper)
            if subscribers <= {proxy}:
                del table[proxy.handle]


def bumble_client_of(client: BleakClient) -> BumbleBleakClient:
    """Return the Bumble backend behind a :class:`bleak.BleakClient`.

    bleak's facade has no public way to reach its backend; this is the one place that looks.

    Raises:
        TypeError: If the client does not use :class:`BumbleBleakClient`.
    """
    backend = getattr(client, "_backend", None)
    if not isinstance(backend, BumbleBleakClient):
        raise TypeError("this BleakClient does not use the Bumble backend")
    return backend


def bumble_link_security(client: BleakClient) -> LinkSecurity:
    """The security of a Bumble-backed client's link (e.g. for ``LinkBackend.security``).

    Raises:
        TypeError: If the client does not use :class:`BumbleBleakClient`.
    """
    return bumble_client_of(client).security
