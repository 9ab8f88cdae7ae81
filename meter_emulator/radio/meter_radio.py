"""Opening the meter's radio for a ``--radio`` spec, and the HCI a Bumble ``Device`` is built on.

The meter is always a Bumble host (DESIGN.md §4): on the virtual air it drives an in-process
virtual controller; with ``bumble:<moniker>`` it drives a physical controller (a USB dongle, an
HCI socket, a serial board) through that Bumble transport. ``system`` is refused: the operating
system's Bluetooth service, seen through bleak, cannot be a GATT server with our pairing rules.

``--btsnoop FILE`` records every HCI packet between the meter's host and its controller in the
btsnoop format (RFC 1761 framing, H4 datalink), which ``bumble-show`` and Wireshark read.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import BinaryIO

from bumble import hci
from bumble.device import Device, DeviceConfiguration
from bumble.snoop import BtSnooper, Snooper
from bumble.transport import open_transport
from bumble.transport.common import Transport, TransportSink, TransportSource

from ihd_app.protocol.bumble_hci import QuietHost
from ihd_app.protocol.radio_spec import RadioKind, RadioSpec, describe_transport_failure
from meter_emulator.radio.errors import RadioError
from meter_emulator.radio.virtual_air import METER_CONTROLLER_ADDRESS, VirtualAir

_LOG = logging.getLogger(__name__)

#: Advertising interval, milliseconds: the fast connectable interval Apple's and Google's
#: accessory guidelines recommend, so an IHD finds the meter within a scan window or two.
ADVERTISING_INTERVAL_MS = 100.0


class _FlushingBtSnooper(BtSnooper):
    # Flush each record so the capture is readable while the meter runs and after a crash.
    def snoop(self, hci_packet: bytes, direction: Snooper.Direction) -> None:
        super().snoop(hci_packet, direction)
        self.output.flush()


def static_address_for(identity: str) -> hci.Address:
    """Return a random static address derived from ``identity``, stable across restarts.

    A physical controller's own public address is not under our control, so the meter
    advertises with a random static address; deriving it from the meter's name keeps it the
    same from run to run, which a bonded IHD needs to recognise the meter.

    Args:
        identity: Anything that identifies the meter, e.g. its advertised name.

    Returns:
        An address whose two most significant bits are 1 (Core spec Vol 6 Part B 1.3.2.1).
    """
    raw = bytearray(hashlib.sha256(identity.encode("utf-8")).digest()[:6])
    raw[5] |= 0xC0  # bytes are little-endian: byte 5 holds the two type bits
    return hci.Address(bytes(raw), hci.Address.RANDOM_DEVICE_ADDRESS)


class MeterRadio:
    """An open radio: the HCI the meter's Bumble host runs on, and what must be closed after.

    Obtain one from :func:`open_meter_radio`; build the meter's ``Device`` with
    :meth:`create_device`, and :meth:`close` the radio after closing the device.

    Args:
        spec: The ``--radio`` spec this radio was opened for.
        hci_source: Packets from the controller to the host.
        hci_sink: Packets from the host to the controller.
        air: The virtual air, for ``virtual`` radios.
        transport: The Bumble transport, for ``bumble`` radios.
        snoop_output: The open btsnoop capture file, if any.
    """

    def __init__(
        self,
        spec: RadioSpec,
        hci_source: TransportSource,
        hci_sink: TransportSink,
        *,
        air: VirtualAir | None = None,
        transport: Transport | None = None,
        snoop_output: BinaryIO | None = None,
    ) -> None:
        self._spec = spec
        self._hci_source = hci_source
        self._hci_sink = hci_sink
        self._air = air
        self._transport = transport
        self._snoop_output = snoop_output
        self._snooper = None if snoop_output is None else _FlushingBtSnooper(snoop_output)
        self._device: Device | None = None
        self._closed = False

    @property
    def spec(self) -> RadioSpec:
        """The ``--radio`` spec this radio was opened for."""
        return self._spec

    @property
    def virtual_air(self) -> VirtualAir | None:
        """The virtual air for a ``virtual`` radio, else ``None``."""
        return self._air

    @property
    def hci_source(self) -> TransportSource:
        """Packets from the controller to the host."""
        return self._hci_source

    @property
    def hci_sink(self) -> TransportSink:
        """Packets from the host to the controller."""
        return self._hci_sink

    @property
    def device(self) -> Device | None:
        """The device built by :meth:`create_device`, if any."""
        return self._device

    def default_address(self, name: str) -> hci.Address:
        """Return the address the meter advertises with on this radio.

        Args:
            name: The meter's advertised name (used for physical controllers).

        Returns:
            On the virtual air, the meter controller's fixed address (as a random static
            address); on a physical controller, :func:`static_address_for` of ``name``.
        """
        if self._air is not None:
            return hci.Address(METER_CONTROLLER_ADDRESS, hci.Address.RANDOM_DEVICE_ADDRESS)
        return static_address_for(name)

    def create_device(self, name: str, *, address: hci.Address | None = None) -> Device:
        """Build the meter's Bumble ``Device`` on this radio's HCI (not powered on yet).

        The device's GAP name is fixed when it is built, so the name is given here. One radio
        carries one host: a second call is refused.

        Args:
            name: GAP device name (also the advertised complete local name).
            address: The LE address to advertise with; :meth:`default_address` if ``None``.

        Returns:
            The device, its host snooped into the btsnoop file if one was asked for.

        Raises:
            RadioError: A device was already built on this radio, or the radio is closed.
        """
        if self._closed:
            raise RadioError("the meter's radio is closed")
        if self._device is not None:
            raise RadioError("the meter's radio already carries a device")
        config = DeviceConfiguration(
            name=name,
            address=address or self.default_address(name),
            advertising_interval_min=ADVERTISING_INTERVAL_MS,
            advertising_interval_max=ADVERTISING_INTERVAL_MS,
        )
        host = QuietHost(controller_source=self._hci_source, controller_sink=self._hci_sink)
        host.snooper = self._snooper
        self._device = Device(config=config, host=host)
        return self._device

    async def close(self) -> None:
        """Close the transport or the virtual air, and the capture file; idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._air is not None:
                await self._air.close()
            if self._transport is not None:
                await self._transport.close()
        finally:
            if self._snoop_output is not None:
                self._snoop_output.close()


async def open_meter_radio(spec: RadioSpec, *, btsnoop: Path | None = None) -> MeterRadio:
    """Open the radio ``spec`` names for the meter.

    Args:
        spec: A parsed ``--radio`` value.
        btsnoop: Write a btsnoop capture of the meter's HCI here, if given.

    Returns:
        The open radio.

    Raises:
        RadioError: ``system`` was asked for, the virtual air's port is busy, the Bumble
            transport cannot be opened, or the capture file cannot be created.
    """
    if spec.kind is RadioKind.SYSTEM:
        raise RadioError(
            "the meter emulator cannot use the system radio: it needs a Bumble radio, "
            "virtual[:PORT] or bumble:<transport> (e.g. bumble:usb:0)"
        )
    snoop_output: BinaryIO | None = None
    if btsnoop is not None:
        try:
            snoop_output = btsnoop.open("wb")
        except OSError as error:
            raise RadioError(
                f"cannot write the btsnoop capture {btsnoop}: {error.strerror}"
            ) from error
    try:
        if spec.kind is RadioKind.VIRTUAL:
            air = VirtualAir(spec.port)
            await air.start()
            return MeterRadio(
                spec, air.hci_source, air.hci_sink, air=air, snoop_output=snoop_output
            )
        try:
            transport = await open_transport(spec.moniker)
        except Exception as error:
            # Transports raise what their libraries raise (OSError, usb errors, ValueError...);
            # the caller needs one error with the moniker in it.
            raise RadioError(describe_transport_failure(spec.moniker, error)) from error
        return MeterRadio(
            spec,
            transport.source,
            transport.sink,
            transport=transport,
            snoop_output=snoop_output,
        )
    except BaseException:
        if snoop_output is not None:
            snoop_output.close()
        raise
