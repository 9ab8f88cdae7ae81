"""The meter's radio: the virtual air served over TCP (a controller per display), refused
radios, btsnoop capture."""

from __future__ import annotations

import asyncio
import re
import socket
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from bumble.core import UUID, AdvertisingData
from bumble.device import Advertisement, Device
from bumble.hci import Address
from bumble.transport import open_transport

from ihd_app.protocol import gatt_profile
from ihd_app.protocol.radio_spec import RadioKind, RadioSpec
from meter_emulator.gatt import AutoAcceptPolicy, MeterPeripheral, advertised_name
from meter_emulator.radio import (
    IHD_CONTROLLER_ADDRESS,
    RadioError,
    VirtualAir,
    open_meter_radio,
)
from meter_emulator.radio.air_controller import AirLink
from meter_emulator.radio.hci_port import HciPort
from tests.meter.support import TIMEOUT, EventRecorder, free_port
from tests.support import METER_ID

NAME = advertised_name(METER_ID)


async def test_an_ihd_host_over_tcp_sees_the_meter_and_its_departure_drops_the_link() -> None:
    radio = await open_meter_radio(RadioSpec(RadioKind.VIRTUAL, port=free_port()))
    air = radio.virtual_air
    assert air is not None
    events = EventRecorder()
    peripheral = MeterPeripheral(
        radio.create_device(NAME), policy=AutoAcceptPolicy(), on_event=events
    )
    try:
        await peripheral.start()
        transport = await open_transport(air.ihd_transport)
        ihd = Device.with_hci("ihd", Address(IHD_CONTROLLER_ADDRESS), *transport)
        await ihd.power_on()
        await asyncio.wait_for(air.wait_for_ihd(), TIMEOUT)
        seen: asyncio.Future[Advertisement] = asyncio.get_running_loop().create_future()

        def on_advertisement(advertisement: Advertisement) -> None:
            name = advertisement.data.get(AdvertisingData.Type.COMPLETE_LOCAL_NAME, raw=True)
            if name == NAME.encode() and not seen.done():
                seen.set_result(advertisement)

        ihd.on(ihd.EVENT_ADVERTISEMENT, on_advertisement)
        await ihd.start_scanning()
        advertisement = await asyncio.wait_for(seen, TIMEOUT)
        await ihd.stop_scanning()

        assert advertisement.data.get(
            AdvertisingData.Type.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS, raw=True
        ) == UUID(gatt_profile.SERVICE_UUID).to_bytes(force_128=True)

        await asyncio.wait_for(ihd.connect(advertisement.address), TIMEOUT)
        await events.wait("link.connected")

        # The IHD's process goes away without a word: the meter must see its link drop.
        await ihd.power_off()
        await transport.close()
        disconnected = await events.wait("link.disconnected")
        assert disconnected["reason"] == "connection-timeout"
        await events.wait("advertising", count=2)
        assert not air.ihd_attached

        # A restarted IHD gets a fresh controller and finds the meter again.
        transport = await open_transport(air.ihd_transport)
        ihd = Device.with_hci("ihd", Address(IHD_CONTROLLER_ADDRESS), *transport)
        await ihd.power_on()
        await asyncio.wait_for(ihd.connect(advertisement.address), TIMEOUT)
        await events.wait("link.connected", count=2)
        await ihd.power_off()
        await transport.close()
        await events.wait("link.disconnected", count=2)
    finally:
        await peripheral.close()
        await radio.close()


async def test_a_busy_port_is_a_clear_error() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]

        with pytest.raises(RadioError, match=f"port {port} is in use: another meter emulator"):
            await open_meter_radio(RadioSpec(RadioKind.VIRTUAL, port=port))


def test_port_zero_is_refused() -> None:
    with pytest.raises(RadioError, match="port 0"):
        VirtualAir(0)


async def test_the_system_radio_is_refused() -> None:
    with pytest.raises(RadioError, match="needs a Bumble radio"):
        await open_meter_radio(RadioSpec(RadioKind.SYSTEM))


async def test_an_unopenable_bumble_transport_is_a_clear_error() -> None:
    spec = RadioSpec(RadioKind.BUMBLE, moniker="tcp-client:127.0.0.1:1")

    expected = "cannot open the Bluetooth transport tcp-client:127.0.0.1:1: "
    with pytest.raises(RadioError, match=re.escape(expected)):
        await open_meter_radio(spec)


async def test_btsnoop_capture_is_readable_by_bumble_show(tmp_path: Path) -> None:
    capture = tmp_path / "meter.btsnoop"
    radio = await open_meter_radio(RadioSpec(RadioKind.VIRTUAL, port=free_port()), btsnoop=capture)
    peripheral = MeterPeripheral(radio.create_device(NAME), policy=AutoAcceptPolicy())
    try:
        await peripheral.start()
    finally:
        await peripheral.close()
        await radio.close()

    data = capture.read_bytes()
    assert data[:8] == b"btsnoop\0"
    assert struct.unpack(">LL", data[8:16]) == (1, 1002)  # version 1, H4 datalink
    shown = subprocess.run(
        [sys.executable, "-m", "bumble.apps.show", "--format", "snoop", str(capture)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "HCI_RESET_COMMAND" in shown.stdout
    assert "HCI_LE_SET_EXTENDED_ADVERTISING_ENABLE_COMMAND" in shown.stdout


async def test_each_ihd_host_drives_a_controller_of_its_own() -> None:
    air = VirtualAir(free_port())
    await air.start()
    transports = [await open_transport(air.ihd_transport) for _ in range(2)]
    try:
        hosts = [
            Device.with_hci(f"ihd-{n}", Address(f"C0:1D:A6:00:01:0{n}"), *transport)
            for n, transport in enumerate(transports, start=1)
        ]
        for host in hosts:
            await host.power_on()  # answered by its own controller: the streams do not mix
        assert air.ihds_attached == 2
        controllers = [c for c in air.link.controllers if c is not air.meter_controller]
        assert sorted(c.public_address.to_string(False) for c in controllers) == [
            IHD_CONTROLLER_ADDRESS,
            "E0:E1:E2:E3:E4:E6",
        ]
        for host in hosts:
            await host.power_off()
        await transports[0].close()
        # The first slot is free again: the next host takes it, with the first address.
        transports[0] = await open_transport(air.ihd_transport)
        host = Device.with_hci("ihd-3", Address("C0:1D:A6:00:01:03"), *transports[0])
        await host.power_on()
        assert air.ihds_attached == 2
        await host.power_off()
    finally:
        for transport in transports:
            await transport.close()
        await air.close()


async def test_a_host_beyond_the_ports_limit_is_turned_away() -> None:
    link = AirLink()  # type: ignore[no-untyped-call]
    port = HciPort(link, free_port(), address=IHD_CONTROLLER_ADDRESS, name="ihd")
    await port.start()
    first = await open_transport(port.transport_moniker)
    try:
        await asyncio.wait_for(port.wait_attached(), TIMEOUT)
        second = await open_transport(port.transport_moniker)
        try:
            # One host at a time (a BlueZ guest's UART): the second stream is closed at once.
            await asyncio.wait_for(second.source.terminated, TIMEOUT)
            assert port.attached_count == 1
        finally:
            await second.close()
    finally:
        await first.close()
        await port.close()
