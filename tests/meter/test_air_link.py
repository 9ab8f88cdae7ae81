"""The virtual air behaves as a radio does for hosts other than Bumble's (Linux's, over BlueZ).

Each test fails on Bumble 0.0.236's own LocalLink and Controller (see docs/firmware.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from bumble import hci
from bumble.device import Device, Peer

from meter_emulator.radio import VirtualAir
from meter_emulator.radio.air_controller import AirController
from meter_emulator.radio.virtual_air import METER_CONTROLLER_ADDRESS
from tests.meter.support import TIMEOUT

#: A non-resolvable private address (top bits 00), as Linux leaves after active scanning.
LEFTOVER_SCAN_ADDRESS = "3A:11:22:33:44:55"
CENTRAL_PUBLIC_ADDRESS = "D0:D1:D2:D3:D4:D5"


@pytest.fixture
async def air() -> AsyncIterator[VirtualAir]:
    air = VirtualAir(port=None)
    await air.start()
    yield air
    await air.close()


@pytest.fixture
async def meter(air: VirtualAir) -> AsyncIterator[Device]:
    device = Device.with_hci("meter", hci.Address(METER_CONTROLLER_ADDRESS), *air.meter_hci)
    await device.power_on()
    await device.start_advertising()
    yield device
    await device.power_off()


async def test_data_reaches_the_peer_when_the_central_connected_with_its_public_address(
    air: VirtualAir, meter: Device
) -> None:
    # The central still has a random address set (left from scanning) but connects with its
    # public one: its data must still be carried on that connection.
    pair = air.add_local_controller("central", address=CENTRAL_PUBLIC_ADDRESS)
    central = Device.with_hci("central", hci.Address(LEFTOVER_SCAN_ADDRESS), *pair)
    await central.power_on()
    try:
        connection = await central.connect(
            hci.Address(METER_CONTROLLER_ADDRESS),
            own_address_type=hci.OwnAddressType.PUBLIC,
            timeout=TIMEOUT,
        )
        assert str(connection.self_address).startswith(CENTRAL_PUBLIC_ADDRESS)
        peer = Peer(connection)
        services = await asyncio.wait_for(peer.discover_services(), TIMEOUT)
        assert services, "the meter's GATT server answered over the connection"
    finally:
        await central.power_off()


class _RecordingHost:
    """What a host receives from its controller, parsed, for tests that speak raw HCI."""

    def __init__(self) -> None:
        self.packets: list[hci.HCI_Packet] = []
        self.log: list[hci.HCI_Packet] = []
        self._arrived = asyncio.Event()

    def on_packet(self, data: bytes) -> None:
        packet = hci.HCI_Packet.from_bytes(data)
        self.packets.append(packet)
        self.log.append(packet)
        self._arrived.set()

    async def wait_for(self, kind: type[hci.HCI_Packet]) -> hci.HCI_Packet:
        async with asyncio.timeout(TIMEOUT):
            while True:
                for packet in self.packets:
                    if isinstance(packet, kind):
                        self.packets.remove(packet)
                        return packet
                self._arrived.clear()
                await self._arrived.wait()


def _create_connection() -> hci.HCI_LE_Create_Connection_Command:
    return hci.HCI_LE_Create_Connection_Command(
        le_scan_interval=96,
        le_scan_window=96,
        initiator_filter_policy=0,
        peer_address_type=hci.AddressType.RANDOM_DEVICE,
        peer_address=hci.Address(METER_CONTROLLER_ADDRESS),
        own_address_type=hci.OwnAddressType.PUBLIC,
        connection_interval_min=24,
        connection_interval_max=40,
        max_latency=0,
        supervision_timeout=42,
        min_ce_length=0,
        max_ce_length=0,
    )


async def test_a_host_that_asked_for_the_enhanced_connection_event_gets_it(
    air: VirtualAir, meter: Device
) -> None:
    host = _RecordingHost()
    controller = AirController(
        "linux", host_sink=host, link=air.link, public_address=CENTRAL_PUBLIC_ADDRESS
    )
    mask = hci.HCI_LE_Set_Event_Mask_Command.mask(
        [hci.HCI_LE_CONNECTION_COMPLETE_EVENT, hci.HCI_LE_ENHANCED_CONNECTION_COMPLETE_EVENT]
    )
    controller.on_hci_packet(hci.HCI_LE_Set_Event_Mask_Command(le_event_mask=mask))
    await host.wait_for(hci.HCI_Command_Complete_Event)
    controller.on_hci_packet(_create_connection())

    complete = await host.wait_for(hci.HCI_LE_Enhanced_Connection_Complete_Event)
    assert complete.status == hci.HCI_SUCCESS
    assert complete.peer_address == hci.Address(METER_CONTROLLER_ADDRESS)
    assert not [p for p in host.packets if isinstance(p, hci.HCI_LE_Connection_Complete_Event)]
    controller.host = None
    air.link.remove_controller(controller)


async def test_cancelling_a_connection_that_is_already_up_is_refused(
    air: VirtualAir, meter: Device
) -> None:
    host = _RecordingHost()
    controller = AirController(
        "linux", host_sink=host, link=air.link, public_address=CENTRAL_PUBLIC_ADDRESS
    )
    controller.on_hci_packet(_create_connection())
    await host.wait_for(hci.HCI_LE_Connection_Complete_Event)

    # Linux cancels when the event it waited for did not come: the link is up, so the
    # controller must refuse, and both ends keep the connection.
    controller.on_hci_packet(hci.HCI_LE_Create_Connection_Cancel_Command())
    answer = await host.wait_for(hci.HCI_Command_Complete_Event)
    assert answer.return_parameters.status == hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR
    assert controller.le_connections
    assert meter.connections
    controller.host = None
    air.link.remove_controller(controller)


async def test_cancelling_a_pending_connection_reports_it_cancelled(air: VirtualAir) -> None:
    host = _RecordingHost()
    controller = AirController(
        "linux", host_sink=host, link=air.link, public_address=CENTRAL_PUBLIC_ADDRESS
    )
    controller.on_hci_packet(_create_connection())  # nobody advertises: stays pending
    await host.wait_for(hci.HCI_Command_Status_Event)
    controller.on_hci_packet(hci.HCI_LE_Create_Connection_Cancel_Command())

    answer = await host.wait_for(hci.HCI_Command_Complete_Event)
    assert answer.return_parameters.status == hci.HCI_SUCCESS
    complete = await host.wait_for(hci.HCI_LE_Connection_Complete_Event)
    assert complete.status == hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR
    assert host.log.index(answer) < host.log.index(complete), "Command Complete comes first"
    air.link.remove_controller(controller)
