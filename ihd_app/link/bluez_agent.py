"""A BlueZ pairing agent (``org.bluez.Agent1``) on dbus-fast, because bleak ships none.

On Linux with the ``system`` radio, bluetoothd asks a registered agent whenever pairing
needs a human: to compare a six-digit number (numeric comparison), to type the passkey a
dev board shows (passkey entry), or to show a passkey the board's keypad must type. Without
an agent BlueZ pairs as NoInputNoOutput (just works), which a board that demands protection
against man-in-the-middle attacks refuses.

:func:`register_agent` exports a :class:`BluezPairingAgent` on an injected
:class:`~dbus_fast.aio.MessageBus` and makes it BlueZ's default agent; the answers come from
a :class:`PairingAnswers` object (normally the UI).

Typical use::

    bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    agent = await register_agent(bus, answers)
    try:
        ...  # pair with bleak
    finally:
        await agent.unregister()
"""

# No ``from __future__ import annotations`` here: dbus-fast derives the D-Bus signatures from
# the method annotations at class creation, and a postponed ``-> None`` becomes the string
# "None", which dbus-fast evaluates to ``None`` and then rejects as a signature.

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, Final, Protocol, TypeVar

from dbus_fast import DBusError, ErrorType, Message, MessageType
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusObjectPath, DBusStr, DBusUInt16, DBusUInt32
from dbus_fast.service import ServiceInterface, dbus_method

from ihd_app.protocol.errors import IhdError

__all__ = [
    "AGENT_CAPABILITIES",
    "DEFAULT_AGENT_PATH",
    "BluezAgentError",
    "BluezPairingAgent",
    "BluezUnavailableError",
    "PairingAnswers",
    "RegisteredAgent",
    "register_agent",
]

_LOGGER = logging.getLogger(__name__)

_T = TypeVar("_T")

BLUEZ_BUS_NAME: Final = "org.bluez"
AGENT_MANAGER_PATH: Final = "/org/bluez"
AGENT_MANAGER_INTERFACE: Final = "org.bluez.AgentManager1"
AGENT_INTERFACE: Final = "org.bluez.Agent1"
ERROR_REJECTED: Final = "org.bluez.Error.Rejected"
ERROR_CANCELED: Final = "org.bluez.Error.Canceled"

DEFAULT_AGENT_PATH: Final = "/org/ihd/agent"

AGENT_CAPABILITIES: Final = frozenset(
    {"DisplayOnly", "DisplayYesNo", "KeyboardOnly", "NoInputNoOutput", "KeyboardDisplay"}
)
"""The IO capabilities ``org.bluez.AgentManager1.RegisterAgent`` accepts."""

_MAX_PASSKEY: Final = 999_999

# The bus daemon answers a call to an unowned name with ServiceUnknown, or NameHasNoOwner
# if the call forbade auto-starting; both mean "no bluetoothd".
_BLUEZ_ABSENT: Final = frozenset(
    {ErrorType.SERVICE_UNKNOWN.value, ErrorType.NAME_HAS_NO_OWNER.value}
)

# Unregistering an agent BlueZ has already forgotten (bluetoothd restarted, or it sent
# Release) is the outcome the caller wanted, so these errors are not failures.
_ALREADY_UNREGISTERED: Final = _BLUEZ_ABSENT | {"org.bluez.Error.DoesNotExist"}

_BLUEZ_NOT_RUNNING: Final = "BlueZ is not running on the system bus: is bluetoothd started?"


class BluezAgentError(IhdError):
    """BlueZ refused to register, promote or unregister the pairing agent."""


class BluezUnavailableError(BluezAgentError):
    """Nobody owns ``org.bluez`` on the bus: bluetoothd is not running."""


class PairingAnswers(Protocol):
    """Whoever answers BlueZ's pairing questions, normally the UI."""

    async def confirm_numeric(self, number: int) -> bool:
        """Ask whether ``number`` matches the one the meter shows (numeric comparison)."""
        ...

    async def enter_passkey(self) -> int | None:
        """Ask for the passkey the meter shows, or ``None`` if the user gave up."""
        ...

    def display_passkey(self, passkey: int) -> None:
        """Show ``passkey`` so the user can type it on the meter."""
        ...


class BluezPairingAgent(ServiceInterface):
    """The ``org.bluez.Agent1`` object bluetoothd calls during pairing.

    Numeric comparison and passkey entry are forwarded to the injected
    :class:`PairingAnswers`. Legacy PIN codes, just-works authorisation of pairings the IHD
    did not start, and service authorisation are refused: the IHD only ever pairs over LE
    with a meter it connects to itself, so such requests come from somebody else.

    Args:
        answers: Where the answers come from.
    """

    def __init__(self, answers: PairingAnswers) -> None:
        super().__init__(AGENT_INTERFACE)
        self._answers = answers
        self._questions: set[asyncio.Future[Any]] = set()
        self._released = False

    @property
    def released(self) -> bool:
        """Whether bluetoothd has released this agent (it is then no longer registered)."""
        return self._released

    @dbus_method(name="Release")
    def release(self) -> None:
        """Note that bluetoothd has unregistered the agent, and drop open questions."""
        _LOGGER.info("BlueZ released the pairing agent")
        self._released = True
        self.cancel_questions()

    @dbus_method(name="RequestPinCode")
    def request_pin_code(self, device: DBusObjectPath) -> DBusStr:
        """Refuse: PIN codes belong to BR/EDR legacy pairing, which meters never use."""
        _LOGGER.warning("Refusing a legacy PIN code request from %s", device)
        raise DBusError(ERROR_REJECTED, "legacy PIN code pairing is not supported")

    @dbus_method(name="DisplayPinCode")
    def display_pin_code(self, device: DBusObjectPath, pincode: DBusStr) -> None:
        """Refuse: PIN codes belong to BR/EDR legacy pairing, which meters never use."""
        _LOGGER.warning("Refusing to display a legacy PIN code for %s", device)
        raise DBusError(ERROR_REJECTED, "legacy PIN code pairing is not supported")

    @dbus_method(name="RequestPasskey")
    async def request_passkey(self, device: DBusObjectPath) -> DBusUInt32:
        """Ask for the passkey the meter displays (passkey entry).

        Raises:
            DBusError: ``org.bluez.Error.Canceled`` if the user gave up or BlueZ cancelled;
                ``org.bluez.Error.Rejected`` if the passkey is not six decimal digits.
        """
        _LOGGER.info("BlueZ asks for the passkey of %s", device)
        passkey = await self._ask(self._answers.enter_passkey())
        if passkey is None:
            raise DBusError(ERROR_CANCELED, "the user cancelled passkey entry")
        if not 0 <= passkey <= _MAX_PASSKEY:
            raise DBusError(ERROR_REJECTED, f"a passkey is 0 to {_MAX_PASSKEY}, not {passkey}")
        return passkey

    @dbus_method(name="DisplayPasskey")
    def display_passkey(
        self, device: DBusObjectPath, passkey: DBusUInt32, entered: DBusUInt16
    ) -> None:
        """Show the passkey the meter's keypad must type.

        BlueZ repeats this call as keypress notifications arrive, so the answers object may
        be asked to show the same passkey more than once.
        """
        _LOGGER.info("BlueZ shows passkey for %s (%d digits typed)", device, entered)
        self._answers.display_passkey(passkey)

    @dbus_method(name="RequestConfirmation")
    async def request_confirmation(self, device: DBusObjectPath, passkey: DBusUInt32) -> None:
        """Ask whether ``passkey`` matches the number the meter shows (numeric comparison).

        Raises:
            DBusError: ``org.bluez.Error.Rejected`` if the user says no;
                ``org.bluez.Error.Canceled`` if BlueZ cancelled the question.
        """
        _LOGGER.info("BlueZ asks to confirm %06d for %s", passkey, device)
        if not await self._ask(self._answers.confirm_numeric(passkey)):
            raise DBusError(ERROR_REJECTED, "the numbers do not match")

    @dbus_method(name="RequestAuthorization")
    def request_authorization(self, device: DBusObjectPath) -> None:
        """Refuse a just-works pairing that a remote device started."""
        _LOGGER.warning("Refusing an incoming just-works pairing from %s", device)
        raise DBusError(ERROR_REJECTED, "the IHD only pairs with meters it connects to")

    @dbus_method(name="AuthorizeService")
    def authorize_service(self, device: DBusObjectPath, uuid: DBusStr) -> None:
        """Refuse incoming service connections: the IHD is only ever a GATT client."""
        _LOGGER.warning("Refusing service %s for %s", uuid, device)
        raise DBusError(ERROR_REJECTED, "the IHD accepts no incoming service connections")

    @dbus_method(name="Cancel")
    def cancel(self) -> None:
        """Withdraw the open question: the remote side timed out or pairing was aborted."""
        _LOGGER.info("BlueZ cancelled the pairing request")
        self.cancel_questions()

    def cancel_questions(self) -> None:
        """Cancel every open question to the answers object; each is answered ``Canceled``."""
        for question in tuple(self._questions):
            question.cancel()

    async def _ask(self, question: Awaitable[_T]) -> _T:
        # A separate future, rather than awaiting the question directly, lets Cancel from
        # BlueZ reach the answers object (closing its dialog) while telling it apart from
        # the cancellation of this handler itself.
        future = asyncio.ensure_future(question)
        self._questions.add(future)
        try:
            return await future
        except asyncio.CancelledError:
            handler = asyncio.current_task()
            if handler is not None and handler.cancelling():
                raise
            raise DBusError(ERROR_CANCELED, "the pairing request was cancelled") from None
        finally:
            self._questions.discard(future)


class RegisteredAgent:
    """A pairing agent exported on a bus and registered with BlueZ.

    Args:
        bus: The bus the agent is exported on.
        path: The agent's object path.
        agent: The exported agent.
    """

    def __init__(self, bus: MessageBus, path: str, agent: BluezPairingAgent) -> None:
        self._bus = bus
        self._path = path
        self._agent = agent
        self._unregistered = False

    @property
    def path(self) -> str:
        """The agent's object path."""
        return self._path

    @property
    def agent(self) -> BluezPairingAgent:
        """The exported agent."""
        return self._agent

    async def unregister(self) -> None:
        """Unregister the agent from BlueZ and unexport it; calling it again does nothing.

        An agent BlueZ has already forgotten (released, or bluetoothd gone) is simply
        unexported.

        Raises:
            BluezAgentError: BlueZ refused to unregister the agent; it is unexported anyway.
        """
        if self._unregistered:
            return
        self._unregistered = True
        try:
            if not self._agent.released and self._bus.connected:
                try:
                    await _call_agent_manager(self._bus, "UnregisterAgent", "o", [self._path])
                except DBusError as err:
                    if err.type not in _ALREADY_UNREGISTERED:
                        raise _agent_error(err, f"unregister the agent at {self._path}") from err
        finally:
            self._agent.cancel_questions()
            self._bus.unexport(self._path, self._agent)


async def register_agent(
    bus: MessageBus,
    answers: PairingAnswers,
    *,
    capability: str = "KeyboardDisplay",
    path: str = DEFAULT_AGENT_PATH,
) -> RegisteredAgent:
    """Export a pairing agent on ``bus`` and make it BlueZ's default agent.

    Args:
        bus: A connected bus, normally the system bus, that bluetoothd is on.
        answers: Where the agent's answers come from.
        capability: The IO capability BlueZ uses to pick the pairing method; one of
            :data:`AGENT_CAPABILITIES`.
        path: The object path to export the agent on.

    Returns:
        The registered agent; call :meth:`RegisteredAgent.unregister` when done.

    Raises:
        ValueError: ``capability`` is not one BlueZ knows.
        BluezUnavailableError: Nobody owns ``org.bluez`` on the bus.
        BluezAgentError: BlueZ refused the registration (nothing is left exported).
    """
    if capability not in AGENT_CAPABILITIES:
        raise ValueError(f"unknown agent capability {capability!r}")
    agent = BluezPairingAgent(answers)
    bus.export(path, agent)
    registered = RegisteredAgent(bus, path, agent)
    try:
        await _call_agent_manager(bus, "RegisterAgent", "os", [path, capability])
    except BaseException as exc:
        bus.unexport(path, agent)
        if isinstance(exc, DBusError):
            raise _agent_error(exc, f"register the agent at {path}") from exc
        raise
    try:
        await _call_agent_manager(bus, "RequestDefaultAgent", "o", [path])
    except BaseException as exc:
        # A registered but non-default agent would only be asked about pairings that
        # bluetoothd attributes to this connection, so back out completely instead.
        try:
            await registered.unregister()
        except BluezAgentError:
            _LOGGER.warning("Could not unregister the agent at %s", path, exc_info=True)
        if isinstance(exc, DBusError):
            raise _agent_error(exc, f"make the agent at {path} the default") from exc
        raise
    return registered


async def _call_agent_manager(
    bus: MessageBus, member: str, signature: str, body: list[Any]
) -> None:
    """Call ``org.bluez.AgentManager1.<member>`` and raise the error reply as a DBusError."""
    reply = await bus.call(
        Message(
            destination=BLUEZ_BUS_NAME,
            path=AGENT_MANAGER_PATH,
            interface=AGENT_MANAGER_INTERFACE,
            member=member,
            signature=signature,
            body=body,
        )
    )
    if reply.message_type == MessageType.ERROR:
        text = reply.body[0] if reply.body and isinstance(reply.body[0], str) else ""
        raise DBusError(reply.error_name or ErrorType.FAILED, text, reply)


def _agent_error(err: DBusError, action: str) -> BluezAgentError:
    """Turn a D-Bus error reply from the agent manager into a one-sentence project error."""
    if err.type in _BLUEZ_ABSENT:
        return BluezUnavailableError(_BLUEZ_NOT_RUNNING)
    detail = f": {err.text}" if err.text else ""
    return BluezAgentError(f"BlueZ refused to {action} ({err.type}{detail}).")
