"""BumbleBleakScanner driven only through bleak's public BleakScanner API."""

from __future__ import annotations

import asyncio

import pytest
from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakBluetoothNotAvailableError
from bumble import hci
from bumble.core import AdvertisingData
from bumble.device import Advertisement

from ihd_app.link.bumble_backend import (
    BumbleBleakScanner,
    BumbleDeviceDetails,
    advertisement_data,
)
from tests.link.conftest import (
    METER_ADDRESS,
    METER_NAME,
    OTHER_SERVICE_UUID,
    SERVICE_UUID,
    STEP,
    Air,
)


async def test_detection_callback_reports_the_meter_by_service_uuid(air: Air) -> None:
    found: asyncio.Future[tuple[BLEDevice, AdvertisementData]] = (
        asyncio.get_running_loop().create_future()
    )

    def on_detection(device: BLEDevice, data: AdvertisementData) -> None:
        if not found.done():
            found.set_result((device, data))

    async with BleakScanner(
        on_detection,
        [SERVICE_UUID.upper()],
        backend=BumbleBleakScanner,
        bumble_device=air.central,
    ) as scanner:
        device, data = await asyncio.wait_for(found, STEP)
        assert scanner.discovered_devices_and_advertisement_data[METER_ADDRESS][0] is device

    assert device.address == METER_ADDRESS
    assert device.name == METER_NAME
    assert isinstance(device.details, BumbleDeviceDetails)
    assert device.details.address == hci.Address(METER_ADDRESS)
    assert data.local_name == METER_NAME
    assert data.service_uuids == [SERVICE_UUID]
    assert data.rssi == -50  # what Bumble's virtual controller reports
    assert data.tx_power == -8
    assert data.manufacturer_data == {}
    assert not air.central.is_scanning


async def test_discover_returns_devices_with_advertisement_data(air: Air) -> None:
    result = await BleakScanner.discover(
        0.5,
        return_adv=True,
        backend=BumbleBleakScanner,
        bumble_device=air.central,
    )

    device, data = result[METER_ADDRESS]
    assert device.name == METER_NAME
    assert data.service_uuids == [SERVICE_UUID]


async def test_find_device_by_address(air: Air) -> None:
    device = await BleakScanner.find_device_by_address(
        METER_ADDRESS.lower(), STEP, backend=BumbleBleakScanner, bumble_device=air.central
    )

    assert device is not None
    assert device.name == METER_NAME


async def test_the_service_filter_hides_other_devices(air: Air) -> None:
    device = await BleakScanner.find_device_by_address(
        METER_ADDRESS,
        0.3,
        service_uuids=[OTHER_SERVICE_UUID[4:8]],  # a 16-bit form, normalised by the backend
        backend=BumbleBleakScanner,
        bumble_device=air.central,
    )

    assert device is None


async def test_advertisement_data_async_generator(air: Air) -> None:
    async with air.scanner() as scanner:
        async for device, data in scanner.advertisement_data():
            if device.address == METER_ADDRESS:
                assert data.local_name == METER_NAME
                break


async def test_a_scanner_leaves_a_scan_it_did_not_start_running(air: Air) -> None:
    await air.central.start_scanning()

    async with air.scanner():
        pass

    assert air.central.is_scanning
    await air.central.stop_scanning()


async def test_scanning_needs_a_powered_on_device(air: Air) -> None:
    await air.central.power_off()

    with pytest.raises(BleakBluetoothNotAvailableError):
        await air.scanner().start()


def advertisement(structures: list[tuple[int, bytes]], **kwargs: object) -> Advertisement:
    data = bytes(AdvertisingData([(AdvertisingData.Type(t), v) for t, v in structures]))
    return Advertisement(address=hci.Address("C0:11:22:33:44:55"), data_bytes=data, **kwargs)  # type: ignore[arg-type]


def test_advertisement_data_conversion() -> None:
    adv = advertisement(
        [
            (0x03, bytes.fromhex("0d18 0f18")),  # 16-bit UUIDs 0x180D, 0x180F
            (0x05, bytes.fromhex("78563412")),  # 32-bit UUID 0x12345678
            (0x16, bytes.fromhex("0f18") + b"\x64"),  # battery service data
            (0xFF, bytes.fromhex("5900") + b"\x01\x02"),  # Nordic (0x0059)
            (0x08, b"Short"),
            (0x0A, b"\x8c"),  # -116 dBm
        ],
        rssi=-70,
    )

    data = advertisement_data(adv)

    assert data.local_name == "Short"
    assert data.service_uuids == [
        "0000180d-0000-1000-8000-00805f9b34fb",
        "0000180f-0000-1000-8000-00805f9b34fb",
        "12345678-0000-1000-8000-00805f9b34fb",
    ]
    assert data.service_data == {"0000180f-0000-1000-8000-00805f9b34fb": b"\x64"}
    assert data.manufacturer_data == {0x0059: b"\x01\x02"}
    assert data.tx_power == -116
    assert data.rssi == -70
    assert data.platform_data == (adv,)


def test_complete_name_wins_and_malformed_structures_are_skipped() -> None:
    adv = advertisement(
        [
            (0x08, b"Short"),
            (0x09, b"Complete \xff"),
            (0x03, b"\x0d"),  # odd length: not a list of 16-bit UUIDs
            (0x21, b"\x01\x02"),  # shorter than a 128-bit UUID
            (0xFF, b"\x01"),  # no company id
            (0x0A, b""),
        ],
        rssi=127,
        tx_power=4,
    )

    data = advertisement_data(adv)

    assert data.local_name == "Complete \ufffd"
    assert data.service_uuids == []
    assert data.service_data == {}
    assert data.manufacturer_data == {}
    assert data.tx_power == 4  # from the extended advertising report
    assert data.rssi == -127  # "not available"
