"""The meter as a BLE peripheral: its name, advertising, pairing rules, bonds and link events.

The meter advertises connectable and scannable, again after every disconnection, and again
after every connection, so that the next display of the home can connect beside the ones
connected (what it advertises: :mod:`meter_emulator.gatt.advertising`).

Pairing is LE Secure Connections with MITM protection and bonding. The meter has a display and a
yes/no button, so with a display-and-keyboard IHD numeric comparison is used; in passkey-display
mode the meter shows a six-digit passkey that the IHD types. Just Works is refused: it is the
method Bumble falls back to when the peer cannot protect against a man in the middle. So is
legacy pairing (Secure Connections Only mode), whose Just Works Bumble completes without asking
the delegate. The person's answers come from a :class:`PairingPolicy` (the GUI asks;
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
from enum import StrEnum
from pathlib import Path
from typing import Final, Protocol

from bumble import hci, smp
from bumble.device import AdvertisingType, Connection, Device
from bumble.gatt import Characteristic
from bumble.keys import JsonKeyStore, PairingKeys
from bumble.pairing import PairingConfig, PairingDelegate

from ihd_app.protocol import gatt_profile
from ihd_app.protocol.bumble_smp import SecureConnectionsOnlySession
from ihd_app.protocol.errors import ConfigurationError
from meter_emulator.gatt.advertising import advertising_data, scan_response_data
from meter_emulator.gatt.pairing_window import REASON_WINDOW_CLOSED, PairingWindow
from meter_emulator.gatt.security import LinkSecurity, keys_are_authenticated, pairing_bonded

_LOG = logging.getLogger(__name__)
#: Longest a refused display's disconnection may take before the meter stops waiting for it.
_DROP_GUARD_S = 10.0

# Seconds close() waits for advertising restarts and reports in flight before cancelling them.
_CLOSE_GRACE_S: Final = 5.0

# Our own reasons for a failed pairing; SMP's reason names are used otherwise.
_REASON_REJECTED: Final = "comparison-rejected"
_REASON_JUST_WORKS: Final = "just-works-refused"
_REASON_LEGACY: Final = "legacy-pairing-refused"
_REASON_POLICY_ERROR: Final = "policy-error"


class PairingMode(StrEnum):
    """How the meter takes part in authenticating a pairing."""

    #: Display and yes/no: numeric comparison with a display-and-keyboard (or yes/no) IHD.
    NUMERIC_COMPARISON = "numeric-comparison"
    #: Display only: the meter shows a passkey the IHD types.
    PASSKEY_DISPLAY = "passkey-display"


class PairingPolicy(Protocol):
    """Answers the questions pairing asks of the person at the meter."""

    async def confirm(self, number: int) -> bool:
        """Return whether the six-digit number shown matches the IHD's."""
        ...

    def display_passkey(self, passkey: int) -> None:
        """Show the six-digit passkey the person must type on the IHD."""
        ...


class AutoAcceptPolicy:
    """The ``--headless`` policy: accept every comparison, and log every number shown.

    The peripheral asks it only while the pairing window is open, and refuses its "yes" if the
    window closed meanwhile, so it accepts no more than the window lets in.

    Args:
        log: Where to write the numbers; the module logger at INFO if ``None``.
    """

    def __init__(self, log: Callable[[str], None] | None = None) -> None:
        self._log = log or _LOG.info

    async def confirm(self, number: int) -> bool:
        """Accept, logging the number."""
        self._log(f"pairing: numeric comparison {number:06d} accepted automatically")
        return True

    def display_passkey(self, passkey: int) -> None:
        """Log the passkey."""
        self._log(f"pairing: passkey {passkey:06d}")


class CallbackPolicy:
    """A policy whose answers come from two callables (e.g. GUI dialogs).

    Args:
        confirm: ``await confirm(number)`` returns whether the person confirmed the number.
        display_passkey: ``display_passkey(passkey)`` shows the passkey.
    """

    def __init__(
        self,
        confirm: Callable[[int], Awaitable[bool]],
        display_passkey: Callable[[int], None],
    ) -> None:
        self._confirm = confirm
        self._display_passkey = display_passkey

    async def confirm(self, number: int) -> bool:
        """Ask the callable."""
        return await self._confirm(number)

    def display_passkey(self, passkey: int) -> None:
        """Hand the passkey to the callable."""
        self._display_passkey(passkey)


class EventSink(Protocol):
    """``on_event(name, **fields)``: one event of the ``--events`` stream (DESIGN.md §8)."""

    def __call__(self, name: str, /, **fields: object) -> None:
        """Record one event."""
        ...


def _describe_hci_reason(reason: int) -> str:
    with contextlib.suppress(ValueError):
        return hci.HCI_ErrorCode(reason).name.lower().removesuffix("_error").replace("_", "-")
    return f"{reason:#04x}"


def _describe_smp_reason(reason: int) -> str:
    if reason == smp.ErrorCode.NUMERIC_COMPARISON_FAILED:
        # What the IHD's person did (Linux sends this code; Bumble sends confirm-value-failed).
        return _REASON_REJECTED
    with contextlib.suppress(ValueError):
        return smp.ErrorCode(reason).name.lower().replace("_", "-")
    return f"{reason:#04x}"


class _LinkPairing:
    """What one link's pairing has shown so far."""

    def __init__(self) -> None:
        self.number: int | None = None
        self.passkey: int | None = None
        self.refusal: str | None = None


class _SecureConnectionsOnlySession(SecureConnectionsOnlySession):
    """The shared Secure Connections Only session, recording the refusal for the meter's
    ``pairing.failed {reason}`` event."""

    def legacy_refused(self) -> None:
        delegate = self.pairing_config.delegate
        if isinstance(delegate, _MeterPairingDelegate):
            delegate.refuse(_REASON_LEGACY)
        super().legacy_refused()


class _MeterPairingDelegate(PairingDelegate):
    """Bumble's pairing delegate for one link, answering through the peripheral's policy."""

    def __init__(self, peripheral: MeterPeripheral, connection: Connection) -> None:
        io_capability = (
            PairingDelegate.IoCapability.DISPLAY_OUTPUT_AND_YES_NO_INPUT
            if peripheral.mode is PairingMode.NUMERIC_COMPARISON
            else PairingDelegate.IoCapability.DISPLAY_OUTPUT_ONLY
        )
        super().__init__(io_capability=io_capability)
        self._peripheral = peripheral
        self._connection = connection

    async def accept(self) -> bool:
        # A pairing request: a new display asks to join. Only while the window is open.
        if self._peripheral.pairing_window_open():
            return True
        self.refuse(REASON_WINDOW_CLOSED)
        _LOG.warning(
            "pairing with %s refused: the pairing window is closed", self._connection.peer_address
        )
        return False

    def refuse(self, reason: str) -> None:
        """Record why the pairing is being refused (``pairing.failed {reason}``)."""
        self._peripheral._pairing_state(self._connection).refusal = reason

    async def confirm(self, auto: bool = False) -> bool:
        # Bumble asks this only for Just Works: the peer cannot authenticate the pairing.
        self._peripheral._pairing_state(self._connection).refusal = _REASON_JUST_WORKS
        _LOG.warning("pairing with %s refused: Just Works", self._connection.peer_address)
        return False

    async def compare_numbers(self, number: int, digits: int) -> bool:
        state = self._peripheral._pairing_state(self._connection)
        state.number = number
        try:
            accepted = await self._peripheral.policy.confirm(number)
        except Exception:
            _LOG.exception("the pairing policy failed")
            state.refusal = _REASON_POLICY_ERROR
            return False
        if accepted and not self._peripheral.pairing_window_open():
            # The person (or --headless) said yes after the window closed: too late to join.
            state.refusal = REASON_WINDOW_CLOSED
            return False
        if accepted:
            self._peripheral.security.note_mitm(self._connection)
        else:
            state.refusal = _REASON_REJECTED
        return bool(accepted)

    async def get_number(self) -> int | None:
        # The meter has no keyboard; Bumble never asks with our I/O capabilities.
        return None

    async def display_number(self, number: int, digits: int) -> None:
        self._peripheral._pairing_state(self._connection).passkey = number
        self._peripheral.security.note_mitm(self._connection)
        # What the meter's screen shows, for a script playing the person who types it.
        self._peripheral._emit(
            "pairing.passkey-display", peer=str(self._connection.peer_address), passkey=number
        )
        try:
            self._peripheral.policy.display_passkey(number)
        except Exception:
            _LOG.exception("the pairing policy failed to show the passkey")


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
        self._pairings: dict[Connection, _LinkPairing] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._started = False
        self._closing = False
        self._advertising = asyncio.Lock()
        self._keystore_path = keystore_path
        if keystore_path is not None:
            # Namespaced by our own address, as Bumble does, so one file can serve several.
            device.keystore = JsonKeyStore(str(device.static_address), str(keystore_path))
        device.pairing_config_factory = self._pairing_config
        device.smp_session_proxy = _SecureConnectionsOnlySession
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
        self._pairings[connection] = _LinkPairing()
        return PairingConfig(
            sc=True,
            mitm=True,
            bonding=True,
            delegate=_MeterPairingDelegate(self, connection),
            # Bumble would otherwise hand out the controller's public address as our identity,
            # while we advertise and connect with the static random one: a bonded IHD would
            # then look for our keys under an address it never sees.
            identity_address_type=PairingConfig.AddressType.RANDOM,
        )

    def _pairing_state(self, connection: Connection) -> _LinkPairing:
        return self._pairings.setdefault(connection, _LinkPairing())

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
            state = self._pairings.pop(connection, _LinkPairing())
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
            state = self._pairings.pop(connection, _LinkPairing())
            self._emit(
                "pairing.failed",
                peer=str(connection.peer_address),
                reason=state.refusal or _describe_smp_reason(reason),
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
