"""The meter as a peripheral: advertising, LE Secure Connections pairing, bonds, link events."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import cbor2
import pytest
from bumble import smp
from bumble.att import ATT_Error, ErrorCode
from bumble.core import UUID, AdvertisingData, ProtocolError
from bumble.device import Advertisement
from bumble.pairing import PairingConfig, PairingDelegate

from ihd_app.protocol import gatt_profile
from ihd_app.protocol.errors import ConfigurationError
from meter_emulator.gatt import PairingMode, advertised_name
from meter_emulator.gatt.advertising import advertising_data, scan_response_data
from meter_emulator.radio import IHD_CONTROLLER_ADDRESS, METER_CONTROLLER_ADDRESS, VirtualAir
from tests.meter.support import TIMEOUT, Central, Meter, start_meter
from tests.support import METER_ID

LEGACY_ADVERTISING_BYTES = 31


async def scan_for(central: Central, meter: Meter) -> Advertisement:
    found: asyncio.Future[Advertisement] = asyncio.get_running_loop().create_future()

    def on_advertisement(advertisement: Advertisement) -> None:
        if advertisement.address == meter.address and not found.done():
            found.set_result(advertisement)

    central.device.on(central.device.EVENT_ADVERTISEMENT, on_advertisement)
    await central.device.start_scanning()
    try:
        return await asyncio.wait_for(found, TIMEOUT)
    finally:
        await central.device.stop_scanning()
        central.device.remove_listener(central.device.EVENT_ADVERTISEMENT, on_advertisement)


async def read_meter_info(central: Central) -> bytes:
    assert central.peer is not None
    return await asyncio.wait_for(
        central.peer.read_value(central.characteristic("Meter Info")), TIMEOUT
    )


def test_advertised_name_uses_the_profile_prefix_and_the_ids_last_digits() -> None:
    assert advertised_name(METER_ID) == "IHD-Meter 0001"
    assert advertised_name("00-1D-A6-00-00-00-0a-1b") == "IHD-Meter 0A1B"


def test_advertisement_and_scan_response_each_fit_a_legacy_pdu() -> None:
    assert len(advertising_data()) <= LEGACY_ADVERTISING_BYTES
    assert len(scan_response_data(advertised_name(METER_ID))) <= LEGACY_ADVERTISING_BYTES


async def test_advertising_is_seen_with_the_service_uuid_and_the_name(
    meter: Meter, central: Central
) -> None:
    advertisement = await scan_for(central, meter)

    uuids = advertisement.data.get(
        AdvertisingData.Type.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS, raw=True
    )
    assert uuids == UUID(gatt_profile.SERVICE_UUID).to_bytes(force_128=True)
    name = advertisement.data.get(AdvertisingData.Type.COMPLETE_LOCAL_NAME, raw=True)
    assert name == b"IHD-Meter 0001"
    assert advertisement.is_connectable
    assert meter.events.named("advertising") == [
        {"name": "IHD-Meter 0001", "address": METER_CONTROLLER_ADDRESS}
    ]


async def test_an_unpaired_central_is_refused_with_insufficient_authentication(
    meter: Meter, central: Central
) -> None:
    await central.connect(meter.address)

    with pytest.raises(ATT_Error) as refused:
        await read_meter_info(central)

    assert refused.value.error_code == gatt_profile.ATT_ERROR_INSUFFICIENT_AUTHENTICATION
    assert refused.value.error_code == ErrorCode.INSUFFICIENT_AUTHENTICATION
    await meter.events.wait("link.connected")
    assert not meter.server.ihd_secure


async def test_numeric_comparison_shows_both_sides_the_same_number_then_reads_work(
    meter: Meter, central: Central
) -> None:
    await central.connect(meter.address)

    keys = await central.pair()

    assert len(central.delegate.numbers) == 1
    assert meter.policy.numbers == central.delegate.numbers
    assert 0 <= meter.policy.numbers[0] <= 999_999
    paired = await meter.events.wait("link.paired")
    assert paired == {
        "peer": IHD_CONTROLLER_ADDRESS,
        "authenticated": True,
        "bonded": True,
        "number": central.delegate.numbers[0],
    }
    encrypted = await meter.events.wait("link.encrypted")
    assert encrypted["authenticated"] is True
    assert keys is not None
    assert keys.ltk is not None
    assert keys.ltk.authenticated
    info = cbor2.loads(await read_meter_info(central))
    # A fresh handshake challenge for this connection, then the meter's fixed identity.
    assert len(info.pop("challenge")) == 16
    assert info == {
        "meter_id": METER_ID,
        "name": "IHD-Meter 0001",
        "fuels": ["electricity", "gas"],
        "profile_version": gatt_profile.PROFILE_VERSION,
        "certificate_sha256": bytes(range(32)),
    }
    assert meter.server.ihd_secure


async def test_a_comparison_the_meter_rejects_fails_pairing(air: VirtualAir) -> None:
    meter = await start_meter(air, accept=False)
    central = Central(air)
    try:
        await central.start()
        await central.connect(meter.address)

        with pytest.raises(ProtocolError):
            await central.pair()

        failed = await meter.events.wait("pairing.failed")
        assert failed["reason"] == "comparison-rejected"
        assert meter.policy.numbers == central.delegate.numbers
        assert not meter.events.named("link.paired")
        with pytest.raises(ATT_Error) as refused:
            await read_meter_info(central)
        assert refused.value.error_code == ErrorCode.INSUFFICIENT_AUTHENTICATION
    finally:
        await central.close()
        await meter.close()


async def test_just_works_is_refused(meter: Meter, air: VirtualAir) -> None:
    central = Central(air, io_capability=PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT)
    try:
        await central.start()
        await central.connect(meter.address)

        with pytest.raises(ProtocolError):
            await central.pair()

        failed = await meter.events.wait("pairing.failed")
        assert failed["reason"] == "just-works-refused"
        assert not meter.server.ihd_secure
    finally:
        await central.close()


async def test_legacy_pairing_is_refused_before_any_key_is_made(
    meter: Meter, air: VirtualAir
) -> None:
    # Legacy Just Works completes in Bumble without asking the delegate: refused up front.
    central = Central(air, io_capability=PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT)
    central.device.pairing_config_factory = lambda _connection: PairingConfig(
        sc=False, mitm=False, bonding=True, delegate=central.delegate
    )
    try:
        await central.start()
        await central.connect(meter.address)

        with pytest.raises(ProtocolError) as refused:
            await central.pair()

        assert refused.value.error_code == smp.ErrorCode.AUTHENTICATION_REQUIREMENTS
        failed = await meter.events.wait("pairing.failed")
        assert failed["reason"] == "legacy-pairing-refused"
        assert not meter.events.named("link.paired")
        assert await meter.peripheral.forget_bonds() == 0
    finally:
        await central.close()


async def test_passkey_display_mode_pairs_with_a_keyboard_ihd(air: VirtualAir) -> None:
    meter = await start_meter(air, mode=PairingMode.PASSKEY_DISPLAY)

    async def type_what_the_meter_shows() -> int:
        return await asyncio.wait_for(asyncio.shield(meter.policy.passkey), TIMEOUT)

    central = Central(
        air,
        io_capability=PairingDelegate.IoCapability.KEYBOARD_INPUT_ONLY,
        passkey=type_what_the_meter_shows,
    )
    try:
        await central.start()
        await central.connect(meter.address)

        await central.pair()

        paired = await meter.events.wait("link.paired")
        assert paired["authenticated"] is True
        assert paired["passkey"] == meter.policy.passkey.result()
        assert cbor2.loads(await read_meter_info(central))["meter_id"] == METER_ID
    finally:
        await central.close()
        await meter.close()


async def test_advertising_restarts_after_every_disconnection(
    meter: Meter, central: Central
) -> None:
    for round_number in (1, 2):
        await central.connect(meter.address)
        await meter.events.wait("link.connected", count=round_number)
        assert central.connection is not None
        await asyncio.wait_for(central.connection.disconnect(), TIMEOUT)

        disconnected = await meter.events.wait("link.disconnected", count=round_number)
        assert disconnected == {
            "peer": IHD_CONTROLLER_ADDRESS,
            "reason": "remote-user-terminated-connection",
        }
        await meter.events.wait("advertising", count=round_number + 1)
    assert not meter.server.ihd_connected


async def test_bonds_persist_in_the_key_store_across_a_meter_restart(
    air: VirtualAir, tmp_path: Path
) -> None:
    bonds = tmp_path / "bonds.json"
    meter = await start_meter(air, keystore_path=bonds)
    central = Central(air)
    await central.start()
    try:
        await central.connect(meter.address)
        await central.pair()
        await meter.events.wait("link.paired")
        stored = json.loads(bonds.read_text())
        assert stored[METER_CONTROLLER_ADDRESS][IHD_CONTROLLER_ADDRESS]["ltk"]["authenticated"]
        assert central.connection is not None
        await asyncio.wait_for(central.connection.disconnect(), TIMEOUT)
        await meter.events.wait("link.disconnected")
        await meter.close()

        # A new meter process: new host and device, the same bonds file.
        meter = await start_meter(air, keystore_path=bonds)
        await central.connect(meter.address)
        assert central.connection is not None
        await asyncio.wait_for(central.connection.encrypt(), TIMEOUT)

        encrypted = await meter.events.wait("link.encrypted")
        assert encrypted == {"peer": IHD_CONTROLLER_ADDRESS, "authenticated": True, "bonded": True}
        assert cbor2.loads(await read_meter_info(central))["meter_id"] == METER_ID
        assert not meter.events.named("link.paired")
        assert meter.policy.numbers == []
        assert await meter.peripheral.forget_bonds() == 1
    finally:
        await central.close()
        await meter.close()


async def test_a_damaged_bonds_file_is_a_clear_error(air: VirtualAir, tmp_path: Path) -> None:
    bonds = tmp_path / "bonds.json"
    bonds.write_text("{not json")

    with pytest.raises(ConfigurationError, match=r"bonds\.json cannot be read"):
        await start_meter(air, keystore_path=bonds)
