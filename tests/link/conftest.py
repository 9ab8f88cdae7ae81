"""An in-process virtual air for the link tests: two Bumble controllers on one LocalLink.

The central is the IHD's own Device (:func:`build_bumble_device`), the peripheral a small test
meter built here with Bumble's GATT server: a service whose characteristics all need an
authenticated, encrypted link, as the real profile's do.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bumble import hci
from bumble.att import ATT_Error, Attribute, ErrorCode
from bumble.controller import Controller
from bumble.core import AdvertisingData
from bumble.device import Connection, Device
from bumble.gatt import Characteristic, CharacteristicValue, Descriptor, Service
from bumble.host import Host
from bumble.link import LocalLink
from bumble.pairing import PairingConfig
from bumble.transport.common import AsyncPipeSink

from ihd_app.link.bumble_backend import BumbleBleakClient, BumbleBleakScanner, PairingEvent
from ihd_app.link.bumble_host import build_bumble_device
from ihd_app.link.pairing import AnswersPairingDelegate, AutoAccept, PairingAnswers

#: Seconds any single awaited step of a test may take.
STEP = 5.0

SERVICE_UUID = "8e4d0001-5a1e-4c3b-9f00-1ed000000000"
INFO_UUID = "8e4d0002-5a1e-4c3b-9f00-1ed000000000"
METERING_UUID = "8e4d0003-5a1e-4c3b-9f00-1ed000000000"
MESSAGES_UUID = "8e4d0004-5a1e-4c3b-9f00-1ed000000000"
INBOX_UUID = "8e4d0005-5a1e-4c3b-9f00-1ed000000000"
OPEN_UUID = "8e4d0006-5a1e-4c3b-9f00-1ed000000000"
NOTE_UUID = "8e4d0007-5a1e-4c3b-9f00-1ed000000000"
OTHER_SERVICE_UUID = "0000feed-0000-1000-8000-00805f9b34fb"

METER_NAME = "Test Meter"
METER_ADDRESS = "C0:00:00:00:00:02"
IHD_ADDRESS = "C0:00:00:00:00:01"
INFO_VALUE = b"meter-info:00-1D-A6-00-00-00-00-01"

SECURE_READ = (
    Attribute.Permissions.READABLE
    | Attribute.Permissions.READ_REQUIRES_ENCRYPTION
    | Attribute.Permissions.READ_REQUIRES_AUTHENTICATION
)
SECURE_WRITE = (
    Attribute.Permissions.WRITEABLE
    | Attribute.Permissions.WRITE_REQUIRES_ENCRYPTION
    | Attribute.Permissions.WRITE_REQUIRES_AUTHENTICATION
)


def meter_advertising_data() -> bytes:
    """Flags, complete name, the service's 128-bit UUID and a TX power of -8 dBm (31 bytes)."""
    return bytes(
        AdvertisingData(
            [
                (AdvertisingData.Type.FLAGS, bytes([0x06])),
                (AdvertisingData.Type.COMPLETE_LOCAL_NAME, METER_NAME.encode()),
                (
                    AdvertisingData.Type.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
                    bytes(reversed(bytes.fromhex(SERVICE_UUID.replace("-", "")))),
                ),
                (AdvertisingData.Type.TX_POWER_LEVEL, bytes([0xF8])),
            ]
        )
    )


@dataclass
class Meter:
    """The test peripheral and what it saw."""

    device: Device
    answers: PairingAnswers
    info: Characteristic[bytes]
    metering: Characteristic[bytes]
    messages: Characteristic[bytes]
    inbox_writes: asyncio.Queue[bytes]
    subscriptions: asyncio.Queue[tuple[str, bool, bool]]
    connections: list[Connection] = field(default_factory=list)

    @property
    def connection(self) -> Connection:
        """The meter's one live connection."""
        live = [c for c in self.connections if c.handle in self.device.connections]
        assert len(live) == 1, live
        return live[0]

    async def start_advertising(self) -> None:
        await self.device.start_advertising(
            advertising_data=meter_advertising_data(),
            auto_restart=True,
            advertising_interval_min=20,
            advertising_interval_max=20,
        )


class CancellableController(Controller):
    """Bumble's virtual controller with LE Create Connection Cancel done as the spec says.

    Bumble 0.0.236's controller only acknowledges the command: the pending connection stays,
    no LE Connection Complete (Unknown Connection Identifier) follows, so a timed-out connect
    never returns from Bumble and every later connect is refused with Command Disallowed.
    """

    def on_hci_le_create_connection_cancel_command(
        self, command: hci.HCI_LE_Create_Connection_Cancel_Command
    ) -> hci.HCI_StatusReturnParameters:
        pending = self.pending_le_connection
        if pending is None:
            return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR)
        self.pending_le_connection = None
        failure = hci.HCI_LE_Connection_Complete_Event(
            status=hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR,
            connection_handle=0,
            role=hci.Role.CENTRAL,
            peer_address_type=pending.peer_address_type,
            peer_address=pending.peer_address,
            connection_interval=0,
            peripheral_latency=0,
            supervision_timeout=0,
            central_clock_accuracy=0,
        )
        # After this command's Command Complete, as a real controller sends them.
        asyncio.get_running_loop().call_soon(self.send_hci_packet, failure)
        return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)


def _add_controller(link: LocalLink, name: str) -> tuple[Controller, Host]:
    controller = CancellableController(name, link=link)
    return controller, Host(controller, AsyncPipeSink(controller))


def _refuse_write(_connection: Connection, _value: bytes) -> None:
    raise ATT_Error(ErrorCode.WRITE_NOT_PERMITTED)


def build_meter(link: LocalLink, answers: PairingAnswers) -> Meter:
    """Create the test meter's Device on a new controller of ``link`` (not powered on)."""
    _, host = _add_controller(link, "meter")
    device = Device(name=METER_NAME, address=hci.Address(METER_ADDRESS), host=host)
    inbox_writes: asyncio.Queue[bytes] = asyncio.Queue()
    subscriptions: asyncio.Queue[tuple[str, bool, bool]] = asyncio.Queue()

    info = Characteristic(INFO_UUID, Characteristic.Properties.READ, SECURE_READ, INFO_VALUE)
    metering = Characteristic(
        METERING_UUID,
        Characteristic.Properties.READ | Characteristic.Properties.NOTIFY,
        SECURE_READ,
        b"\x00",
    )
    messages = Characteristic(MESSAGES_UUID, Characteristic.Properties.INDICATE, SECURE_READ, b"")
    inbox = Characteristic(
        INBOX_UUID,
        Characteristic.Properties.WRITE | Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
        SECURE_WRITE,
        CharacteristicValue(write=lambda _connection, value: inbox_writes.put_nowait(value)),
    )
    note = Descriptor(
        NOTE_UUID,
        Attribute.Permissions.READABLE | Attribute.Permissions.WRITEABLE,
        bytearray(b"note"),
    )
    open_info = Characteristic(
        OPEN_UUID,
        Characteristic.Properties.READ,
        Attribute.Permissions.READABLE,
        # Bumble's server does not check READABLE/WRITEABLE itself: refuse writes here.
        CharacteristicValue(read=lambda _connection: b"open", write=_refuse_write),
        descriptors=[note],
    )
    device.add_service(Service(SERVICE_UUID, [info, metering, messages, inbox, open_info]))

    meter = Meter(device, answers, info, metering, messages, inbox_writes, subscriptions)

    def on_subscription(
        _connection: Connection, characteristic: Characteristic[bytes], notify: bool, indicate: bool
    ) -> None:
        subscriptions.put_nowait((str(characteristic.uuid).lower(), notify, indicate))

    device.on("characteristic_subscription", on_subscription)
    device.on(Device.EVENT_CONNECTION, meter.connections.append)
    device.pairing_config_factory = lambda _connection: PairingConfig(
        sc=True, mitm=True, bonding=True, delegate=AnswersPairingDelegate(meter.answers)
    )
    return meter


async def settle() -> None:
    """Let every task the test left behind finish; fail on any that will not."""
    current = asyncio.current_task()
    pending = [task for task in asyncio.all_tasks() if task is not current and not task.done()]
    if pending:
        _, still_pending = await asyncio.wait(pending, timeout=STEP)
        assert not still_pending, f"tasks left running: {still_pending}"


@dataclass
class Air:
    """A virtual air: the IHD's central Device and the test meter, both powered on."""

    link: LocalLink
    central: Device
    central_answers: AutoAccept
    meter: Meter
    keystore_path: Path
    events: list[PairingEvent] = field(default_factory=list)

    def scanner(self, **kwargs: object) -> BleakScanner:
        return BleakScanner(backend=BumbleBleakScanner, bumble_device=self.central, **kwargs)

    async def find_meter(self) -> BLEDevice:
        found = await BleakScanner.find_device_by_filter(
            lambda device, _adv: device.address == METER_ADDRESS,
            timeout=STEP,
            backend=BumbleBleakScanner,
            bumble_device=self.central,
        )
        assert found is not None
        return found

    def client(
        self,
        device: BLEDevice | str,
        disconnected: Callable[[BleakClient], None] | None = None,
        **kwargs: object,
    ) -> BleakClient:
        return BleakClient(
            device,
            disconnected,
            backend=BumbleBleakClient,
            bumble_device=self.central,
            on_pairing_event=self.events.append,
            **kwargs,
        )


def build_central(link: LocalLink, keystore_path: Path, answers: PairingAnswers) -> Device:
    """The IHD's Device, exactly as :func:`open_bumble_host` builds it, on ``link``."""
    controller, _ = _add_controller(link, "ihd")
    return build_bumble_device(
        controller,
        AsyncPipeSink(controller),
        name="Test IHD",
        address=IHD_ADDRESS,
        keystore_path=keystore_path,
        pairing=answers,
    )


@pytest.fixture
async def air(tmp_path: Path) -> AsyncIterator[Air]:
    link = LocalLink()
    answers = AutoAccept()
    keystore_path = tmp_path / "bonds.json"
    central = build_central(link, keystore_path, answers)
    meter = build_meter(link, AutoAccept())
    await central.power_on()
    await meter.device.power_on()
    await meter.start_advertising()
    yield Air(link, central, answers, meter, keystore_path)
    for device in (central, meter.device):
        for connection in list(device.connections.values()):
            await connection.disconnect()
    await meter.device.stop_advertising()
    await central.power_off()
    await meter.device.power_off()
    await settle()
