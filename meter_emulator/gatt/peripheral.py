"""The meter as a BLE peripheral: its name, advertising, pairing rules, bonds and link events.

The meter advertises connectable and scannable, again after every disconnection, and again
after every connection, so that the next display of the home can connect beside the ones
connected (what it advertises: :mod:`meter_emulator.gatt.advertising`).

Pairing is LE Secure Connections with MITM protection and bonding. The meter has a display and a
yes/no button, so with a display-and-keyboard IHD numeric comparison is used; in passkey-display
mode the meter shows a six-digit passkey that the IHD types. Just Works is refused: it is the
method Bumble falls back to when the peer cannot protect against a man in the middle. So is
legacy pairing (Secure Connections Only mode), whose Just Works Bumble completes without asking
the delegate (each link's pairing: :mod:`meter_emulator.gatt.pairing_delegate`). The person's
answers come from a :class:`~meter_emulator.gatt.pairing_policy.PairingPolicy` (the GUI asks;
``--headless`` accepts and logs the number), and only while the meter's pairing window is open
(:mod:`meter_emulator.gatt.pairing_window`): a pairing asked for while it is closed is refused
before any question, with SMP's Pairing Not Supported (what a Bluetooth device that is not
pairable answers), and a "yes" given after the window closed counts as a refusal. Bonds are kept
in a Bumble ``JsonKeyStore`` file, so a paired IHD reconnects after a restart without pairing
again (and without the window).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final, Protocol

from bumble import hci
from bumble.device import AdvertisingType, Connection, Device
from bumble.gatt import Characteristic
from bumble.keys import JsonKeyStore, PairingKeys
from bumble.pairing import PairingConfig

from ihd_app.protocol import gatt_profile
from ihd_app.protocol.errors import ConfigurationError
from meter_emulator.gatt.advertising import advertising_data, scan_response_data
from meter_emulator.gatt.pairing_delegate import (
    LinkPairing,
    MeterPairingDelegate,
    MeterSecureConnectionsOnlySession,
    describe_smp_reason,
)
from meter_emulator.gatt.pairing_policy import PairingMode, PairingPolicy
from meter_emulator.gatt.pairing_window import PairingWindow
from meter_emulator.gatt.security import LinkSecurity, keys_are_authenticated, pairing_bonded

_LOG = logging.getLogger(__name__)
#: Longest a refused display's disconnection may take before the meter stops waiting for it.
_DROP_GUARD_S = 10.0

# Seconds close() waits for advertising restarts and reports in flight before cancelling them.
_CLOSE_GRACE_S: Final = 5.0


class EventSink(Protocol):
    """``on_event(name, **fields)``: one event of the ``--events`` stream (DESIGN.md §8)."""

    def __call__(self, name: str, /, **fields: object) -> None:
        """Record one event."""
        ...


def _describe_hci_reason(reason: int) -> str:
    with contextlib.suppress(ValueError):
        return hci.HCI_ErrorCode(reason).name.lower().removesuffix("_error").replace("_", "-")
    return f"{reason:#04x}"


class MeterPeripheral:
    """Configures the meter's Bumble ``Device`` as the profile's peripheral and runs it.

    Build the device with the advertised name (:func:`advertised_name`) first, e.g. with
    ``MeterRadio.create_device``; build this before powering the device on.

    Args:
        device: The meter's Bumble device (not powered on yet).
        policy: Answers pairing questions.
        keystore_path: JSON file keeping bonds (created on the first bond); bonds are kept in
            memory only if ``None``.
        mode: Numeric comparison (default) or passkey display.
        on_event: Receives the link events.
        security: Shared link-security tracker; a new one is made if ``None``.
        advertise_service_uuid: ``False`` leaves the service UUID out of the advertisement (the
            ``bad-advertising`` fault).
        pairing_window: When new displays may pair; ``None`` for none (a bare peripheral in
            tests: any pairing the policy accepts). The meter runtime always gives one.
    """

    def __init__(
        self,
        device: Device,
        *,
        policy: PairingPolicy,
        keystore_path: Path | None = None,
        mode: PairingMode = PairingMode.NUMERIC_COMPARISON,
        on_event: EventSink | None = None,
        security: LinkSecurity | None = None,
        advertise_service_uuid: bool = True,
        pairing_window: PairingWindow | None = None,
    ) -> None:
        self._device = device
        self._pairing_window = pairing_window
        self._policy = policy
        self._advertise_service_uuid = advertise_service_uuid
        self._mode = mode
        self._on_event = on_event
        self._own_security = security is None
        self._security = security if security is not None else LinkSecurity(device)
        self._pairings: dict[Connection, LinkPairing] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._started = False
        self._closing = False
        self._advertising = asyncio.Lock()
        self._keystore_path = keystore_path
        if keystore_path is not None:
            # Namespaced by our own address, as Bumble does, so one file can serve several.
            device.keystore = JsonKeyStore(str(device.static_address), str(keystore_path))
        device.pairing_config_factory = self._pairing_config
        device.smp_session_proxy = MeterSecureConnectionsOnlySession
        device.on(Device.EVENT_CONNECTION, self._on_connection)
        device.on("characteristic_subscription", self._on_subscription)

    @property
    def device(self) -> Device:
        """The Bumble device."""
        return self._device

    @property
    def name(self) -> str:
        """The advertised complete local name."""
        return str(self._device.name)

    @property
    def address(self) -> str:
        """The LE address the meter advertises with."""
        return str(self._device.static_address)

    @property
    def mode(self) -> PairingMode:
        """The pairing mode."""
        return self._mode

    @property
    def policy(self) -> PairingPolicy:
        """The policy answering pairing questions."""
        return self._policy

    @property
    def pairing_window(self) -> PairingWindow | None:
        """When new displays may pair (``None``: whenever the policy accepts)."""
        return self._pairing_window

    def pairing_window_open(self) -> bool:
        """Whether a new display may pair now."""
        return self._pairing_window is None or self._pairing_window.is_open

    @property
    def security(self) -> LinkSecurity:
        """The tracker deciding which links count as authenticated; share it with the server."""
        return self._security

    @property
    def keystore_path(self) -> Path | None:
        """The bonds file, if bonds persist."""
        return self._keystore_path

    @property
    def connections(self) -> list[Connection]:
        """The centrals connected now."""
        return list(self._device.connections.values())

    async def start(self) -> None:
        """Power the device on (unless it is) and start advertising.

        Raises:
            ConfigurationError: The bonds file cannot be read.
        """
        keystore = self._device.keystore
        if keystore is not None:
            # Bumble would fail deep inside power_on() on a damaged file; say which file.
            try:
                await keystore.get_all()
            except (OSError, ValueError) as error:
                raise ConfigurationError(
                    f"the bonds file {self._keystore_path} cannot be read ({error}); "
                    "move it away to start with no bonds"
                ) from error
        if not self._device.powered_on:
            await self._device.power_on()
        self._started = True
        await self._advertise()

    async def disconnect(self) -> None:
        """Disconnect every connected IHD (advertising then restarts)."""
        for connection in self.connections:
            with contextlib.suppress(hci.HCI_Error):
                await connection.disconnect()

    async def drop(self, connection: Connection) -> bool:
        """Disconnect one display and delete its bond (a display the meter does not serve must
        pair again, inside a pairing window, to come back); whether a bond was deleted."""
        peer = str(connection.peer_address)
        deleted = False
        # The bond goes first: a meter stopped as soon as the display is gone keeps none.
        keystore = self._device.keystore
        if keystore is not None and await keystore.get(peer) is not None:
            await keystore.delete(peer)
            deleted = True
            if self._device.powered_on:
                await self._device.refresh_resolving_list()
        if connection.handle in self._device.connections:
            # Not if it is gone already (the display left first): Bumble would wait for a
            # disconnection that never comes.
            with contextlib.suppress(hci.HCI_Error, TimeoutError):
                # A guard, not a wait: gone between the check and the command, the
                # disconnection it waits for may never be reported.
                await asyncio.wait_for(connection.disconnect(), _DROP_GUARD_S)
        return deleted

    async def forget_bonds(self) -> int:
        """Delete every bond from the key store.

        Returns:
            How many bonds were deleted.
        """
        keystore = self._device.keystore
        if keystore is None:
            return 0
        count = len(await keystore.get_all())
        await keystore.delete_all()
        if self._device.powered_on:
            await self._device.refresh_resolving_list()
        return count

    async def close(self) -> None:
        """Disconnect, stop advertising, power the device off and stop following it."""
        self._closing = True
        tasks, self._tasks = self._tasks, set()
        if tasks:
            # Let them finish rather than cancel them: a task cancelled while Bumble awaits an
            # HCI command's completion makes its host fail on the late completion event.
            _done, late = await asyncio.wait(tasks, timeout=_CLOSE_GRACE_S)
            for task in late:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._device.powered_on:
            await self.disconnect()
            with contextlib.suppress(hci.HCI_Error):
                await self._device.stop_advertising()
            await self._device.power_off()
        self._device.remove_listener(Device.EVENT_CONNECTION, self._on_connection)
        self._device.remove_listener("characteristic_subscription", self._on_subscription)
        if self._own_security:
            await self._security.close()

    # ----------------------------------------------------------------------------------------

    def _emit(self, event: str, /, **fields: object) -> None:
        _LOG.info("%s %s", event, fields)
        if self._on_event is None:
            return
        try:
            self._on_event(event, **fields)
        except Exception:
            _LOG.exception("on_event failed for %s", event)

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _pairing_config(self, connection: Connection) -> PairingConfig:
        self._pairings[connection] = LinkPairing()
        return PairingConfig(
            sc=True,
            mitm=True,
            bonding=True,
            delegate=MeterPairingDelegate(
                connection,
                mode=self._mode,
                policy=self._policy,
                security=self._security,
                window_open=self.pairing_window_open,
                state=lambda: self._pairing_state(connection),
                emit=self._emit,
            ),
            # Bumble would otherwise hand out the controller's public address as our identity,
            # while we advertise and connect with the static random one: a bonded IHD would
            # then look for our keys under an address it never sees.
            identity_address_type=PairingConfig.AddressType.RANDOM,
        )

    def _pairing_state(self, connection: Connection) -> LinkPairing:
        return self._pairings.setdefault(connection, LinkPairing())

    async def _advertise(self) -> None:
        # A connection and a disconnection may both restart advertising at once: one at a time.
        async with self._advertising:
            if self._closing or not self._started:
                return
            connected = len(self.connections)
            try:
                await self._device.start_advertising(
                    advertising_type=AdvertisingType.UNDIRECTED_CONNECTABLE_SCANNABLE,
                    own_address_type=hci.OwnAddressType.RANDOM,
                    advertising_data=advertising_data(service_uuid=self._advertise_service_uuid),
                    scan_response_data=scan_response_data(self.name),
                )
            except hci.HCI_Error as error:
                if not connected:
                    raise
                # A controller that cannot advertise while connected serves one display.
                _LOG.warning("no advertising beside %d connection(s): %s", connected, error)
                return
            fields: dict[str, object] = {"name": self.name, "address": self.address}
            if connected:
                fields["connected"] = connected  # for the next display, beside these
            self._emit("advertising", **fields)

    def _on_connection(self, connection: Connection) -> None:
        peer = str(connection.peer_address)
        self._emit("link.connected", peer=peer)
        # The controller stopped advertising for this connection; another display may come.
        self._spawn(self._advertise())

        def on_encryption_change() -> None:
            if connection.is_encrypted:
                self._spawn(self._report_encryption(connection))

        def on_pairing(keys: PairingKeys) -> None:
            state = self._pairings.pop(connection, LinkPairing())
            fields: dict[str, object] = {
                "peer": str(connection.peer_address),
                "authenticated": keys_are_authenticated(keys),
                "bonded": pairing_bonded(self._device, connection),
            }
            if state.number is not None:
                fields["number"] = state.number
            if state.passkey is not None:
                fields["passkey"] = state.passkey
            self._emit("link.paired", **fields)

        def on_pairing_failure(reason: int) -> None:
            state = self._pairings.pop(connection, LinkPairing())
            self._emit(
                "pairing.failed",
                peer=str(connection.peer_address),
                reason=state.refusal or describe_smp_reason(reason),
            )

        def on_disconnection(reason: int) -> None:
            self._pairings.pop(connection, None)
            for event, listener in listeners:
                connection.remove_listener(event, listener)
            self._emit("link.disconnected", peer=peer, reason=_describe_hci_reason(reason))
            if not self._closing:
                self._spawn(self._advertise())

        listeners: list[tuple[str, Callable[..., None]]] = [
            (connection.EVENT_CONNECTION_ENCRYPTION_CHANGE, on_encryption_change),
            (connection.EVENT_PAIRING, on_pairing),
            (connection.EVENT_PAIRING_FAILURE, on_pairing_failure),
            (connection.EVENT_DISCONNECTION, on_disconnection),
        ]
        for event, listener in listeners:
            connection.on(event, listener)

    async def _report_encryption(self, connection: Connection) -> None:
        authenticated = await self._security.check(connection)
        self._emit(
            "link.encrypted",
            peer=str(connection.peer_address),
            authenticated=authenticated,
            bonded=self._security.is_bonded(connection),
        )

    def _on_subscription(
        self,
        connection: Connection,
        characteristic: Characteristic[bytes],
        notify_enabled: bool,
        indicate_enabled: bool,
    ) -> None:
        spec = gatt_profile.characteristic_by_uuid(characteristic.uuid.to_hex_str("-"))
        if spec is None:
            return
        if notify_enabled or indicate_enabled:
            self._emit(
                "subscribed",
                characteristic=spec.name,
                notify=notify_enabled,
                indicate=indicate_enabled,
            )
        else:
            self._emit("unsubscribed", characteristic=spec.name)
