"""The meter's pairing window: a new display pairs only while it is open; a bonded one always
reconnects. The window runs on a manual clock and timer, so nothing here waits for time."""

from __future__ import annotations

import asyncio
from pathlib import Path

import cbor2
import pytest
from bumble import smp
from bumble.core import ProtocolError

from meter_emulator.gatt import PairingWindow
from meter_emulator.gatt.pairing_window import CLOSED_BY_PERSON, CLOSED_TIME_UP
from meter_emulator.radio import VirtualAir
from tests.manual_time import ManualTime
from tests.meter.support import TIMEOUT, Central, EventRecorder, start_meter
from tests.meter.test_peripheral import read_meter_info
from tests.support import METER_ID


def _window(time: ManualTime, events: EventRecorder | None = None) -> PairingWindow:
    return PairingWindow(events, clock=time.clock, schedule=time.schedule)


def test_the_window_opens_counts_down_and_closes_when_its_time_is_up() -> None:
    time, events = ManualTime(), EventRecorder()
    window = _window(time, events)
    assert not window.is_open
    assert window.remaining_s == 0

    window.open(120, by="button")
    assert window.is_open
    assert events.named("pairing.window-opened") == [{"seconds": 120, "by": "button"}]
    time.advance(45)
    assert window.remaining_s == 75
    assert window.is_open
    time.advance(74.5)
    assert window.is_open
    assert not events.named("pairing.window-closed")

    time.advance(0.5)
    assert not window.is_open
    assert window.remaining_s == 0
    assert events.named("pairing.window-closed") == [{"reason": CLOSED_TIME_UP, "by": "timer"}]
    assert time.pending == 0


def test_closing_early_calls_off_the_timer_and_opening_again_starts_its_time_again() -> None:
    time, events = ManualTime(), EventRecorder()
    window = _window(time, events)
    window.open(60, by="start")
    time.advance(50)
    window.open(60, by="button")  # open already: a full minute again
    time.advance(50)
    assert window.is_open
    assert window.remaining_s == 10
    assert time.pending == 1, "the first opening's timer was called off"

    window.close(by="button")
    window.close(by="button")  # closed already: nothing more
    assert not window.is_open
    assert events.named("pairing.window-closed") == [{"reason": CLOSED_BY_PERSON, "by": "button"}]
    assert time.pending == 0
    time.advance(3600)
    assert len(events.named("pairing.window-closed")) == 1


def test_zero_seconds_opens_nothing_and_a_stopped_meter_cannot_be_opened() -> None:
    time, events = ManualTime(), EventRecorder()
    window = _window(time, events)
    window.open(0, by="start")
    assert not window.is_open
    assert events.events == []

    window.open(30, by="start")
    window.shutdown()
    window.open(30, by="signal")  # a button pressed as the meter stops
    assert not window.is_open
    assert time.pending == 0
    assert [name for name, _ in events.events] == ["pairing.window-opened"]


async def test_a_pairing_while_the_window_is_closed_is_refused_and_nothing_is_stored(
    air: VirtualAir, tmp_path: Path
) -> None:
    time = ManualTime()
    window = _window(time)
    bonds = tmp_path / "bonds.json"
    meter = await start_meter(air, keystore_path=bonds, pairing_window=window)
    central = Central(air)
    try:
        await central.start()
        await central.connect(meter.address)

        with pytest.raises(ProtocolError) as refused:
            await central.pair()

        # What a Bluetooth device that is not pairable answers.
        assert refused.value.error_code == smp.ErrorCode.PAIRING_NOT_SUPPORTED
        failed = await meter.events.wait("pairing.failed")
        assert failed["reason"] == "window-closed"
        assert meter.policy.numbers == [], "nobody was asked to compare numbers"
        assert central.delegate.numbers == []
        assert not meter.events.named("link.paired")
        assert await meter.peripheral.forget_bonds() == 0
        assert central.device.keystore is not None
        assert await central.device.keystore.get_all() == []

        # The person opens the window: the same display pairs (on a new link, as a display's
        # Pair again does: Bumble keeps a failed pairing's session until the link drops).
        window.open(120, by="button")
        assert central.connection is not None
        await asyncio.wait_for(central.connection.disconnect(), TIMEOUT)
        await meter.events.wait("link.disconnected")
        await central.connect(meter.address)
        keys = await central.pair()
        paired = await meter.events.wait("link.paired")
        assert paired["authenticated"]
        assert paired["bonded"]
        assert keys is not None
        assert keys.ltk is not None
        assert keys.ltk.authenticated
        assert meter.policy.numbers == central.delegate.numbers
        assert cbor2.loads(await read_meter_info(central))["meter_id"] == METER_ID
    finally:
        await central.close()
        await meter.close()


async def test_a_bonded_display_reconnects_while_the_window_is_closed(
    air: VirtualAir, tmp_path: Path
) -> None:
    time = ManualTime()
    window = _window(time)
    window.open(120, by="start")
    meter = await start_meter(air, keystore_path=tmp_path / "bonds.json", pairing_window=window)
    central = Central(air)
    try:
        await central.start()
        await central.connect(meter.address)
        await central.pair()
        await meter.events.wait("link.paired")
        assert window.is_open, "a join does not close the window: its time does"
        time.advance(120)
        assert not window.is_open
        assert central.connection is not None
        await asyncio.wait_for(central.connection.disconnect(), TIMEOUT)
        await meter.events.wait("link.disconnected")

        await central.connect(meter.address)
        assert central.connection is not None
        await asyncio.wait_for(central.connection.encrypt(), TIMEOUT)

        encrypted = await meter.events.wait("link.encrypted", count=2)
        assert encrypted["authenticated"]
        assert encrypted["bonded"]
        assert cbor2.loads(await read_meter_info(central))["meter_id"] == METER_ID
        assert len(meter.events.named("link.paired")) == 1
        assert not meter.events.named("pairing.failed")
    finally:
        await central.close()
        await meter.close()


async def test_a_yes_given_after_the_window_closed_refuses_the_pairing(
    air: VirtualAir, tmp_path: Path
) -> None:
    time = ManualTime()
    window = _window(time)
    window.open(120, by="button")
    meter = await start_meter(air, keystore_path=tmp_path / "bonds.json", pairing_window=window)
    answered = meter.policy.confirm

    async def slow_yes(number: int) -> bool:
        time.advance(121)  # the person compared the numbers for longer than the window
        return await answered(number)

    meter.policy.confirm = slow_yes  # type: ignore[method-assign]
    central = Central(air)
    try:
        await central.start()
        await central.connect(meter.address)

        with pytest.raises(ProtocolError):
            await central.pair()

        failed = await meter.events.wait("pairing.failed")
        assert failed["reason"] == "window-closed"
        assert len(meter.policy.numbers) == 1, "asked while open, answered once closed"
        assert not meter.events.named("link.paired")
        assert await meter.peripheral.forget_bonds() == 0
    finally:
        await central.close()
        await meter.close()
