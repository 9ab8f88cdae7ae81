"""The virtual air: the meter's Bumble controller on an in-process link, and one controller per
display served over TCP.

``--radio virtual[:PORT]`` (DESIGN.md §4) needs no Bluetooth hardware: the meter emulator owns a
Bumble :class:`~bumble.link.LocalLink` with virtual controllers on it. The meter's own host
talks to the first controller in process; each IHD's Bumble host attaches with
``tcp-client:127.0.0.1:PORT`` and drives a controller of its own, whose HCI is served as an H4
byte stream on ``tcp-server:127.0.0.1:PORT`` (:class:`~meter_emulator.radio.hci_port.HciPort`):
several displays of one home are on the air at once (up to :data:`MAX_DISPLAYS`), as a real
meter serves every display on its device log. Everything above HCI is
the real stack on both sides: advertising, connection, ATT/GATT, SMP pairing with LE Secure
Connections and encryption.
"""

from __future__ import annotations

import asyncio
from typing import Final, NamedTuple

from bumble.controller import Controller
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from ihd_app.protocol.radio_spec import DEFAULT_VIRTUAL_PORT
from meter_emulator.radio.air_controller import AirController, AirLink
from meter_emulator.radio.errors import RadioError
from meter_emulator.radio.hci_port import LOOPBACK, HciPort, remove_controller

#: Public address of the meter's controller. The two top bits are set, so the same six bytes are
#: also a valid random static address, which is what the meter's host advertises with.
METER_CONTROLLER_ADDRESS: Final = "F0:F1:F2:F3:F4:F5"
#: Public address of the controller served to the first IHD attached over TCP (the next ones
#: count up from it: E6, E7, ...).
IHD_CONTROLLER_ADDRESS: Final = "E0:E1:E2:E3:E4:E5"
#: How many display hosts may be attached to the air at once.
MAX_DISPLAYS: Final = 8

__all__ = [
    "IHD_CONTROLLER_ADDRESS",
    "LOOPBACK",
    "MAX_DISPLAYS",
    "METER_CONTROLLER_ADDRESS",
    "AirController",
    "AirLink",
    "HciPair",
    "VirtualAir",
]


class HciPair(NamedTuple):
    """The two ends a Bumble ``Host`` is built on: ``Host(source, sink)``."""

    source: Controller
    sink: AsyncPipeSink


class VirtualAir:
    """A LocalLink with the meter's controller and a TCP-served controller for each IHD.

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
        self._ihd_port = (
            None
            if port is None
            else HciPort(
                self._link, port, address=IHD_CONTROLLER_ADDRESS, name="ihd", hosts=MAX_DISPLAYS
            )
        )
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
        if self._ihd_port is None:
            raise RadioError("this virtual air is in-process only: it serves no TCP port")
        return self._ihd_port.transport_moniker

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
        return self._ihd_port is not None and self._ihd_port.attached

    @property
    def ihds_attached(self) -> int:
        """How many IHD hosts are attached to the TCP port now."""
        return 0 if self._ihd_port is None else self._ihd_port.attached_count

    async def wait_for_ihd(self) -> None:
        """Return once an IHD host is attached over TCP (at once if one already is; never on
        an in-process air)."""
        if self._ihd_port is None:
            await asyncio.Event().wait()
            return
        await self._ihd_port.wait_attached()

    async def wait_for_no_ihd(self) -> None:
        """Return once no IHD host is attached over TCP (at once if none is)."""
        if self._ihd_port is not None:
            await self._ihd_port.wait_free()

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
        if self._ihd_port is not None:
            await self._ihd_port.start()
        self._meter_controller = AirController(
            "meter", link=self._link, public_address=METER_CONTROLLER_ADDRESS
        )
        self._started = True

    async def close(self) -> None:
        """Detach every IHD, stop serving and take every controller off the air.

        Close the Bumble ``Device`` objects built on the air first. Closing twice is harmless.
        """
        if self._ihd_port is not None:
            await self._ihd_port.close()
        controllers = self._local_controllers
        self._local_controllers = []
        if self._meter_controller is not None:
            controllers.append(self._meter_controller)
            self._meter_controller = None
        for controller in controllers:
            remove_controller(self._link, controller)
        self._started = False
