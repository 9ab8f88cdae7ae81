"""The controllers of the virtual air: Bumble's LocalLink and virtual controller, with what
real hosts (Linux above all) need of them that Bumble 0.0.236 gets wrong.

docs/firmware.md ("Test your Linux set-up without hardware") names each behaviour and the
Bumble version it was found in.
"""

from __future__ import annotations

import asyncio
import dataclasses

from bumble import hci, ll
from bumble.controller import Controller
from bumble.core import PhysicalTransport
from bumble.link import LocalLink

from ihd_app.protocol.bumble_hci import QuietController

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
