"""BumbleBleakClient driven only through bleak's public BleakClient API."""

from __future__ import annotations

import asyncio

import pytest
from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice
from bleak.exc import BleakDeviceNotFoundError, BleakError
from bumble import hci
from bumble.device import Advertisement

from ihd_app.link.bumble_backend import (
    BumbleAttError,
    BumbleDeviceDetails,
    BumbleLinkError,
    BumblePairingError,
    LinkSecurity,
    PairingEventKind,
    bumble_client_of,
    bumble_link_security,
)
from ihd_app.link.pairing import AutoAccept, RejectAll
from ihd_app.protocol.errors import IhdError
from tests.link.conftest import (
    INBOX_UUID,
    INFO_UUID,
    INFO_VALUE,
    MESSAGES_UUID,
    METER_ADDRESS,
    METER_NAME,
    METERING_UUID,
    NOTE_UUID,
    OPEN_UUID,
    SERVICE_UUID,
    STEP,
    Air,
)


async def connected_client(air: Air, **kwargs: object) -> BleakClient:
    client = air.client(await air.find_meter(), **kwargs)  # type: ignore[arg-type]
    await asyncio.wait_for(client.connect(), STEP)
    return client


def kinds(air: Air) -> list[PairingEventKind]:
    return [event.kind for event in air.events]


async def test_connect_exchanges_mtu_and_discovers_services(air: Air) -> None:
    client = await connected_client(air)

    assert client.is_connected
    assert client.mtu_size == 247
    assert client.name == METER_NAME
    assert client.address == METER_ADDRESS
    service = client.services.get_service(SERVICE_UUID)
    assert service is not None
    properties = {c.uuid: c.properties for c in service.characteristics}
    assert properties == {
        INFO_UUID: ["read"],
        METERING_UUID: ["read", "notify"],
        MESSAGES_UUID: ["indicate"],
        INBOX_UUID: ["write-without-response", "write"],
        OPEN_UUID: ["read"],
    }
    metering = client.services.get_characteristic(METERING_UUID)
    assert metering is not None
    assert [d.uuid for d in metering.descriptors] == ["00002902-0000-1000-8000-00805f9b34fb"]
    assert metering.max_write_without_response_size == 244
    await client.disconnect()
    assert not client.is_connected


async def test_reading_before_pairing_is_refused_with_a_security_att_error(air: Air) -> None:
    client = await connected_client(air)

    with pytest.raises(BumbleAttError) as caught:
        await client.read_gatt_char(INFO_UUID)

    error = caught.value
    assert error.att_error_code in (0x05, 0x0F)
    assert error.needs_pairing
    assert isinstance(error, BleakError)
    assert isinstance(error, IhdError)
    assert "pair with the device first" in str(error)
    assert bumble_link_security(client) == LinkSecurity()
    await client.disconnect()


async def test_other_att_errors_do_not_ask_for_pairing(air: Air) -> None:
    client = await connected_client(air)
    await asyncio.wait_for(client.pair(), STEP)

    with pytest.raises(BumbleAttError) as caught:
        await client.write_gatt_char(OPEN_UUID, b"x", response=True)

    assert caught.value.att_error_code == 0x03  # Write Not Permitted
    assert not caught.value.needs_pairing
    await client.disconnect()


async def test_numeric_comparison_pairing_then_read(air: Air) -> None:
    client = await connected_client(air)

    await asyncio.wait_for(client.pair(), STEP)

    meter_answers = air.meter.answers
    assert isinstance(meter_answers, AutoAccept)
    assert len(air.central_answers.confirmed) == 1
    assert air.central_answers.confirmed == meter_answers.confirmed
    assert 0 <= air.central_answers.confirmed[0] <= 999_999
    security = bumble_client_of(client).security
    assert security.encrypted
    assert security.authenticated
    assert security.bonded
    assert security.secure_connections
    assert kinds(air) == [PairingEventKind.STARTED, PairingEventKind.PAIRED]
    assert air.events[-1].security == security
    assert air.events[-1].address == METER_ADDRESS
    assert await client.read_gatt_char(INFO_UUID) == bytearray(INFO_VALUE)
    # Pairing again on a protected link is a no-op.
    await asyncio.wait_for(client.pair(), STEP)
    assert len(air.central_answers.confirmed) == 1
    await client.disconnect()


async def test_connect_with_pair_true_pairs_before_discovery(air: Air) -> None:
    client = air.client(await air.find_meter(), pair=True)

    await asyncio.wait_for(client.connect(), STEP)

    assert bumble_client_of(client).security.authenticated
    assert await client.read_gatt_char(INFO_UUID) == bytearray(INFO_VALUE)
    await client.disconnect()


async def test_notifications_and_indications_reach_the_callbacks(air: Air) -> None:
    client = await connected_client(air, pair=True)
    notified: asyncio.Queue[tuple[str, bytearray]] = asyncio.Queue()

    def on_value(characteristic: BleakGATTCharacteristic, data: bytearray) -> None:
        notified.put_nowait((characteristic.uuid, data))

    await client.start_notify(METERING_UUID, on_value)
    await client.start_notify(MESSAGES_UUID, on_value)
    assert await asyncio.wait_for(air.meter.subscriptions.get(), STEP) == (
        METERING_UUID,
        True,
        False,
    )
    assert await asyncio.wait_for(air.meter.subscriptions.get(), STEP) == (
        MESSAGES_UUID,
        False,
        True,
    )

    meter = air.meter
    await meter.device.notify_subscriber(meter.connection, meter.metering, b"\x01\x02")
    assert await asyncio.wait_for(notified.get(), STEP) == (METERING_UUID, bytearray(b"\x01\x02"))
    # indicate_subscriber returns once the IHD has confirmed the indication.
    await asyncio.wait_for(
        meter.device.indicate_subscriber(meter.connection, meter.messages, b"message"), STEP
    )
    assert await asyncio.wait_for(notified.get(), STEP) == (MESSAGES_UUID, bytearray(b"message"))

    await client.stop_notify(METERING_UUID)
    assert await asyncio.wait_for(air.meter.subscriptions.get(), STEP) == (
        METERING_UUID,
        False,
        False,
    )
    await client.disconnect()


async def test_async_callbacks_and_a_raising_callback_still_confirm_indications(air: Air) -> None:
    client = await connected_client(air, pair=True)
    received: asyncio.Future[bytearray] = asyncio.get_running_loop().create_future()

    def broken(_characteristic: BleakGATTCharacteristic, _data: bytearray) -> None:
        raise RuntimeError("app bug")

    async def on_value(_characteristic: BleakGATTCharacteristic, data: bytearray) -> None:
        received.set_result(data)

    await client.start_notify(MESSAGES_UUID, broken)
    meter = air.meter
    await asyncio.wait_for(meter.subscriptions.get(), STEP)
    await asyncio.wait_for(
        meter.device.indicate_subscriber(meter.connection, meter.messages, b"one"), STEP
    )
    # A second start_notify only replaces the callback.
    await client.start_notify(MESSAGES_UUID, on_value)
    await asyncio.wait_for(
        meter.device.indicate_subscriber(meter.connection, meter.messages, b"two"), STEP
    )
    assert await asyncio.wait_for(received, STEP) == bytearray(b"two")
    assert meter.subscriptions.empty()
    await client.disconnect()


async def test_writes_reach_the_peripheral(air: Air) -> None:
    client = await connected_client(air, pair=True)

    await client.write_gatt_char(INBOX_UUID, b"receipt", response=True)
    assert await asyncio.wait_for(air.meter.inbox_writes.get(), STEP) == b"receipt"
    await client.write_gatt_char(INBOX_UUID, bytearray(b"ack"), response=False)
    assert await asyncio.wait_for(air.meter.inbox_writes.get(), STEP) == b"ack"
    long_value = bytes(range(200)) * 2
    await client.write_gatt_char(INBOX_UUID, long_value, response=True)
    assert await asyncio.wait_for(air.meter.inbox_writes.get(), STEP) == long_value
    with pytest.raises(BleakError, match="do not fit a write without response"):
        await client.write_gatt_char(INBOX_UUID, long_value, response=False)
    await client.disconnect()


async def test_descriptors_read_and_write(air: Air) -> None:
    client = await connected_client(air)
    characteristic = client.services.get_characteristic(OPEN_UUID)
    assert characteristic is not None
    note = characteristic.get_descriptor(NOTE_UUID)
    assert note is not None

    assert await client.read_gatt_descriptor(note) == bytearray(b"note")
    await client.write_gatt_descriptor(note.handle, b"changed")
    assert await client.read_gatt_descriptor(note.handle) == bytearray(b"changed")
    assert await client.read_gatt_descriptor(note, use_cached=True) == bytearray(b"changed")
    await client.disconnect()


async def test_a_refused_pairing_raises_and_leaves_the_link_unprotected(air: Air) -> None:
    air.meter.answers = RejectAll()
    client = await connected_client(air)

    with pytest.raises(BumblePairingError) as caught:
        await asyncio.wait_for(client.pair(), STEP)

    assert caught.value.reason is not None
    assert "pairing with C0:00:00:00:00:02 failed" in str(caught.value)
    assert isinstance(caught.value, IhdError)
    assert len(air.meter.answers.refused) == 1
    assert kinds(air) == [PairingEventKind.STARTED, PairingEventKind.FAILED]
    assert not bumble_client_of(client).security.encrypted
    assert not bumble_client_of(client).security.bonded
    if client.is_connected:
        with pytest.raises(BumbleAttError):
            await client.read_gatt_char(INFO_UUID)
        await client.disconnect()


async def test_disconnection_by_the_peripheral_calls_the_disconnected_callback(
    air: Air,
) -> None:
    gone: asyncio.Future[BleakClient] = asyncio.get_running_loop().create_future()
    client = air.client(await air.find_meter(), gone.set_result)
    await asyncio.wait_for(client.connect(), STEP)

    await air.meter.connection.disconnect()

    assert await asyncio.wait_for(gone, STEP) is client
    assert not client.is_connected
    with pytest.raises(BumbleLinkError, match="not connected"):
        await bumble_client_of(client).read_gatt_char(
            BleakGATTCharacteristic(None, 1, INFO_UUID, ["read"], lambda: 20, None)  # type: ignore[arg-type]
        )


async def test_reconnecting_reuses_the_bond_without_asking_again(air: Air) -> None:
    gone: asyncio.Queue[BleakClient] = asyncio.Queue()
    client = air.client(await air.find_meter(), gone.put_nowait)
    await asyncio.wait_for(client.connect(), STEP)
    await asyncio.wait_for(client.pair(), STEP)
    await client.disconnect()
    await asyncio.wait_for(gone.get(), STEP)
    meter_answers = air.meter.answers
    assert isinstance(meter_answers, AutoAccept)
    asked = (list(air.central_answers.confirmed), list(meter_answers.confirmed))
    air.events.clear()

    await asyncio.wait_for(client.connect(), STEP)

    assert (air.central_answers.confirmed, meter_answers.confirmed) == asked
    security = bumble_client_of(client).security
    assert security.encrypted
    assert security.authenticated
    assert security.bonded
    assert kinds(air) == [PairingEventKind.ENCRYPTED_WITH_BOND]
    assert await client.read_gatt_char(INFO_UUID) == bytearray(INFO_VALUE)
    await client.disconnect()


async def test_a_new_client_by_address_finds_the_device_and_reuses_the_bond(air: Air) -> None:
    first = await connected_client(air, pair=True)
    await first.disconnect()

    client = air.client(METER_ADDRESS)
    await asyncio.wait_for(client.connect(), STEP)

    assert client.name == METER_NAME
    assert bumble_client_of(client).security.authenticated
    assert len(air.central_answers.confirmed) == 1
    await client.disconnect()


async def test_unpair_deletes_the_bond_and_disconnects(air: Air) -> None:
    client = await connected_client(air)
    await asyncio.wait_for(client.pair(), STEP)

    await client.unpair()

    assert not client.is_connected
    assert kinds(air)[-1] == PairingEventKind.UNPAIRED
    assert not bumble_client_of(client).security.bonded
    keystore = air.central.keystore
    assert keystore is not None
    assert await keystore.get_all() == []
    await asyncio.wait_for(client.connect(), STEP)
    assert not bumble_client_of(client).security.encrypted
    with pytest.raises(BumbleAttError):
        await client.read_gatt_char(INFO_UUID)
    await client.disconnect()


async def test_a_security_request_from_the_peripheral_starts_pairing(air: Air) -> None:
    paired: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    client = await connected_client(air)
    bumble_client_of(client).on_pairing_event = lambda event: (
        paired.set_result(None) if event.kind is PairingEventKind.PAIRED else None
    )

    air.meter.connection.request_pairing()

    await asyncio.wait_for(paired, STEP)
    assert bumble_client_of(client).security.authenticated
    await client.disconnect()


async def test_a_bond_the_peripheral_forgot_is_reported_and_pair_true_pairs_again(
    air: Air,
) -> None:
    client = await connected_client(air, pair=True)
    await client.disconnect()
    meter_keystore = air.meter.device.keystore
    assert meter_keystore is not None
    await meter_keystore.delete_all()
    air.events.clear()

    client = air.client(await air.find_meter(), pair=True)
    await asyncio.wait_for(client.connect(), STEP)

    assert PairingEventKind.BOND_REFUSED in kinds(air)
    assert kinds(air)[-1] == PairingEventKind.PAIRED
    assert len(air.central_answers.confirmed) == 2
    assert await client.read_gatt_char(INFO_UUID) == bytearray(INFO_VALUE)
    await client.disconnect()


async def test_a_services_filter_limits_discovery(air: Air) -> None:
    client = air.client(await air.find_meter(), services=[SERVICE_UUID])
    await asyncio.wait_for(client.connect(), STEP)

    assert [s.uuid for s in client.services] == [SERVICE_UUID]
    assert client.name == METER_NAME  # from the advertisement: GAP was not discovered
    await client.disconnect()


async def test_an_unknown_address_is_not_found(air: Air) -> None:
    client = air.client("C0:00:00:00:00:09", timeout=0.3)

    with pytest.raises(BleakDeviceNotFoundError):
        await asyncio.wait_for(client.connect(), STEP)


async def test_a_connection_that_is_not_made_in_time_times_out_cleanly(air: Air) -> None:
    ghost = BLEDevice(
        "C0:00:00:00:00:09",
        None,
        BumbleDeviceDetails(hci.Address("C0:00:00:00:00:09"), Advertisement(hci.Address.ANY)),
    )
    client = air.client(ghost, timeout=0.3)

    with pytest.raises(TimeoutError, match="no connection to C0:00:00:00:00:09"):
        await asyncio.wait_for(client.connect(), STEP)

    assert not air.central.is_le_connecting
    meter = await connected_client(air)
    assert meter.is_connected
    await meter.disconnect()
