"""The virtual air: two Bumble controllers on one in-process link, one of them served over TCP.

``--radio virtual[:PORT]`` (DESIGN.md §4) needs no Bluetooth hardware: the meter emulator owns a
Bumble :class:`~bumble.link.LocalLink` with two virtual controllers on it. The meter's own host
talks to the first controller in process; the second controller's HCI is served as an H4 byte
stream on ``tcp-server:127.0.0.1:PORT``, and the IHD's Bumble host attaches to it with
``tcp-client:127.0.0.1:PORT``. Everything above HCI is the real stack on both sides: advertising,
connection, ATT/GATT, SMP pairing with LE Secure Connections and encryption.

Why not ``bumble.transport.open_transport("tcp-server:...")`` as ``bumble/apps/controllers.py``
does: that transport feeds every client into one parser and never tells anyone a client left.
Here an IHD that exits (or crashes) must look to the meter like a radio going out of range, so
the meter sees its link drop and advertises again, and the next IHD must get a controller in a
fresh state. So this module serves the same H4-over-TCP wire format itself, with one fresh
controller per client, and at most one client at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno
import logging
from typing import Final, NamedTuple

from bumble import hci, ll
from bumble.controller import Controller
from bumble.core import InvalidArgumentError, InvalidPacketError, PhysicalTransport
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink, PacketParser

from ihd_app.protocol.bumble_hci import QuietController
from ihd_app.protocol.radio_spec import DEFAULT_VIRTUAL_PORT
from meter_emulator.radio.errors import RadioError

_LOG = logging.getLogger(__name__)

#: Public address of the meter's controller. The two top bits are set, so the same six bytes are
#: also a valid random static address, which is what the meter's host advertises with.
METER_CONTROLLER_ADDRESS: Final = "F0:F1:F2:F3:F4:F5"
#: Public address of the controller served to the IHD over TCP.
IHD_CONTROLLER_ADDRESS: Final = "E0:E1:E2:E3:E4:E5"
#: Only the loopback interface: the HCI stream carries keys and is unauthenticated.
LOOPBACK: Final = "127.0.0.1"

# Reason the meter sees when the IHD's process goes away: what a real radio reports when the
# peer stops answering (supervision timeout), so the meter behaves as it would in the field.
_LINK_LOST_REASON: Final = hci.HCI_CONNECTION_TIMEOUT_ERROR


#: LE event mask bit 9: the host wants LE Enhanced Connection Complete instead of the legacy
#: event (Core 5.x Vol 4 Part E 7.8.1). Linux sets it and waits for that event alone.
_LE_ENHANCED_CONNECTION_COMPLETE = 1 << 9


class AirLink(LocalLink):
    """Bumble's in-process link, carrying LE data by connection.

    Bumble 0.0.236's :class:`~bumble.link.LocalLink` stamps every LE data PDU with the sending
    controller's *current random address*, and the receiver looks the connection up by that
    address. A host that connects with its public address while a random address is set (Linux
    keeps the non-resolvable one left from active scanning) then has every packet dropped by the
    peer ("no connection for ..."). On the air a data PDU belongs to the connection it is sent on,
    so the source here is the address that connection was made with.
    """

    def send_acl_data(
        self,
        sender_controller: Controller,
        destination_address: hci.Address,
        transport: PhysicalTransport,
        data: bytes,
    ) -> None:
        """Deliver ``data`` to the peer of ``sender_controller``'s connection to
        ``destination_address``, from the address that connection was made with."""
        connection = sender_controller.le_connections.get(destination_address)
        if transport != PhysicalTransport.LE or connection is None:
            super().send_acl_data(sender_controller, destination_address, transport, data)
            return
        destination = self.find_le_controller(destination_address)
        if destination is None:
            return  # the peer left the air: the packet is lost, as on a real radio
        source = connection.self_address
        asyncio.get_running_loop().call_soon(destination.on_link_acl_data, source, transport, data)


class AirController(QuietController):
    """A Bumble virtual controller whose advertisements carry their scan response too, which
    follows the host's LE event mask for connection events and refuses to cancel a connection
    attempt that is not pending (and which formats HCI packets only for enabled debug logs: see
    :mod:`ihd_app.protocol.bumble_hci`).

    Bumble's virtual controllers never send a real scan response: a scanner receives the
    advertising data twice, once as the advertisement and once as the scan response. A meter
    keeps its 128-bit service UUID in the advertisement and its complete name in the scan
    response (both together exceed the 31 bytes of a legacy advertisement), so on the virtual air
    the name would never be seen. This controller appends the scan response data to what it puts
    on the air, which is what every real central reports after merging the two.
    """

    def send_advertising_pdu(self, packet: ll.AdvertisingPdu) -> None:
        """Put an advertising PDU on the link, with the scan response data merged in."""
        if isinstance(packet, ll.AdvExtInd):
            for advertising_set in self.advertising_sets.values():
                if advertising_set.enabled and advertising_set.address == packet.advertiser_address:
                    extra = bytes(advertising_set.scan_response_data)
                    packet = dataclasses.replace(packet, data=packet.data + extra)
                    break
        elif isinstance(packet, ll.AdvInd):
            extra = self.le_legacy_advertiser.scan_response_data
            packet = dataclasses.replace(packet, data=packet.data + extra)
        super().send_advertising_pdu(packet)

    def send_hci_packet(self, packet: hci.HCI_Packet) -> None:
        """Send ``packet`` to the host, as the enhanced connection event if the host asked.

        Bumble 0.0.236 always sends the legacy LE Connection Complete event. Linux, having
        unmasked the enhanced one, waits for it, gives up after 4 s and cancels a connection
        that is in fact up (see :meth:`on_hci_le_create_connection_cancel_command`).
        """
        if isinstance(packet, hci.HCI_LE_Connection_Complete_Event) and (
            self.le_event_mask & _LE_ENHANCED_CONNECTION_COMPLETE
        ):
            packet = hci.HCI_LE_Enhanced_Connection_Complete_Event(
                status=packet.status,
                connection_handle=packet.connection_handle,
                role=packet.role,
                peer_address_type=packet.peer_address_type,
                peer_address=packet.peer_address,
                # No privacy on the virtual air: no resolvable private addresses in use.
                local_resolvable_private_address=hci.Address.ANY,
                peer_resolvable_private_address=hci.Address.ANY,
                connection_interval=packet.connection_interval,
                peripheral_latency=packet.peripheral_latency,
                supervision_timeout=packet.supervision_timeout,
                central_clock_accuracy=packet.central_clock_accuracy,
            )
        super().send_hci_packet(packet)

    def on_hci_le_create_connection_cancel_command(
        self, command: hci.HCI_LE_Create_Connection_Cancel_Command
    ) -> hci.HCI_StatusReturnParameters:
        """Cancel a pending LE Create Connection (Core Vol 4 Part E 7.8.13).

        Bumble 0.0.236 answers success even when no attempt is pending, so a host that cancels
        just after its connection came up believes the link is gone while the peer keeps it.
        """
        pending = self.pending_le_connection
        if pending is None:
            return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR)
        self.pending_le_connection = None
        # After the Command Complete this handler's return value becomes.
        asyncio.get_running_loop().call_soon(
            self.send_hci_packet,
            hci.HCI_LE_Connection_Complete_Event(
                status=hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR,
                connection_handle=0,
                role=hci.Role.CENTRAL,
                peer_address_type=pending.peer_address_type,
                peer_address=pending.peer_address,
                connection_interval=0,
                peripheral_latency=0,
                supervision_timeout=0,
                central_clock_accuracy=0,
            ),
        )
        return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)


class HciPair(NamedTuple):
    """The two ends a Bumble ``Host`` is built on: ``Host(source, sink)``."""

    source: Controller
    sink: AsyncPipeSink


def _stop_controller_timers(controller: Controller) -> None:
    # Advertising in a virtual controller is a loop.call_later chain; cancel it so nothing
    # fires after the air is gone.
    controller.le_legacy_advertiser.stop()
    for advertising_set in controller.advertising_sets.values():
        advertising_set.stop()


class _TcpHciSink:
    """Controller-to-host packets, written to the IHD's TCP stream while it is open."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport

    def on_packet(self, packet: bytes) -> None:
        # The controller schedules packets with call_soon, so one may arrive after the client
        # left; dropping it is what a detached radio does.
        if not self._transport.is_closing():
            self._transport.write(packet)


class _HciClient(asyncio.Protocol):
    """One IHD host attached over TCP, with the controller it drives."""

    def __init__(self, air: VirtualAir) -> None:
        self._air = air
        self._parser: PacketParser | None = None
        self.transport: asyncio.Transport | None = None
        self.controller: Controller | None = None
        self.peer = "?"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.peer = str(transport.get_extra_info("peername"))
        self._air._attach(self)

    def start(self, controller: Controller) -> None:
        """Drive ``controller`` from this client's byte stream."""
        self.controller = controller
        self._parser = PacketParser(controller)

    def data_received(self, data: bytes) -> None:
        if self._parser is None:
            return
        try:
            self._parser.feed_data(data)
        except InvalidPacketError as error:
            # A stream that is not H4 cannot be resynchronised: drop the client.
            _LOG.warning("virtual air: %s sent a malformed HCI stream (%s)", self.peer, error)
            if self.transport is not None:
                self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self._air._detach(self)


class VirtualAir:
    """A LocalLink with the meter's controller and a TCP-served controller for the IHD.

    Args:
        port: TCP port to serve the IHD's HCI on, 1-65535 (DESIGN.md §4: 9301 by default), or
            ``None`` for an air with no TCP side at all, whose other hosts run in the same
            process (:meth:`add_local_controller`); tests and benchmarks use that.

    Raises:
        RadioError: ``port`` is out of range (0 would let the OS pick a port nobody knows).
    """

    def __init__(self, port: int | None = DEFAULT_VIRTUAL_PORT) -> None:
        if port is not None and not 0 < port < 65536:
            raise RadioError(
                f"port {port} cannot be used for the virtual radio: choose one in 1-65535"
            )
        self._port = port
        self._link = AirLink()  # type: ignore[no-untyped-call]
        self._meter_controller: Controller | None = None
        self._local_controllers: list[Controller] = []
        self._server: asyncio.Server | None = None
        self._client: _HciClient | None = None
        self._attached = asyncio.Event()
        self._free = asyncio.Event()
        self._free.set()
        self._started = False

    @property
    def port(self) -> int | None:
        """The TCP port the IHD's controller is served on (``None``: in-process only)."""
        return self._port

    @property
    def ihd_transport(self) -> str:
        """The Bumble transport moniker an IHD host opens to use this air.

        Raises:
            RadioError: The air has no TCP side.
        """
        if self._port is None:
            raise RadioError("this virtual air is in-process only: it serves no TCP port")
        return f"tcp-client:{LOOPBACK}:{self._port}"

    @property
    def link(self) -> LocalLink:
        """The in-process link the controllers are on."""
        return self._link

    @property
    def meter_controller(self) -> Controller:
        """The meter's controller.

        Raises:
            RadioError: The air has not been started.
        """
        if self._meter_controller is None:
            raise RadioError("the virtual air has not been started")
        return self._meter_controller

    @property
    def hci_source(self) -> Controller:
        """HCI source for the meter's host: the controller itself delivers packets to it."""
        return self.meter_controller

    @property
    def hci_sink(self) -> AsyncPipeSink:
        """HCI sink for the meter's host.

        Each access makes a new sink. Bumble's own two-device tests wire hosts this way: the
        hop through the event loop keeps host and controller from re-entering each other.
        """
        return AsyncPipeSink(self.meter_controller)

    @property
    def meter_hci(self) -> HciPair:
        """The meter's host side as one pair: ``Host(*air.meter_hci)``."""
        return HciPair(self.meter_controller, self.hci_sink)

    @property
    def ihd_attached(self) -> bool:
        """Whether an IHD host is attached to the TCP port now."""
        return self._client is not None and self._client.controller is not None

    async def wait_for_ihd(self) -> None:
        """Return once an IHD host is attached over TCP (at once if one already is)."""
        await self._attached.wait()

    async def wait_for_no_ihd(self) -> None:
        """Return once no IHD host is attached over TCP, so the next one can attach (at once
        if none is)."""
        await self._free.wait()

    def add_local_controller(
        self, name: str = "local", address: str = IHD_CONTROLLER_ADDRESS
    ) -> HciPair:
        """Put one more controller on the air, for a host in this process.

        Args:
            name: The controller's name in Bumble's logs.
            address: Its public address; distinct from every other controller's.

        Returns:
            The source and sink to build a Bumble ``Host`` on.

        Raises:
            RadioError: The air has not been started.
        """
        if not self._started:
            raise RadioError("the virtual air has not been started")
        controller = AirController(name, link=self._link, public_address=address)
        self._local_controllers.append(controller)
        return HciPair(controller, AsyncPipeSink(controller))

    async def start(self) -> None:
        """Create the meter's controller and, with a port, start serving the IHD's.

        Raises:
            RadioError: The port is in use or cannot be bound.
        """
        if self._started:
            return
        if self._port is not None:
            try:
                self._server = await asyncio.get_running_loop().create_server(
                    lambda: _HciClient(self), host=LOOPBACK, port=self._port
                )
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    raise RadioError(
                        f"port {self._port} is in use: another meter emulator is running?"
                    ) from error
                raise RadioError(
                    f"cannot serve the virtual radio on {LOOPBACK}:{self._port}: {error.strerror}"
                ) from error
            _LOG.info("virtual air: IHD controller served on %s", self.ihd_transport)
        self._meter_controller = AirController(
            "meter", link=self._link, public_address=METER_CONTROLLER_ADDRESS
        )
        self._started = True

    async def close(self) -> None:
        """Detach any IHD, stop serving and take every controller off the air.

        Close the Bumble ``Device`` objects built on the air first. Closing twice is harmless.
        """
        client = self._client
        if client is not None:
            self._detach(client)
            if client.transport is not None:
                client.transport.abort()
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()
        controllers = self._local_controllers
        self._local_controllers = []
        if self._meter_controller is not None:
            controllers.append(self._meter_controller)
            self._meter_controller = None
        for controller in controllers:
            self._remove(controller)
        self._started = False

    def _remove(self, controller: Controller) -> None:
        controller.host = None
        _stop_controller_timers(controller)
        if controller in self._link.controllers:
            self._link.remove_controller(controller)

    def _attach(self, client: _HciClient) -> None:
        if self._client is not None or self._server is None:
            # Two hosts on one controller would corrupt each other's HCI streams.
            _LOG.warning(
                "virtual air: refused %s: an IHD is already attached to port %s",
                client.peer,
                self._port,
            )
            if client.transport is not None:
                client.transport.close()
            return
        assert client.transport is not None
        controller = AirController(
            "ihd",
            host_sink=_TcpHciSink(client.transport),
            link=self._link,
            public_address=IHD_CONTROLLER_ADDRESS,
        )
        client.start(controller)
        self._client = client
        self._attached.set()
        self._free.clear()
        _LOG.info("virtual air: IHD host attached from %s", client.peer)

    def _detach(self, client: _HciClient) -> None:
        if self._client is not client:
            return
        self._client = None
        self._attached.clear()
        self._free.set()
        controller = client.controller
        client.controller = None
        if controller is None:
            return
        controller.host = None
        # The IHD's radio is gone: tell each peer its link was lost, as the air would.
        for connection in list(controller.le_connections.values()):
            # The peer's controller may have left the air already: nothing to tell then.
            with contextlib.suppress(InvalidArgumentError):
                connection.send_ll_control_pdu(ll.TerminateInd(_LINK_LOST_REASON))
            controller.on_le_disconnected(connection, _LINK_LOST_REASON)
        self._remove(controller)
        _LOG.info("virtual air: IHD host detached (%s)", client.peer)
