"""The meter's GATT service: access rules, and units notified, indicated and written."""

from __future__ import annotations

import asyncio
import random

import pytest
from bumble.att import ATT_Error, ErrorCode

from ihd_app.protocol import gatt_profile
from ihd_app.protocol.zcl import METERING, Unit, demand_report
from meter_emulator.gatt import (
    ATT_ERROR_UNIT_REFUSED,
    LinkLostError,
    MeterInfo,
    NoSubscriberError,
)
from meter_emulator.radio import VirtualAir
from tests.meter.support import TIMEOUT, Central, Meter, start_meter, write_unit
from tests.support import METER_ID

DEMAND_UNIT = Unit.of(demand_report(1500), cluster_id=METERING).encode()


async def paired(meter: Meter, central: Central, *, mtu: int | None = None) -> None:
    await central.connect(meter.address)
    if mtu is not None:
        assert central.peer is not None
        await asyncio.wait_for(central.peer.request_mtu(mtu), TIMEOUT)
    await central.pair()
    await meter.events.wait("link.paired")
    meter.serve_connected()


def test_the_service_is_built_from_the_profile_table(meter: Meter) -> None:
    characteristics = meter.server.service.characteristics
    assert [str(c.uuid.to_hex_str("-")).lower() for c in characteristics] == [
        spec.uuid for spec in gatt_profile.CHARACTERISTICS
    ]


async def test_the_central_discovers_the_profile_with_its_properties(
    meter: Meter, central: Central
) -> None:
    await central.connect(meter.address)

    for spec in gatt_profile.CHARACTERISTICS:
        found = central.characteristic(spec.name)
        names = {p.name.lower().replace("_", "-") for p in found.properties if p.name}
        assert names == spec.properties


@pytest.mark.parametrize("name", ["Metering", "Messages to IHD", "History"])
async def test_subscribing_before_pairing_is_refused(
    meter: Meter, central: Central, name: str
) -> None:
    await central.connect(meter.address)

    with pytest.raises(ATT_Error) as refused:
        await central.subscribe(name, indicate=name == "Messages to IHD")

    assert refused.value.error_code == ErrorCode.INSUFFICIENT_AUTHENTICATION
    assert not meter.server.subscriptions


async def test_writing_before_pairing_is_refused(meter: Meter, central: Central) -> None:
    await central.connect(meter.address)

    with pytest.raises(ATT_Error) as refused:
        await write_unit(central, DEMAND_UNIT)

    assert refused.value.error_code == ErrorCode.INSUFFICIENT_AUTHENTICATION
    assert meter.units.empty()


async def test_reading_a_notify_only_characteristic_is_not_permitted(
    meter: Meter, central: Central
) -> None:
    await paired(meter, central)
    assert central.peer is not None

    with pytest.raises(ATT_Error) as refused:
        await central.peer.read_value(central.characteristic("Metering"))

    assert refused.value.error_code == ErrorCode.READ_NOT_PERMITTED


async def test_notify_metering_delivers_the_unit_to_a_subscriber(
    meter: Meter, central: Central
) -> None:
    await paired(meter, central)
    assert await meter.server.notify_metering(DEMAND_UNIT) == 0  # nobody listens yet

    metering = await central.subscribe("Metering")
    await meter.events.wait("subscribed")

    assert meter.server.is_subscribed("Metering")
    assert await meter.server.notify_metering(DEMAND_UNIT) == 1
    assert await metering.next_unit() == DEMAND_UNIT
    assert meter.events.named("subscribed") == [
        {"characteristic": "Metering", "notify": True, "indicate": False}
    ]


async def test_nothing_but_the_handshake_answer_reaches_a_display_before_its_handshake(
    meter: Meter, central: Central
) -> None:
    await central.connect(meter.address)
    await central.pair()
    await meter.events.wait("link.paired")
    metering = await central.subscribe("Metering")
    messages = await central.subscribe("Messages to IHD", indicate=True)

    assert await meter.server.notify_metering(DEMAND_UNIT) == 0
    assert not meter.server.is_subscribed("Messages to IHD")
    with pytest.raises(NoSubscriberError):
        await meter.server.indicate_message(b"operator message")
    # The proof goes to that link alone, before the link is served.
    connection = next(iter(meter.device.connections.values()))
    await asyncio.wait_for(meter.server.indicate_to(connection, b"proof"), TIMEOUT)
    assert await messages.next_unit() == b"proof"

    meter.serve_connected()
    assert await meter.server.notify_metering(DEMAND_UNIT) == 1
    assert await metering.next_unit() == DEMAND_UNIT


async def test_notify_history_segments_a_long_unit(meter: Meter, central: Central) -> None:
    await paired(meter, central)
    history = await central.subscribe("History")
    block = random.Random(7).randbytes(700)

    assert await meter.server.notify_history(block) == 1

    assert await history.next_unit() == block
    assert len(history.segments) > 1


@pytest.mark.parametrize("mtu", [gatt_profile.DEFAULT_ATT_MTU, gatt_profile.PREFERRED_ATT_MTU])
async def test_a_2_kib_envelope_is_indicated_in_segments_that_reassemble_exactly(
    meter: Meter, central: Central, mtu: int
) -> None:
    await paired(meter, central, mtu=None if mtu == gatt_profile.DEFAULT_ATT_MTU else mtu)
    messages = await central.subscribe("Messages to IHD", indicate=True)
    envelope = random.Random(2048).randbytes(2048)

    await asyncio.wait_for(meter.server.indicate_message(envelope), TIMEOUT)

    assert await messages.next_unit() == envelope
    assert meter.server.att_mtu == mtu
    assert len(messages.segments) > 1
    assert max(len(s) for s in messages.segments) == mtu - gatt_profile.ATT_HEADER


async def test_indicating_without_a_subscriber_raises(meter: Meter, central: Central) -> None:
    await paired(meter, central)

    with pytest.raises(NoSubscriberError, match="Messages to IHD"):
        await meter.server.indicate_message(b"envelope")


async def test_a_link_dropped_mid_message_raises_link_lost(meter: Meter, central: Central) -> None:
    await paired(meter, central)
    assert central.peer is not None
    assert central.connection is not None
    connection = central.connection
    hang_ups: list[asyncio.Task[None]] = []

    def hang_up_after_the_first_segment(_value: bytes) -> None:
        if not hang_ups:
            hang_ups.append(asyncio.ensure_future(connection.disconnect()))

    await central.peer.subscribe(
        central.characteristic("Messages to IHD"),
        hang_up_after_the_first_segment,
        prefer_notify=False,
    )
    await meter.events.wait("subscribed")

    with pytest.raises(LinkLostError, match="dropped"):
        await asyncio.wait_for(meter.server.indicate_message(bytes(2048)), TIMEOUT)

    await asyncio.wait_for(hang_ups[0], TIMEOUT)
    await meter.events.wait("link.disconnected")
    assert not meter.server.ihd_connected


async def test_a_segmented_write_reaches_on_unit_from_ihd(meter: Meter, central: Central) -> None:
    await paired(meter, central)
    receipt = random.Random(5).randbytes(300)

    await write_unit(central, receipt)

    assert await asyncio.wait_for(meter.units.get(), TIMEOUT) == receipt
    assert meter.errors == []


async def test_a_refused_segment_is_reported_and_answered_without_harm(
    meter: Meter, central: Central
) -> None:
    await paired(meter, central)
    assert central.peer is not None
    characteristic = central.characteristic("IHD to Meter")

    with pytest.raises(ATT_Error) as refused:
        # A continuation segment with no FIRST segment before it.
        await central.peer.write_value(characteristic, b"\x05\x01abc", with_response=True)

    assert refused.value.error_code == ATT_ERROR_UNIT_REFUSED
    assert [reason for reason, _detail in meter.errors] == ["malformed"]
    await write_unit(central, DEMAND_UNIT)
    assert await asyncio.wait_for(meter.units.get(), TIMEOUT) == DEMAND_UNIT


async def test_the_no_auth_fault_serves_an_unpaired_central(air: VirtualAir) -> None:
    meter = await start_meter(air, require_authentication=False)
    central = Central(air)
    try:
        await central.start()
        await central.connect(meter.address)
        assert central.peer is not None
        metering = await central.subscribe("Metering")
        await meter.events.wait("subscribed")

        info = await central.peer.read_value(central.characteristic("Meter Info"))
        connection = next(iter(meter.device.connections.values()))
        meter.serve_connected()
        assert await meter.server.notify_metering(DEMAND_UNIT) == 1

        assert info == meter.server.info.encode(meter.server.challenge_of(connection) or b"")
        assert await metering.next_unit() == DEMAND_UNIT
    finally:
        await central.close()
        await meter.close()


def test_meter_info_refuses_what_does_not_fit_an_attribute() -> None:
    with pytest.raises(ValueError, match="512"):
        MeterInfo(meter_id=METER_ID, name="x" * 600)
    with pytest.raises(ValueError, match="fuels"):
        MeterInfo(meter_id=METER_ID, name="x", fuels=("water",))
    with pytest.raises(ValueError, match="32 bytes"):
        MeterInfo(meter_id=METER_ID, name="x", certificate_sha256=b"short")
