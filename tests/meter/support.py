"""Test harness for the meter's BLE side: a meter on a virtual air and a plain Bumble central."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from bumble.device import Connection, Device, DeviceConfiguration, Peer
from bumble.gatt_client import CharacteristicProxy
from bumble.hci import Address
from bumble.host import Host
from bumble.keys import PairingKeys
from bumble.pairing import PairingConfig, PairingDelegate

from ihd_app.protocol import gatt_profile
from ihd_app.protocol.radio_spec import RadioKind, RadioSpec, free_virtual_port
from ihd_app.protocol.segmentation.reassembler import Reassembler
from ihd_app.protocol.segmentation.segmenter import Segmenter
from meter_emulator.gatt import (
    MeterGattServer,
    MeterInfo,
    MeterPeripheral,
    PairingMode,
    PairingWindow,
    advertised_name,
)
from meter_emulator.gatt.served_link import DisplaySession
from meter_emulator.radio import (
    IHD_CONTROLLER_ADDRESS,
    METER_CONTROLLER_ADDRESS,
    MeterRadio,
    VirtualAir,
)
from tests.support import IHD_ID, METER_ID

#: Tests name it for what it is used for here.
free_port = free_virtual_port

#: Generous bound on any single wait: the virtual air answers in milliseconds.
TIMEOUT = 5.0


class EventRecorder:
    """An ``on_event`` sink that tests can wait on."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, object]]] = []
        self._changed = asyncio.Event()

    def __call__(self, name: str, /, **fields: object) -> None:
        self.events.append((name, fields))
        self._changed.set()

    def named(self, name: str) -> list[dict[str, object]]:
        """Return the fields of every event with this name, in order."""
        return [fields for event, fields in self.events if event == name]

    async def wait(self, name: str, *, count: int = 1) -> dict[str, object]:
        """Wait until ``count`` events of this name were recorded; return the last's fields."""

        async def until() -> dict[str, object]:
            while True:
                found = self.named(name)
                if len(found) >= count:
                    return found[count - 1]
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(until(), TIMEOUT)


class ScriptedPolicy:
    """A meter pairing policy with a fixed answer that records what it was shown."""

    def __init__(self, *, accept: bool = True) -> None:
        self.accept = accept
        self.numbers: list[int] = []
        self.passkey: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def confirm(self, number: int) -> bool:
        self.numbers.append(number)
        return self.accept

    def display_passkey(self, passkey: int) -> None:
        if not self.passkey.done():
            self.passkey.set_result(passkey)


class CentralDelegate(PairingDelegate):
    """The test central's side of pairing: answers and records like a person would."""

    def __init__(
        self,
        io_capability: PairingDelegate.IoCapability,
        *,
        accept: bool = True,
        passkey: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        super().__init__(io_capability=io_capability)
        self.accept_comparison = accept
        self.numbers: list[int] = []
        self._passkey = passkey

    async def compare_numbers(self, number: int, digits: int) -> bool:
        self.numbers.append(number)
        return self.accept_comparison

    async def get_number(self) -> int | None:
        if self._passkey is None:
            return None
        return await self._passkey()


@dataclass
class Subscription:
    """Values received on one characteristic, and the units they reassemble into."""

    segments: list[bytes] = field(default_factory=list)
    units: asyncio.Queue[bytes] = field(default_factory=asyncio.Queue)
    reassembler: Reassembler = field(default_factory=Reassembler)

    def on_value(self, value: bytes) -> None:
        self.segments.append(bytes(value))
        unit = self.reassembler.feed(bytes(value))
        if unit is not None:
            self.units.put_nowait(unit)

    async def next_unit(self) -> bytes:
        return await asyncio.wait_for(self.units.get(), TIMEOUT)


@dataclass
class Meter:
    """A running meter: radio, device, peripheral and GATT server, and what they reported."""

    radio: MeterRadio
    device: Device
    peripheral: MeterPeripheral
    server: MeterGattServer
    policy: ScriptedPolicy
    events: EventRecorder
    units: asyncio.Queue[bytes] = field(default_factory=asyncio.Queue)
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def address(self) -> Address:
        return Address(self.peripheral.address)

    def serve_connected(self, ihd_id: str = IHD_ID, session: str = "test-session") -> None:
        """Mark every connected display as through the handshake (these tests exercise the
        server without it; tests/meter_behaviour and tests/e2e run the real one)."""
        for connection in self.device.connections.values():
            assert self.server.establish(connection, DisplaySession(ihd_id, session))

    async def close(self) -> None:
        await self.peripheral.close()
        await self.server.close()
        await self.radio.close()


METER_INFO = MeterInfo(
    meter_id=METER_ID,
    name=advertised_name(METER_ID),
    certificate_sha256=bytes(range(32)),
)


async def start_meter(
    air: VirtualAir,
    *,
    keystore_path: Path | None = None,
    mode: PairingMode = PairingMode.NUMERIC_COMPARISON,
    accept: bool = True,
    require_authentication: bool = True,
    pairing_window: PairingWindow | None = None,
) -> Meter:
    """Build and start a meter on an already started air (joins any time without a
    ``pairing_window``)."""
    # The radio does not own the air here: the fixture closes it after the test.
    radio = MeterRadio(RadioSpec(RadioKind.VIRTUAL), air.hci_source, air.hci_sink)
    device = radio.create_device(
        advertised_name(METER_ID), address=Address(METER_CONTROLLER_ADDRESS)
    )
    events = EventRecorder()
    policy = ScriptedPolicy(accept=accept)
    peripheral = MeterPeripheral(
        device,
        policy=policy,
        keystore_path=keystore_path,
        mode=mode,
        on_event=events,
        pairing_window=pairing_window,
    )
    units: asyncio.Queue[bytes] = asyncio.Queue()
    errors: list[tuple[str, str]] = []
    server = MeterGattServer(
        device,
        METER_INFO,
        lambda unit, _connection: units.put_nowait(unit),
        on_error=lambda reason, detail: errors.append((reason, detail)),
        security=peripheral.security,
        require_authentication=require_authentication,
    )
    meter = Meter(radio, device, peripheral, server, policy, events, units, errors)
    try:
        await peripheral.start()
    except BaseException:
        await meter.close()
        raise
    return meter


class Central:
    """A plain Bumble central standing in for the IHD, on the same air."""

    def __init__(
        self,
        air: VirtualAir,
        *,
        io_capability: PairingDelegate.IoCapability = (
            PairingDelegate.IoCapability.DISPLAY_OUTPUT_AND_KEYBOARD_INPUT
        ),
        accept: bool = True,
        passkey: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        pair = air.add_local_controller("central", IHD_CONTROLLER_ADDRESS)
        config = DeviceConfiguration(name="test-ihd", address=Address(IHD_CONTROLLER_ADDRESS))
        self.device = Device(config=config, host=Host(pair.source, pair.sink))
        self.delegate = CentralDelegate(io_capability, accept=accept, passkey=passkey)
        # The identity handed out must be the address the central connects with (its static
        # random one), or the meter cannot find the bond when the central comes back.
        self.device.pairing_config_factory = lambda _connection: PairingConfig(
            sc=True,
            mitm=True,
            bonding=True,
            delegate=self.delegate,
            identity_address_type=PairingConfig.AddressType.RANDOM,
        )
        self.connection: Connection | None = None
        self.peer: Peer | None = None

    async def start(self) -> None:
        await self.device.power_on()

    async def connect(self, address: Address) -> Peer:
        """Connect and discover the meter's service."""
        self.connection = await asyncio.wait_for(self.device.connect(address), TIMEOUT)
        self.peer = Peer(self.connection)
        await asyncio.wait_for(self.peer.discover_services(), TIMEOUT)
        await asyncio.wait_for(self.peer.discover_characteristics(), TIMEOUT)
        return self.peer

    async def pair(self) -> PairingKeys | None:
        assert self.connection is not None
        await asyncio.wait_for(self.connection.pair(), TIMEOUT)
        keystore = self.device.keystore
        return None if keystore is None else await keystore.get(str(self.connection.peer_address))

    def characteristic(self, name: str) -> CharacteristicProxy[bytes]:
        assert self.peer is not None
        uuid = gatt_profile.characteristic(name).uuid
        (found,) = self.peer.get_characteristics_by_uuid(uuid)  # type: ignore[arg-type]
        return found

    async def subscribe(self, name: str, *, indicate: bool = False) -> Subscription:
        """Enable notifications (or indications) and reassemble what arrives."""
        assert self.peer is not None
        subscription = Subscription()
        await asyncio.wait_for(
            self.peer.subscribe(
                self.characteristic(name), subscription.on_value, prefer_notify=not indicate
            ),
            TIMEOUT,
        )
        return subscription

    async def close(self) -> None:
        if self.connection is not None and self.connection.handle in self.device.connections:
            await asyncio.wait_for(self.connection.disconnect(), TIMEOUT)
        await self.device.power_off()


async def write_unit(central: Central, unit: bytes) -> None:
    """Write ``unit`` to IHD to Meter, segmented to the link's MTU, each write answered."""
    assert central.peer is not None
    assert central.connection is not None
    characteristic = central.characteristic("IHD to Meter")
    for segment in Segmenter(central.connection.att_mtu).segment(unit):
        await asyncio.wait_for(
            central.peer.write_value(characteristic, segment, with_response=True), TIMEOUT
        )
