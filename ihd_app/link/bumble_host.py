"""The IHD's Bumble host: one powered-on Bumble Device on a radio, ready for the bleak backend.

:func:`open_bumble_host` opens a Bumble transport (``tcp-client:127.0.0.1:9301`` for the meter
emulator's virtual radio, ``usb:0`` for a dongle, ...), creates the Device with the IHD's
pairing policy (LE Secure Connections, MITM protection, bonding; questions go to a
:class:`~ihd_app.link.pairing.PairingAnswers`), keeps bonds in a JSON key store in the data
directory (reused across runs: a bonded meter is encrypted with the stored key, not paired
again) and can record a btsnoop capture readable by ``bumble-show``::

    host = await open_bumble_host(
        "tcp-client:127.0.0.1:9301", name="IHD", address="C0:1D:A6:00:01:01",
        keystore_path=data_dir / "bonds.json", pairing=AutoAccept(),
    )
    try:
        client = BleakClient(device, backend=BumbleBleakClient, bumble_device=host.device)
        ...
    finally:
        await host.close()
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from bumble import core, hci
from bumble.device import Device, DeviceConfiguration
from bumble.keys import JsonKeyStore
from bumble.pairing import PairingConfig
from bumble.snoop import BtSnooper, Snooper
from bumble.transport import open_transport
from bumble.transport.common import SnoopingTransport, Transport, TransportSink, TransportSource

from ihd_app.link.pairing import (
    DEFAULT_IO_CAPABILITY,
    AnswersPairingDelegate,
    IoCapability,
    PairingAnswers,
)
from ihd_app.protocol.bumble_hci import QuietHost
from ihd_app.protocol.bumble_smp import SecureConnectionsOnlySession
from ihd_app.protocol.errors import ConfigurationError, IhdError
from ihd_app.protocol.radio_spec import describe_transport_failure

logger = logging.getLogger(__name__)

#: Seconds the controller has to answer the power-on commands.
POWER_ON_TIMEOUT = 10.0
#: Seconds each step of closing (one disconnection, stopping the scan) may take.
CLOSE_STEP_TIMEOUT = 2.0


class RadioUnavailableError(IhdError):
    """The Bluetooth radio cannot be opened or does not answer."""


class HciCapture(Snooper):
    """A btsnoop capture of the host's HCI traffic that can be started and stopped at any time.

    Every Bumble host's transport goes through one of these; while no capture runs, each packet
    costs one attribute test. A capture started on a running link begins mid-stream (the
    connection's setup packets are not in it); ``bumble-show`` still reads every record.
    """

    def __init__(self) -> None:
        self._file: BinaryIO | None = None
        self._snooper: BtSnooper | None = None
        self._path: Path | None = None

    @property
    def path(self) -> Path | None:
        """The file being written, or ``None`` when no capture runs."""
        return self._path

    def start(self, path: Path) -> None:
        """Write every HCI packet from now on to ``path`` (a new btsnoop file; replaces a
        running capture).

        Raises:
            ConfigurationError: ``path`` cannot be written.
        """
        self.stop()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            snoop_file: BinaryIO = path.open("wb")
        except OSError as error:
            raise ConfigurationError(
                f"cannot write the btsnoop capture {path}: {error.strerror or error}"
            ) from None
        self._snooper = BtSnooper(snoop_file)
        snoop_file.flush()
        self._file, self._path = snoop_file, path

    def stop(self) -> None:
        """Stop capturing and close the file (nothing happens if no capture runs)."""
        snoop_file, self._file, self._snooper, self._path = self._file, None, None, None
        if snoop_file is not None:
            snoop_file.close()

    def snoop(self, hci_packet: bytes, direction: Snooper.Direction) -> None:
        snooper = self._snooper
        if snooper is None:
            return
        snooper.snoop(hci_packet, direction)
        assert self._file is not None
        self._file.flush()  # a capture read while it runs (or after a crash) loses nothing


class BumbleHost:
    """A powered-on Bumble Device on an open transport.

    Attributes:
        device: The Device to pass as ``bumble_device=`` to the bleak backend.
        moniker: The transport it runs on.
    """

    def __init__(
        self,
        device: Device,
        transport: Transport,
        moniker: str,
        capture: HciCapture | None = None,
    ) -> None:
        self.device = device
        self.moniker = moniker
        #: The btsnoop capture of this host's HCI traffic (start and stop it at any time).
        self.capture = capture or HciCapture()
        self._transport = transport
        self._closed = False

    async def wait_lost(self) -> None:
        """Return when the transport is lost (e.g. the meter emulator exits)."""
        # Shielded: cancelling one waiter must not cancel the transport's own future, which
        # would make every later waiter believe the radio had gone.
        await asyncio.shield(self._transport.source.terminated)

    async def close(self) -> None:
        """Disconnect every link, power the Device off, close the transport. Idempotent.

        Links are disconnected first because a controller that outlives this host (the meter
        emulator's virtual one) would otherwise keep them up, and a connected meter stops
        advertising, so the next run could not find it.
        """
        if self._closed:
            return
        self._closed = True
        try:
            if not self._transport.source.terminated.done():
                await self._wind_down()
            await self.device.power_off()
        finally:
            await self._transport.close()

    async def _wind_down(self) -> None:
        for connection in list(self.device.connections.values()):
            try:
                async with asyncio.timeout(CLOSE_STEP_TIMEOUT):
                    await connection.disconnect()
            except (TimeoutError, core.BaseBumbleError) as error:
                logger.warning("disconnecting %s on close: %s", connection.peer_address, error)
        if self.device.is_scanning:
            try:
                async with asyncio.timeout(CLOSE_STEP_TIMEOUT):
                    await self.device.stop_scanning()
            except (TimeoutError, core.BaseBumbleError) as error:
                logger.warning("stopping the scan on close: %s", error)

    async def __aenter__(self) -> BumbleHost:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


def _static_address(address: str) -> hci.Address:
    try:
        parsed = hci.Address(address, hci.Address.RANDOM_DEVICE_ADDRESS)
    except (ValueError, core.BaseBumbleError):
        parsed = None
    if parsed is None or not parsed.is_static:
        raise ConfigurationError(
            f"'{address}' is not a static random Bluetooth address (AA:BB:CC:DD:EE:FF with the "
            "first byte C0-FF)"
        )
    return parsed


def build_bumble_device(
    hci_source: TransportSource,
    hci_sink: TransportSink,
    *,
    name: str,
    address: str,
    keystore_path: Path,
    pairing: PairingAnswers,
    io_capability: IoCapability = DEFAULT_IO_CAPABILITY,
    allow_just_works: bool = False,
) -> Device:
    """Create (not power on) the IHD's Device on an HCI source and sink.

    :func:`open_bumble_host` uses it on a transport; tests use it on an in-process controller.

    Args:
        hci_source: Where HCI packets from the controller come from.
        hci_sink: Where HCI packets to the controller go.
        name: The Device (GAP) name.
        address: The static random address to use on the air.
        keystore_path: The JSON key store file holding bonds (created on first bond).
        pairing: Who answers pairing questions.
        io_capability: The I/O capability announced when pairing.
        allow_just_works: Accept pairing without MITM protection.

    Raises:
        ConfigurationError: If ``address`` is not a static random address.
    """
    own_address = _static_address(address)
    config = DeviceConfiguration(
        name=name,
        address=own_address,
        io_capability=int(io_capability),
        # Bumble's default IRK is all zeros; a fresh one per run is enough since the IHD uses
        # its static address, never a resolvable private one.
        irk=secrets.token_bytes(16),
    )
    # QuietHost: Bumble's Host, without formatting every packet for debug logs that are off.
    device = Device(config=config, host=QuietHost(hci_source, hci_sink))
    # Set before power_on() so Bumble does not create its own key store elsewhere.
    device.keystore = JsonKeyStore(namespace=str(own_address), filename=str(keystore_path))
    delegate = AnswersPairingDelegate(
        pairing, io_capability=io_capability, allow_just_works=allow_just_works
    )

    def pairing_config(_connection: object) -> PairingConfig:
        # Bumble's default identity is the controller's public address even though the Device
        # connects from its static random address; a peer would then file the bond under an
        # address it never sees again. Send the address actually used.
        return PairingConfig(
            sc=True,
            mitm=True,
            bonding=True,
            delegate=delegate,
            identity_address_type=PairingConfig.AddressType.RANDOM,
        )

    device.pairing_config_factory = pairing_config
    # A meter answering without LE Secure Connections is refused before any key is made.
    device.smp_session_proxy = SecureConnectionsOnlySession
    return device


async def _open_transport(moniker: str) -> Transport:
    try:
        return await open_transport(moniker)
    except ConnectionRefusedError:
        if moniker.startswith("tcp-client:"):
            port = moniker.rsplit(":", 1)[-1]
            message = f"no virtual radio on port {port} yet: start the meter emulator first"
        else:
            message = f"nothing accepts connections at {moniker}"
        raise RadioUnavailableError(message) from None
    except Exception as error:
        # Transports raise what their libraries raise (OSError, libusb's errors, ValueError...).
        raise RadioUnavailableError(describe_transport_failure(moniker, error)) from None


async def open_bumble_host(
    transport: str,
    *,
    name: str,
    address: str,
    keystore_path: Path,
    pairing: PairingAnswers,
    io_capability: IoCapability = DEFAULT_IO_CAPABILITY,
    btsnoop: Path | None = None,
    allow_just_works: bool = False,
) -> BumbleHost:
    """Open a Bumble transport and power on the IHD's Device on it.

    Args:
        transport: A Bumble transport moniker, e.g. ``tcp-client:127.0.0.1:9301``.
        name: The Device (GAP) name.
        address: The static random address to use on the air.
        keystore_path: The JSON key store file holding bonds, kept across runs.
        pairing: Who answers pairing questions.
        io_capability: The I/O capability announced when pairing.
        btsnoop: Record every HCI packet to this btsnoop file (``bumble-show`` reads it); a
            capture can also be started and stopped later through :attr:`BumbleHost.capture`.
        allow_just_works: Accept pairing without MITM protection.

    Raises:
        RadioUnavailableError: If the transport cannot be opened or the controller does not
            answer, with one sentence saying what to do.
        ConfigurationError: If ``address`` is not a static random address.
    """
    _static_address(address)  # refuse a bad address before touching the radio
    opened = await _open_transport(transport)
    capture = HciCapture()
    if btsnoop is not None:
        try:
            capture.start(btsnoop)
        except ConfigurationError:
            await opened.close()
            raise
    # Always behind the switchable snooper, so a capture can start while the host runs.
    snooping: Transport = SnoopingTransport(opened, capture, capture.stop)
    opened = snooping
    device = build_bumble_device(
        opened.source,
        opened.sink,
        name=name,
        address=address,
        keystore_path=keystore_path,
        pairing=pairing,
        io_capability=io_capability,
        allow_just_works=allow_just_works,
    )
    try:
        async with asyncio.timeout(POWER_ON_TIMEOUT):
            await device.power_on()
    except (TimeoutError, core.BaseBumbleError, OSError) as error:
        await opened.close()
        detail = "no answer" if isinstance(error, TimeoutError) else str(error)
        raise RadioUnavailableError(
            f"the radio at {transport} did not answer when powered on: {detail}"
        ) from None
    logger.info("Bumble host %s up on %s", device.random_address, transport)
    return BumbleHost(device, opened, transport, capture)
