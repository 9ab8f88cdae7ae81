"""One controller on the virtual air, served as an H4 byte stream on a loopback TCP port.

Why not ``bumble.transport.open_transport("tcp-server:...")`` as ``bumble/apps/controllers.py``
does: that transport feeds every client into one parser and never tells anyone a client left.
Here a host that exits (or crashes) must look to its peers like a radio going out of range, so
they see their links drop and advertise again, and the next host must get a controller in a
fresh state. So this module serves the same H4-over-TCP wire format itself, with one fresh
controller per client, and at most one client at a time.
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


class HciPort:
    """A TCP port on which one host at a time drives a fresh controller on ``link``.

    Args:
        link: The air the controllers are put on.
        port: TCP port on the loopback interface, 1-65535.
        address: The controllers' public address; distinct from every other controller's.
        name: How the controller is named in logs (``ihd``, ``meter``).
    """

    def __init__(self, link: LocalLink, port: int, *, address: str, name: str) -> None:
        self._link = link
        self._port = port
        self._address = address
        self._name = name
        self._server: asyncio.Server | None = None
        self._client: _HciClient | None = None
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
        return self._client is not None and self._client.controller is not None

    async def wait_attached(self) -> None:
        """Return once a host is attached (at once if one already is)."""
        await self._attached.wait()

    async def wait_free(self) -> None:
        """Return once no host is attached, so the next one can attach (at once if none is)."""
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
        """Detach the host (its peers see the link lost) and stop serving; idempotent."""
        client = self._client
        if client is not None:
            self._detach(client)
            if client.transport is not None:
                client.transport.abort()
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

    def _attach(self, client: _HciClient) -> None:
        if self._client is not None or self._server is None:
            # Two hosts on one controller would corrupt each other's HCI streams.
            _LOG.warning(
                "virtual air: refused %s: a host is already attached to port %s",
                client.peer,
                self._port,
            )
            if client.transport is not None:
                client.transport.close()
            return
        assert client.transport is not None
        controller = AirController(
            self._name,
            host_sink=_TcpHciSink(client.transport),
            link=self._link,
            public_address=self._address,
        )
        client.start(controller)
        self._client = client
        self._attached.set()
        self._free.clear()
        _LOG.info("virtual air: %s host attached from %s", self._name, client.peer)

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
        # The host's radio is gone: tell each peer its link was lost, as the air would.
        for connection in list(controller.le_connections.values()):
            # The peer's controller may have left the air already: nothing to tell then.
            with contextlib.suppress(InvalidArgumentError):
                connection.send_ll_control_pdu(ll.TerminateInd(_LINK_LOST_REASON))
            controller.on_le_disconnected(connection, _LINK_LOST_REASON)
        remove_controller(self._link, controller)
        _LOG.info("virtual air: %s host detached (%s)", self._name, client.peer)
