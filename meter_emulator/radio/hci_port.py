"""One controller on the virtual air, served as an H4 byte stream on a loopback TCP port.

Why not ``bumble.transport.open_transport("tcp-server:...")`` as ``bumble/apps/controllers.py``
does: that transport feeds every client into one parser and never tells anyone a client left.
Here a host that exits (or crashes) must look to its peers like a radio going out of range, so
they see their links drop and advertise again, and the next host must get a controller in a
fresh state. So this module serves the same H4-over-TCP wire format itself, with one fresh
controller per client: by default one client at a time (a BlueZ guest's UART, a single display),
or up to ``hosts`` at once, each on its own controller with its own public address (several
displays of one home on the meter's air).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
from typing import Final

from bumble import hci, ll
from bumble.controller import Controller
from bumble.core import InvalidArgumentError, InvalidPacketError
from bumble.link import LocalLink
from bumble.transport.common import PacketParser

from meter_emulator.radio.air_controller import AirController
from meter_emulator.radio.errors import RadioError

_LOG = logging.getLogger(__name__)

#: Only the loopback interface: the HCI stream carries keys and is unauthenticated.
LOOPBACK: Final = "127.0.0.1"

# Reason a peer sees when the host on the port goes away: what a real radio reports when the
# other side stops answering (supervision timeout), so the peer behaves as it would in the field.
_LINK_LOST_REASON: Final = hci.HCI_CONNECTION_TIMEOUT_ERROR


def stop_controller_timers(controller: Controller) -> None:
    """Cancel a virtual controller's advertising, so nothing fires after it left the air."""
    # Advertising in a virtual controller is a loop.call_later chain.
    controller.le_legacy_advertiser.stop()
    for advertising_set in controller.advertising_sets.values():
        advertising_set.stop()


def remove_controller(link: LocalLink, controller: Controller) -> None:
    """Take ``controller`` off ``link`` for good: no host, no timers, not on the link."""
    controller.host = None
    stop_controller_timers(controller)
    if controller in link.controllers:
        link.remove_controller(controller)


class _TcpHciSink:
    """Controller-to-host packets, written to the client's TCP stream while it is open."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport

    def on_packet(self, packet: bytes) -> None:
        # The controller schedules packets with call_soon, so one may arrive after the client
        # left; dropping it is what a detached radio does.
        if not self._transport.is_closing():
            self._transport.write(packet)


class _HciClient(asyncio.Protocol):
    """One host attached over TCP, with the controller it drives."""

    def __init__(self, port: HciPort) -> None:
        self._port = port
        self._parser: PacketParser | None = None
        self.transport: asyncio.Transport | None = None
        self.controller: Controller | None = None
        self.peer = "?"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.peer = str(transport.get_extra_info("peername"))
        self._port._attach(self)

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
        self._port._detach(self)


def nth_address(address: str, index: int) -> str:
    """``address`` with ``index`` added to its last byte (wrapping): the public address of the
    controller in slot ``index`` of a port (slot 0 is ``address`` itself)."""
    head, last = address.rsplit(":", 1)
    return f"{head}:{(int(last, 16) + index) % 256:02X}"


class HciPort:
    """A TCP port on which each attached host drives a fresh controller of its own on ``link``.

    Args:
        link: The air the controllers are put on.
        port: TCP port on the loopback interface, 1-65535.
        address: The first controller's public address; the controller of the host in slot
            ``n`` has :func:`nth_address` ``(address, n)``. Distinct from every other
            controller's on the link.
        name: How the controller is named in logs (``ihd``, ``meter``).
        hosts: How many hosts may be attached at once (more are turned away). A host takes the
            lowest free slot, so a lone host always has ``address``, as with one slot.
    """

    def __init__(
        self, link: LocalLink, port: int, *, address: str, name: str, hosts: int = 1
    ) -> None:
        if not 0 < hosts < 256:
            raise RadioError(f"{hosts} hosts cannot share one port: choose 1-255")
        self._link = link
        self._port = port
        self._address = address
        self._name = name
        self._server: asyncio.Server | None = None
        # Slot -> the host attached in it.
        self._clients: dict[int, _HciClient] = {}
        self._hosts = hosts
        self._attached = asyncio.Event()
        self._free = asyncio.Event()
        self._free.set()

    @property
    def port(self) -> int:
        """The TCP port."""
        return self._port

    @property
    def transport_moniker(self) -> str:
        """The Bumble transport a host opens to attach here."""
        return f"tcp-client:{LOOPBACK}:{self._port}"

    @property
    def attached(self) -> bool:
        """Whether a host is attached now."""
        return any(client.controller is not None for client in self._clients.values())

    @property
    def attached_count(self) -> int:
        """How many hosts are attached now."""
        return sum(client.controller is not None for client in self._clients.values())

    async def wait_attached(self) -> None:
        """Return once a host is attached (at once if one already is)."""
        await self._attached.wait()

    async def wait_free(self) -> None:
        """Return once no host is attached (at once if none is)."""
        await self._free.wait()

    async def start(self) -> None:
        """Start serving.

        Raises:
            RadioError: The port is in use or cannot be bound.
        """
        if self._server is not None:
            return
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
        _LOG.info("virtual air: %s controller served on %s", self._name, self.transport_moniker)

    async def close(self) -> None:
        """Detach every host (their peers see the links lost) and stop serving; idempotent."""
        for client in list(self._clients.values()):
            self._detach(client)
            if client.transport is not None:
                client.transport.abort()
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

    def _attach(self, client: _HciClient) -> None:
        slot = next((n for n in range(self._hosts) if n not in self._clients), None)
        if slot is None or self._server is None:
            # Each host needs a controller of its own: two on one would corrupt each other's
            # HCI streams.
            _LOG.warning(
                "virtual air: refused %s: %s attached to port %s already",
                client.peer,
                "a host is" if self._hosts == 1 else f"{self._hosts} hosts are",
                self._port,
            )
            if client.transport is not None:
                client.transport.close()
            return
        assert client.transport is not None
        name = self._name if slot == 0 else f"{self._name}-{slot + 1}"
        controller = AirController(
            name,
            host_sink=_TcpHciSink(client.transport),
            link=self._link,
            public_address=nth_address(self._address, slot),
        )
        client.start(controller)
        self._clients[slot] = client
        self._attached.set()
        self._free.clear()
        _LOG.info("virtual air: %s host attached from %s", name, client.peer)

    def _detach(self, client: _HciClient) -> None:
        slot = next((n for n, known in self._clients.items() if known is client), None)
        if slot is None:
            return
        del self._clients[slot]
        if not self._clients:
            self._attached.clear()
            self._free.set()
        controller = client.controller
        client.controller = None
        if controller is None:
            return
        controller.host = None
        # The host's radio is gone: tell each peer its link was lost, as the air would.
        for connection in list(controller.le_connections.values()):
            # The peer's controller may have left the air already: nothing to tell then.
            with contextlib.suppress(InvalidArgumentError):
                connection.send_ll_control_pdu(ll.TerminateInd(_LINK_LOST_REASON))
            controller.on_le_disconnected(connection, _LINK_LOST_REASON)
        remove_controller(self._link, controller)
        _LOG.info("virtual air: %s host detached (%s)", self._name, client.peer)
