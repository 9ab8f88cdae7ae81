"""The whole stack in one process: MeterRuntime on the virtual air, the IHD's MeterLink on it.

Used where a second process adds nothing: passkey entry, a rejected comparison, unpaired access,
units larger than many ATT packets in both directions, and a signed message reaching the IHD.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from bleak import BleakClient

from ihd_app.link.bumble_backend import BumbleAttError
from ihd_app.link.meter_link import MeterLink, PairingRefusedError
from ihd_app.link.pairing import AutoAccept, PairingAnswers, RejectAll
from ihd_app.link.radios import OpenRadio, open_radio
from ihd_app.protocol import gatt_profile
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import TrustStore, load_identity
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.resources import default_policy_path, demo_pki_dir, demo_trust_dir
from ihd_app.service.handshake import DisplayHandshake
from meter_emulator.config import MeterConfig
from meter_emulator.gatt import CallbackPolicy, PairingMode
from meter_emulator.runtime import MeterRuntime
from tests.e2e.programs import free_port
from tests.event_waiting import Events


@dataclass
class Received:
    """What the IHD side got."""

    metering: list[bytes] = field(default_factory=list)
    messages: asyncio.Queue[bytes] = field(default_factory=asyncio.Queue)
    events: list[dict[str, Any]] = field(default_factory=list)

    def emit(self, event: str, **fields: Any) -> None:
        self.events.append({"event": event, **fields})


@dataclass
class Stack:
    meter: MeterRuntime
    meter_events: list[dict[str, Any]]
    radio: OpenRadio
    link: MeterLink
    received: Received


#: The meter's event waiter per radio port (its events are also kept as a list).
_WAITERS: dict[int, Events] = {}


def display_handshake(received: Received) -> DisplayHandshake:
    """The display's real handshake, as the DEMO display."""
    return DisplayHandshake.standalone(
        load_identity(demo_pki_dir(), "ihd"),
        TrustStore.from_directory(demo_trust_dir()),
        Policy.from_file(default_policy_path()),
        received.emit,
    )


@pytest.fixture
def port() -> int:
    return free_port()


async def _meter(tmp_path: Path, port: int, **config: Any) -> tuple[MeterRuntime, list[Any]]:
    events = EventLog()
    seen: list[dict[str, Any]] = []
    events.subscribe(seen.append)
    _WAITERS[port] = Events(events)
    meter = MeterRuntime(
        MeterConfig(
            radio=RadioSpec.parse(f"virtual:{port}"), data_dir=tmp_path / "meter", **config
        ),
        events,
    )
    await meter.start()
    return meter, seen


async def _ihd(
    tmp_path: Path, port: int, answers: PairingAnswers
) -> tuple[OpenRadio, MeterLink, Received]:
    received = Received()
    radio = await open_radio(
        RadioSpec.parse(f"virtual:{port}"), data_dir=tmp_path / "ihd", pairing=answers
    )
    link = MeterLink(
        radio.backend,
        emit=received.emit,
        on_metering=received.metering.append,
        on_message=received.messages.put_nowait,
        on_history=lambda _unit: None,
        handshake=display_handshake(received),
    )
    return radio, link, received


@pytest.fixture
async def stack(tmp_path: Path, port: int) -> AsyncIterator[Stack]:
    meter, meter_events = await _meter(tmp_path, port)
    radio, link, received = await _ihd(tmp_path, port, AutoAccept())
    found = await link.find_meter()
    await link.connect(found.device)
    # The meter serves the display once its proof's indication is confirmed.
    await _WAITERS[port].wait("session.established")
    yield Stack(meter, meter_events, radio, link, received)
    await link.close()
    await radio.close()
    await meter.close()


async def test_two_kib_message_crosses_in_many_indications(stack: Stack) -> None:
    envelope = os.urandom(2048)
    await stack.meter.send_envelope(envelope)  # returns once every segment was confirmed
    assert await asyncio.wait_for(stack.received.messages.get(), 10) == envelope
    assert stack.link.mtu == 247  # so 2 KiB took 9 indications


async def test_two_kib_unit_reaches_the_meter_through_segmented_writes(stack: Stack) -> None:
    # Not a valid envelope: the meter must refuse it with a reason, not choke on its size.
    await stack.link.send(os.urandom(2048))
    assert any(e["event"] == "ihd.rejected" for e in stack.meter_events)
    rejected = next(e for e in stack.meter_events if e["event"] == "ihd.rejected")
    assert rejected["reason"] == "malformed"


async def test_link_security_is_read_back_from_the_stack(stack: Stack) -> None:
    security = stack.link.security
    assert security.encrypted
    assert security.authenticated
    assert security.bonded
    assert security.secure_connections


async def test_forget_with_no_link_up_deletes_the_bond(stack: Stack) -> None:
    # The consumer forgets the meter while it is away: the display's radio is open, no link.
    address = stack.link.address
    assert address is not None
    await stack.link.close()
    bonds = stack.radio.backend.client_kwargs["bumble_device"].keystore
    assert await bonds.get_all(), "paired: a bond is stored"
    later = MeterLink(
        stack.radio.backend,
        emit=stack.received.emit,
        on_metering=lambda _unit: None,
        on_message=lambda _unit: None,
        on_history=lambda _unit: None,
    )
    await later.forget(address)
    assert not await bonds.get_all(), "every copy of the bond deleted"

    # The next connection pairs anew (the meter still has its half, so it is asked again).
    again = MeterLink(
        stack.radio.backend,
        emit=stack.received.emit,
        on_metering=lambda _unit: None,
        on_message=lambda _unit: None,
        on_history=lambda _unit: None,
    )
    try:
        await again.connect((await again.find_meter()).device)
        paired = [e for e in stack.received.events if e["event"] == "link.paired"]
        assert [e["keys"] for e in paired] == ["new", "new"]
    finally:
        await again.close()


async def test_unpaired_client_is_refused_with_insufficient_authentication(
    tmp_path: Path, port: int
) -> None:
    meter, _ = await _meter(tmp_path, port)
    radio, link, _ = await _ihd(tmp_path, port, RejectAll())
    try:
        found = await link.find_meter()
        client = BleakClient(found.device, **radio.backend.client_kwargs)
        await client.connect()  # connecting is allowed; reading anything is not
        with pytest.raises(BumbleAttError) as refused:
            await client.read_gatt_char(gatt_profile.characteristic("Meter Info").uuid)
        assert refused.value.att_error_code == gatt_profile.ATT_ERROR_INSUFFICIENT_AUTHENTICATION
        await client.disconnect()
    finally:
        await link.close()
        await radio.close()
        await meter.close()


@dataclass
class Typist:
    """A person reading the passkey off the meter's screen and typing it on the display."""

    shown: asyncio.Future[int]
    typo: bool = False

    async def confirm_numeric(self, number: int) -> bool:
        raise AssertionError("passkey mode must not ask for a numeric comparison")

    async def enter_passkey(self) -> int | None:
        passkey = await asyncio.wait_for(self.shown, 10)
        return (passkey + 1) % 1_000_000 if self.typo else passkey

    def display_passkey(self, passkey: int) -> None:
        raise AssertionError("the display types the passkey, it does not show one")


async def _passkey_stack(tmp_path: Path, port: int, typo: bool) -> tuple[Any, ...]:
    shown: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def never(number: int) -> bool:
        raise AssertionError("passkey mode must not ask the meter to compare numbers")

    policy = CallbackPolicy(confirm=never, display_passkey=shown.set_result)
    meter, meter_events = await _meter(
        tmp_path, port, pairing_mode=PairingMode.PASSKEY_DISPLAY, pairing_policy=policy
    )
    radio, link, received = await _ihd(tmp_path, port, Typist(shown, typo))
    return meter, meter_events, radio, link, received


async def test_passkey_entry_pairs_with_mitm_protection(tmp_path: Path, port: int) -> None:
    meter, meter_events, radio, link, _ = await _passkey_stack(tmp_path, port, typo=False)
    try:
        await link.connect((await link.find_meter()).device)
        assert link.security.authenticated
        paired = next(e for e in meter_events if e["event"] == "link.paired")
        assert "passkey" in paired
    finally:
        await link.close()
        await radio.close()
        await meter.close()


async def test_mistyped_passkey_fails_pairing(tmp_path: Path, port: int) -> None:
    meter, meter_events, radio, link, _ = await _passkey_stack(tmp_path, port, typo=True)
    try:
        with pytest.raises(PairingRefusedError):
            await link.connect((await link.find_meter()).device)
        assert any(e["event"] == "pairing.failed" for e in meter_events)
    finally:
        await link.close()
        await radio.close()
        await meter.close()


async def test_mismatched_numeric_comparison_fails_pairing(tmp_path: Path, port: int) -> None:
    async def meter_says_no(number: int) -> bool:
        return False

    policy = CallbackPolicy(confirm=meter_says_no, display_passkey=lambda _p: None)
    meter, meter_events = await _meter(tmp_path, port, pairing_policy=policy)
    radio, link, received = await _ihd(tmp_path, port, AutoAccept())
    try:
        with pytest.raises(PairingRefusedError):
            await link.connect((await link.find_meter()).device)
        assert any(e["event"] == "pairing.failed" for e in meter_events)
        assert not received.metering
    finally:
        await link.close()
        await radio.close()
        await meter.close()


async def test_a_dropped_link_lets_go_of_its_client_before_reconnecting(
    tmp_path: Path, port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On BlueZ a client whose link dropped keeps its own D-Bus connection until disconnect() is
    # called, and BlueZ turns that connection's notification sessions on again when the meter
    # reconnects: in the clean-clone CI run every notification then reached the display twice
    # (each History unit's last segment again, after the unit was complete: "continues a unit
    # that never started") and BlueZ refused to tell the MTU, so every write was 20 bytes.
    meter, _ = await _meter(tmp_path, port)
    log = EventLog()
    events = Events(log)
    radio = await open_radio(
        RadioSpec.parse(f"virtual:{port}"), data_dir=tmp_path / "ihd", pairing=AutoAccept()
    )
    link = MeterLink(
        radio.backend,
        emit=log.emit,
        on_metering=lambda _unit: None,
        on_message=lambda _unit: None,
        on_history=lambda _unit: None,
        handshake=display_handshake(Received()),
    )
    disconnect = BleakClient.disconnect

    async def released(client: BleakClient) -> None:
        log.emit("test.client-released", address=client.address)
        await disconnect(client)

    monkeypatch.setattr(BleakClient, "disconnect", released)
    try:
        await link.connect((await link.find_meter()).device)
        await _WAITERS[port].wait("session.established")
        await meter.drop_link()
        await events.wait_count("link.ready", 2, timeout=30)
        names = [e["event"] for e in events.seen]
        dropped = names.index("link.disconnected")
        again = names.index("link.connected", dropped)
        assert "test.client-released" in names[dropped:again], names
    finally:
        await link.close()
        await radio.close()
        await meter.close()
