"""Bumble's HCI host and controller without the cost of debug logs that are switched off.

Bumble logs every HCI packet at DEBUG level with an f-string (``logger.debug(f"...{packet}")``
in ``bumble.host`` and ``bumble.controller``), so the packet is formatted into a coloured,
multi-line string whether or not anyone listens: a quarter of the display's message latency
over the virtual radio went into strings nobody saw. Raising the loggers' level cannot help,
since the f-string is built before ``logger.debug`` is called.

:class:`QuietHost` and :class:`QuietController` dispatch packets exactly as Bumble does, and
only skip the formatting when their Bumble logger is not enabled for DEBUG (neither program
enables it: ``--verbose`` logs at INFO); after
``logging.getLogger("bumble").setLevel(logging.DEBUG)`` they hand every packet to Bumble's own
methods, logs included. Both programs use them: the meter's host and the virtual air's
controllers (meter emulator), the display's host (IHD).
"""

from __future__ import annotations

import asyncio
import logging

from bumble import hci
from bumble.controller import Controller
from bumble.host import Host
from bumble.snoop import Snooper

_HOST_LOG = logging.getLogger("bumble.host")
_CONTROLLER_LOG = logging.getLogger("bumble.controller")


class QuietHost(Host):
    """A Bumble :class:`~bumble.host.Host` that formats packets only for enabled debug logs."""

    def send_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if _HOST_LOG.isEnabledFor(logging.DEBUG):
            super().send_hci_packet(packet)
            return
        data = bytes(packet)
        if self.snooper:
            self.snooper.snoop(data, Snooper.Direction.HOST_TO_CONTROLLER)
        if self.hci_sink:
            self.hci_sink.on_packet(data)

    def on_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if _HOST_LOG.isEnabledFor(logging.DEBUG):
            super().on_hci_packet(packet)
            return
        if self.snooper:
            self.snooper.snoop(bytes(packet), Snooper.Direction.CONTROLLER_TO_HOST)
        match packet:
            case hci.HCI_Command():
                self.on_hci_command_packet(packet)
            case hci.HCI_Event():
                self.on_hci_event_packet(packet)
            case hci.HCI_AclDataPacket():
                self.on_hci_acl_data_packet(packet)
            case hci.HCI_SynchronousDataPacket():
                self.on_hci_sco_data_packet(packet)
            case hci.HCI_IsoDataPacket():
                self.on_hci_iso_data_packet(packet)
            case _:
                super().on_hci_packet(packet)  # Bumble warns about the unknown type


class QuietController(Controller):
    """A Bumble virtual :class:`~bumble.controller.Controller` that formats packets only for
    enabled debug logs."""

    def on_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if _CONTROLLER_LOG.isEnabledFor(logging.DEBUG):
            super().on_hci_packet(packet)
            return
        match packet:
            case hci.HCI_Command():
                self.on_hci_command_packet(packet)
            case hci.HCI_AclDataPacket():
                self.on_hci_acl_data_packet(packet)
            case hci.HCI_Event():
                self.on_hci_event_packet(packet)
            case _:
                super().on_hci_packet(packet)  # Bumble warns about the unknown type

    def send_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if _CONTROLLER_LOG.isEnabledFor(logging.DEBUG):
            super().send_hci_packet(packet)
            return
        if self.host:
            asyncio.get_running_loop().call_soon(self.host.on_packet, bytes(packet))
