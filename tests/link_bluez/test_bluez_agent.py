"""The BlueZ pairing agent, driven by a fake bluetoothd over a private dbus-daemon."""

# No ``from __future__ import annotations``: the fake AgentManager1 below is a dbus-fast
# ServiceInterface, which cannot read a postponed ``-> None`` as an empty D-Bus signature.

import asyncio
import select
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from dbus_fast import DBusError, Message, MessageType, RequestNameReply
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusObjectPath, DBusStr
from dbus_fast.service import ServiceInterface, dbus_method

from ihd_app.link.bluez_agent import (
    DEFAULT_AGENT_PATH,
    BluezAgentError,
    BluezUnavailableError,
    RegisteredAgent,
    register_agent,
)
from ihd_app.protocol.errors import IhdError

DEVICE = "/org/bluez/hci0/dev_00_11_22_33_44_55"
REJECTED = "org.bluez.Error.Rejected"
CANCELED = "org.bluez.Error.Canceled"

# Bounds on waits that only ever run out when something is broken; they are not used to
# let anything happen.
DAEMON_START_TIMEOUT = 10.0
CALL_TIMEOUT = 5.0

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@pytest.fixture
def bus_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private dbus-daemon, terminated after the test; yields its address."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed")
    # mktemp rather than tmp_path keeps the socket path under the 108-byte sun_path limit.
    directory = tmp_path_factory.mktemp("dbus")
    config = directory / "bus.conf"
    config.write_text(BUS_CONFIG.format(socket=directory / "bus"), encoding="utf-8")
    log = directory / "dbus-daemon.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [daemon, f"--config-file={config}", "--nofork", "--nopidfile", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    try:
        yield _read_address(process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=DAEMON_START_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()


def _read_address(process: subprocess.Popen[bytes], log: Path) -> str:
    # The daemon prints its address only once it is listening, so that line is the
    # readiness signal.
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], DAEMON_START_TIMEOUT)
    line = process.stdout.readline().decode().strip() if ready else ""
    if not line:
        pytest.fail(f"dbus-daemon did not start: {log.read_text(errors='replace').strip()}")
    return line


async def _connect(address: str) -> MessageBus:
    return await MessageBus(bus_address=address).connect()


async def _disconnect(bus: MessageBus) -> None:
    bus.disconnect()
    await bus.wait_for_disconnect()


@pytest.fixture
async def ihd_bus(bus_address: str) -> AsyncIterator[MessageBus]:
    """The IHD's connection, standing in for the system bus."""
    bus = await _connect(bus_address)
    yield bus
    await _disconnect(bus)


class FakeAgentManager(ServiceInterface):
    """``org.bluez.AgentManager1`` that records calls and refuses those it is told to."""

    def __init__(self) -> None:
        super().__init__("org.bluez.AgentManager1")
        self.calls: list[tuple[Any, ...]] = []
        self.refusals: dict[str, str] = {}

    def _record(self, *call: Any) -> None:
        self.calls.append(call)
        if (error := self.refusals.get(call[0])) is not None:
            raise DBusError(error, "refused by the fake")

    @dbus_method(name="RegisterAgent")
    def register_agent(self, agent: DBusObjectPath, capability: DBusStr) -> None:
        self._record("RegisterAgent", agent, capability)

    @dbus_method(name="RequestDefaultAgent")
    def request_default_agent(self, agent: DBusObjectPath) -> None:
        self._record("RequestDefaultAgent", agent)

    @dbus_method(name="UnregisterAgent")
    def unregister_agent(self, agent: DBusObjectPath) -> None:
        self._record("UnregisterAgent", agent)


class FakeBluetoothd:
    """Owns ``org.bluez`` and, like bluetoothd, calls back the agent that registered."""

    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus
        self.manager = FakeAgentManager()
        self.agent_owner: str | None = None
        self.agent_path: str | None = None

    @classmethod
    async def start(cls, address: str) -> "FakeBluetoothd":
        fake = cls(await _connect(address))
        fake.bus.export("/org/bluez", fake.manager)
        fake.bus.add_message_handler(fake._note_agent)
        reply = await fake.bus.request_name("org.bluez")
        assert reply == RequestNameReply.PRIMARY_OWNER
        return fake

    def _note_agent(self, msg: Message) -> None:
        # bluetoothd calls the agent on the connection that registered it, which the
        # ServiceInterface method cannot see, hence this observer.
        if msg.interface == "org.bluez.AgentManager1" and msg.member == "RegisterAgent":
            self.agent_owner = msg.sender
            self.agent_path = msg.body[0]

    async def ask(self, member: str, signature: str = "", *body: Any) -> Message:
        """Call ``org.bluez.Agent1.<member>`` on the registered agent and return the reply."""
        assert self.agent_owner is not None
        assert self.agent_path is not None
        async with asyncio.timeout(CALL_TIMEOUT):
            return await self.bus.call(
                Message(
                    destination=self.agent_owner,
                    path=self.agent_path,
                    interface="org.bluez.Agent1",
                    member=member,
                    signature=signature,
                    body=list(body),
                )
            )


@pytest.fixture
async def bluetoothd(bus_address: str) -> AsyncIterator[FakeBluetoothd]:
    fake = await FakeBluetoothd.start(bus_address)
    yield fake
    if fake.bus.connected:
        await _disconnect(fake.bus)


class ScriptedAnswers:
    """Answers fixed in advance; ``hold`` keeps questions open until cancelled."""

    def __init__(
        self, *, confirm: bool = True, passkey: int | None = 123456, hold: bool = False
    ) -> None:
        self.confirm = confirm
        self.passkey = passkey
        self.hold = hold
        self.compared: list[int] = []
        self.displayed: list[int] = []
        self.question_open = asyncio.Event()
        self.withdrawn = False

    async def confirm_numeric(self, number: int) -> bool:
        self.compared.append(number)
        await self._maybe_hold()
        return self.confirm

    async def enter_passkey(self) -> int | None:
        await self._maybe_hold()
        return self.passkey

    def display_passkey(self, passkey: int) -> None:
        self.displayed.append(passkey)

    async def _maybe_hold(self) -> None:
        if not self.hold:
            return
        self.question_open.set()
        try:
            await asyncio.get_running_loop().create_future()
        except asyncio.CancelledError:
            self.withdrawn = True
            raise


def assert_error(reply: Message, name: str) -> None:
    assert reply.message_type == MessageType.ERROR, reply.body
    assert reply.error_name == name


async def test_registers_and_requests_default(
    ihd_bus: MessageBus, bluetoothd: FakeBluetoothd
) -> None:
    registered = await register_agent(ihd_bus, ScriptedAnswers())
    assert registered.path == DEFAULT_AGENT_PATH
    assert bluetoothd.manager.calls == [
        ("RegisterAgent", DEFAULT_AGENT_PATH, "KeyboardDisplay"),
        ("RequestDefaultAgent", DEFAULT_AGENT_PATH),
    ]
    assert bluetoothd.agent_owner == ihd_bus.unique_name


async def test_capability_and_path_are_passed_on(
    ihd_bus: MessageBus, bluetoothd: FakeBluetoothd
) -> None:
    await register_agent(ihd_bus, ScriptedAnswers(), capability="DisplayYesNo", path="/x/agent")
    assert bluetoothd.manager.calls[0] == ("RegisterAgent", "/x/agent", "DisplayYesNo")


async def test_unknown_capability_is_refused_before_any_call(
    ihd_bus: MessageBus, bluetoothd: FakeBluetoothd
) -> None:
    with pytest.raises(ValueError, match="Keypad"):
        await register_agent(ihd_bus, ScriptedAnswers(), capability="Keypad")
    assert bluetoothd.manager.calls == []


async def test_accepted_confirmation_returns_normally(
    ihd_bus: MessageBus, bluetoothd: FakeBluetoothd
) -> None:
    answers = ScriptedAnswers(confirm=True)
    await register_agent(ihd_bus, answers)
    reply = await bluetoothd.ask("RequestConfirmation", "ou", DEVICE, 4321)
    assert reply.message_type == MessageType.METHOD_RETURN
    assert answers.compared == [4321]


async def test_rejected_confirmation_is_org_bluez_rejected(
    ihd_bus: MessageBus, bluetoothd: FakeBluetoothd
) -> None:
    await register_agent(ihd_bus, ScriptedAnswers(confirm=False))
    assert_error(await bluetoothd.ask("RequestConfirmation", "ou", DEVICE, 4321), REJECTED)


async def test_request_passkey_returns_the_passkey(
    ihd_bus: MessageBus, bluetoothd: FakeBluetoothd
) -> None:
    await register_agent(ihd_bus, ScriptedAnswers(passkey=654321))
    reply = await bluetoothd.ask("RequestPasskey", "o", DEVICE)
    assert reply.message_type == MessageType.METHOD_RETURN
    assert (reply.signature, reply.body) == ("u", [654321])


@pytest.mark.parametrize(
    ("passkey", "error"), [(None, CANCELED), (1_000_000, REJECTED)], ids=["none", "too-big"]
)
async def test_request_passkey_without_a_valid_passkey_fails(
    ihd_bus: MessageBus, bluetoothd: FakeBluetoothd, passkey: int | None, error: str
) -> None:
    await register_agent(ihd_bus, ScriptedAnswers(passkey=passkey))
    assert_error(await bluetoothd.ask("RequestPasskey", "o", DEVICE), error)


async def test_display_passkey_reaches_the_answers(
    ihd_bus: MessageBus, bluetoothd: FakeBluetoothd
) -> None:
    answers = ScriptedAnswers()
    await register_agent(ihd_bus, answers)
    reply = await bluetoothd.ask("DisplayPasskey", "ouq", DEVICE, 12345, 0)
    assert reply.message_type == MessageType.METHOD_RETURN
    assert answers.displayed == [12345]


@pytest.mark.parametrize(
    ("member", "question"),
    [
        ("RequestConfirmation", ("ou", DEVICE, 4321)),
        ("RequestPasskey", ("o", DEVICE)),
    ],
)
async def test_cancel_withdraws_the_open_question(
    ihd_bus: MessageBus, bluetoothd: FakeBluetoothd, member: str, question: tuple[Any, ...]
) -> None:
    answers = ScriptedAnswers(hold=True)
    await register_agent(ihd_bus, answers)
    pending = asyncio.create_task(bluetoothd.ask(member, *question))
    async with asyncio.timeout(CALL_TIMEOUT):
        await answers.question_open.wait()
    cancel = await bluetoothd.ask("Cancel")
    assert cancel.message_type == MessageType.METHOD_RETURN
    assert_error(await pending, CANCELED)
    assert answers.withdrawn


@pytest.mark.parametrize(
    "request_",
    [
        ("RequestPinCode", "o", DEVICE),
        ("DisplayPinCode", "os", DEVICE, "0000"),
        ("RequestAuthorization", "o", DEVICE),
        ("AuthorizeService", "os", DEVICE, "0000180f-0000-1000-8000-00805f9b34fb"),
    ],
    ids=lambda request: request[0],
)
async def test_requests_the_ihd_never_makes_are_rejected(
    ihd_bus: MessageBus, bluetoothd: FakeBluetoothd, request_: tuple[Any, ...]
) -> None:
    answers = ScriptedAnswers()
    await register_agent(ihd_bus, answers)
    assert_error(await bluetoothd.ask(*request_), REJECTED)
    assert answers.compared == answers.displayed == []


async def assert_unexported(bluetoothd: FakeBluetoothd) -> None:
    reply = await bluetoothd.ask("Cancel")
    assert reply.message_type == MessageType.ERROR
    assert reply.error_name is not None
    assert reply.error_name.startswith("org.freedesktop.DBus.Error.Unknown")


async def test_unregister_unregisters_and_unexports_once(
    ihd_bus: MessageBus, bluetoothd: FakeBluetoothd
) -> None:
    registered = await register_agent(ihd_bus, ScriptedAnswers())
    await registered.unregister()
    await registered.unregister()
    assert bluetoothd.manager.calls[2:] == [("UnregisterAgent", DEFAULT_AGENT_PATH)]
    await assert_unexported(bluetoothd)


async def test_unregister_after_release_only_unexports(
    ihd_bus: MessageBus, bluetoothd: FakeBluetoothd
) -> None:
    registered = await register_agent(ihd_bus, ScriptedAnswers())
    assert (await bluetoothd.ask("Release")).message_type == MessageType.METHOD_RETURN
    assert registered.agent.released
    await registered.unregister()
    assert [call[0] for call in bluetoothd.manager.calls] == [
        "RegisterAgent",
        "RequestDefaultAgent",
    ]
    await assert_unexported(bluetoothd)


async def test_unregister_after_bluetoothd_exits_is_quiet(
    ihd_bus: MessageBus, bluetoothd: FakeBluetoothd
) -> None:
    registered = await register_agent(ihd_bus, ScriptedAnswers())
    await _disconnect(bluetoothd.bus)
    await registered.unregister()


async def test_without_bluez_registration_fails_clearly(ihd_bus: MessageBus) -> None:
    for _ in range(2):  # the second attempt proves the first one unexported the agent
        with pytest.raises(BluezUnavailableError) as caught:
            await register_agent(ihd_bus, ScriptedAnswers())
        assert isinstance(caught.value, IhdError)
        assert str(caught.value) == (
            "BlueZ is not running on the system bus: is bluetoothd started?"
        )
        assert isinstance(caught.value.__cause__, DBusError)
        assert caught.value.__cause__.type == "org.freedesktop.DBus.Error.ServiceUnknown"


async def test_refused_registration_leaves_nothing_exported(
    ihd_bus: MessageBus, bluetoothd: FakeBluetoothd
) -> None:
    bluetoothd.manager.refusals["RegisterAgent"] = "org.bluez.Error.AlreadyExists"
    with pytest.raises(BluezAgentError, match=r"org\.bluez\.Error\.AlreadyExists") as caught:
        await register_agent(ihd_bus, ScriptedAnswers())
    assert not isinstance(caught.value, BluezUnavailableError)
    del bluetoothd.manager.refusals["RegisterAgent"]
    assert isinstance(await register_agent(ihd_bus, ScriptedAnswers()), RegisteredAgent)


async def test_refused_default_backs_out_the_registration(
    ihd_bus: MessageBus, bluetoothd: FakeBluetoothd
) -> None:
    bluetoothd.manager.refusals["RequestDefaultAgent"] = "org.bluez.Error.DoesNotExist"
    with pytest.raises(BluezAgentError, match="default"):
        await register_agent(ihd_bus, ScriptedAnswers())
    assert bluetoothd.manager.calls[-1] == ("UnregisterAgent", DEFAULT_AGENT_PATH)
    await assert_unexported(bluetoothd)
