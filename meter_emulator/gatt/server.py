"""The meter's GATT server on Bumble: the links it serves, the values it answers and the units
it sends and receives.

The service's attributes and their permissions are declared in
:mod:`meter_emulator.gatt.service_declaration`; this server answers their reads and writes, and
requires an encrypted link with an authenticated key for each (DESIGN.md §5; see
:mod:`meter_emulator.gatt.security`).

Units travel segmented (:mod:`ihd_app.protocol.segmentation`) in values of at most ``ATT MTU - 3``
bytes, with one sender per characteristic and link, and one reassembler per link for IHD to Meter.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from typing import Final

from bumble import att
from bumble.device import Connection, Device
from bumble.gatt import Characteristic, Service

from ihd_app.protocol import gatt_profile
from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.gatt_profile import CharacteristicSpec
from ihd_app.protocol.segmentation.reassembler import Reassembler, ReassemblyStats
from ihd_app.protocol.segmentation.wire import MAX_UNIT_BYTES
from meter_emulator import faults as fault_hooks
from meter_emulator.faults import Fault, FaultRefusalError
from meter_emulator.gatt.errors import (
    NoSubscriberError,
)
from meter_emulator.gatt.meter_info import MeterInfo
from meter_emulator.gatt.security import LinkSecurity
from meter_emulator.gatt.served_link import (
    CCCD_INDICATE,
    CCCD_NOTIFY,
    DisplaySession,
    ServedLink,
)
from meter_emulator.gatt.service_declaration import ServiceDeclaration

_LOG = logging.getLogger(__name__)

#: ATT application error (Core spec Vol 3 Part F 3.4.1.1 reserves 0x80-0x9F for applications)
#: answered to a write to IHD to Meter whose segment the reassembler refused. The IHD learns the
#: unit did not arrive and sends it again from its first segment.
ATT_ERROR_UNIT_REFUSED: Final = 0x80

_METER_INFO: Final = gatt_profile.characteristic("Meter Info")
_METERING: Final = gatt_profile.characteristic("Metering")
_MESSAGES: Final = gatt_profile.characteristic("Messages to IHD")
_IHD_TO_METER: Final = gatt_profile.characteristic("IHD to Meter")
_HISTORY: Final = gatt_profile.characteristic("History")


#: ``on_error(reason, detail)``: ``reason`` is a segmentation reason code (``malformed``,
#: ``oversize``) or ``internal`` for a failure of this program; ``detail`` is one sentence.
ErrorCallback = Callable[[str, str], None]
#: ``on_unit_from_ihd(unit, connection)``: a complete unit written to IHD to Meter on a link.
UnitCallback = Callable[[bytes, Connection], None]


class MeterGattServer:
    """The meter's GATT service on a Bumble ``Device``, and the units it sends and receives.

    Build it before the device is powered on; it adds its service to the device's GATT server.

    Args:
        device: The meter's Bumble device.
        info: The Meter Info value.
        on_unit_from_ihd: Called with each complete unit the IHD writes to IHD to Meter, and the
            connection it came on.
        on_error: Called as ``on_error(reason, detail)`` when a written segment is refused or
            ``on_unit_from_ihd`` fails. The write is answered with an ATT error
            (:data:`ATT_ERROR_UNIT_REFUSED`, or Unlikely Error) so the IHD keeps the unit and
            sends it again; the link stays up.
        security: Which links are authenticated; share the peripheral's so fresh pairings count
            at once. A new one is made if ``None``.
        require_authentication: ``False`` drops every access requirement (the ``no-auth`` fault:
            a deliberately broken meter).
        max_unit_bytes: Longest unit accepted from the IHD.
        faults: Rules this meter deliberately breaks (:mod:`meter_emulator.faults`).
    """

    def __init__(
        self,
        device: Device,
        info: MeterInfo,
        on_unit_from_ihd: UnitCallback,
        *,
        on_error: ErrorCallback | None = None,
        security: LinkSecurity | None = None,
        require_authentication: bool = True,
        max_unit_bytes: int = MAX_UNIT_BYTES,
        faults: frozenset[Fault] = frozenset(),
    ) -> None:
        self._device = device
        self._info = info
        self._faults = faults
        self._on_unit = on_unit_from_ihd
        self._on_error = on_error
        self._own_security = security is None
        self._security = security if security is not None else LinkSecurity(device)
        self._require_authentication = require_authentication
        self._max_unit_bytes = max_unit_bytes
        self._links: dict[Connection, ServedLink] = {}
        declaration = ServiceDeclaration(
            device,
            faults=faults,
            require_authentication=require_authentication,
            read=self._read,
            write=self._write,
            guard=self._guard,
            cccd_written=self._cccd_written,
        )
        self._characteristics = declaration.characteristics
        self._service = declaration.service
        device.add_service(self._service)
        device.on(Device.EVENT_CONNECTION, self._on_connection)

    # ----------------------------------------------------------------------------------------
    # State

    @property
    def info(self) -> MeterInfo:
        """The Meter Info value served."""
        return self._info

    @property
    def service(self) -> Service:
        """The Bumble service object (handles are assigned once added)."""
        return self._service

    @property
    def security(self) -> LinkSecurity:
        """The tracker deciding which links count as authenticated."""
        return self._security

    @property
    def device(self) -> Device:
        """The Bumble device the service is on."""
        return self._device

    @property
    def reassembly_stats(self) -> list[ReassemblyStats]:
        """Per connected IHD: the counters of its IHD to Meter reassembler (units, segments,
        partial units dropped, errors by reason, bytes buffered now)."""
        return [link.reassembler.stats for link in self._links.values()]

    def characteristic(self, name: str) -> Characteristic[bytes]:
        """Return the Bumble characteristic for a profile characteristic name.

        Raises:
            KeyError: No characteristic has that name.
        """
        return self._characteristics[name]

    @property
    def ihd_connected(self) -> bool:
        """Whether any central is connected."""
        return bool(self._links)

    @property
    def ihd_secure(self) -> bool:
        """Whether a connected central's link is encrypted with an authenticated key."""
        return any(self._is_secure(link) for link in self._links.values())

    @property
    def subscriptions(self) -> frozenset[str]:
        """Names of the characteristics a display on a secure link, whose handshake is done,
        has enabled."""
        return frozenset(
            name
            for link in self._links.values()
            if self._is_ready(link)
            for name, bits in link.cccd.items()
            if bits
        )

    def is_subscribed(self, name: str) -> bool:
        """Whether a display on a secure link, whose handshake is done, has enabled
        notifications or indications of the named characteristic (``"Metering"``,
        ``"Messages to IHD"``, ``"History"``)."""
        return name in self.subscriptions

    @property
    def sessions(self) -> list[DisplaySession]:
        """The displays served now (secure links whose handshake is done)."""
        return [
            link.session
            for link in self._links.values()
            if link.session is not None and self._is_secure(link)
        ]

    def connections_of(self, ihd_id: str) -> list[Connection]:
        """The links on which display ``ihd_id`` completed its handshake."""
        return [
            link.connection
            for link in self._links.values()
            if link.session is not None and link.session.ihd_id == ihd_id
        ]

    def listeners(self, name: str) -> dict[str, Connection]:
        """Display id -> its served link with notifications or indications of the named
        characteristic on (the newest link, if a display has two)."""
        return {
            link.session.ihd_id: link.connection
            for link in self._links.values()
            if link.session is not None and self._is_ready(link) and link.cccd.get(name, 0)
        }

    def challenge_of(self, connection: Connection) -> bytes | None:
        """The handshake challenge Meter Info gave ``connection`` (``None``: not connected)."""
        link = self._links.get(connection)
        return None if link is None else link.challenge

    def session_of(self, connection: Connection) -> DisplaySession | None:
        """The display proven on ``connection``, if its handshake is done."""
        link = self._links.get(connection)
        return None if link is None else link.session

    def establish(self, connection: Connection, session: DisplaySession) -> bool:
        """The handshake on ``connection`` is done: serve it from now on; whether it is still
        connected."""
        link = self._links.get(connection)
        if link is None or link.lost.done():
            return False
        link.session = session
        return True

    async def indicate_to(self, connection: Connection, envelope: bytes) -> None:
        """Indicate an envelope on Messages to IHD on one link only, handshake done or not (the
        handshake's own answer).

        Raises:
            NoSubscriberError: The link is gone, or has indications of Messages to IHD off.
            LinkLostError, IndicationTimeoutError: As :meth:`indicate_message`.
        """
        link = self._links.get(connection)
        if link is None or not self._is_secure(link):
            raise NoSubscriberError("the display's link is gone")
        await self._indicate(link, envelope)

    @property
    def att_mtu(self) -> int | None:
        """The ATT MTU of the first secure link, or ``None`` without one."""
        for link in self._links.values():
            if self._is_secure(link):
                return int(link.connection.att_mtu)
        return None

    async def close(self) -> None:
        """Stop following the device's connections (the service stays in its database)."""
        self._device.remove_listener(Device.EVENT_CONNECTION, self._on_connection)
        for link in list(self._links.values()):
            self._forget(link, reason=0)
        if self._own_security:
            await self._security.close()

    # ----------------------------------------------------------------------------------------
    # Sending

    async def notify_metering(self, unit: bytes) -> int:
        """Notify a unit on Metering to every subscribed IHD on a secure link.

        Args:
            unit: A ZCL unit (``cluster | endpoint | frame``), segmented to the link's MTU.

        Returns:
            How many IHDs it was sent to (0 when none listens: live readings are not kept).

        Raises:
            EncodeError: The unit is too long to segment (reason ``oversize``).
        """
        return await self._notify(_METERING, unit)

    async def notify_history(self, unit: bytes) -> int:
        """Notify a unit on History to every subscribed IHD on a secure link.

        Args:
            unit: A GetProfileResponse unit.

        Returns:
            How many IHDs it was sent to.

        Raises:
            EncodeError: The unit is too long to segment (reason ``oversize``).
        """
        return await self._notify(_HISTORY, unit)

    async def indicate_message(self, envelope: bytes) -> None:
        """Indicate a signed envelope on Messages to IHD, one confirmed segment after another.

        Returns when the IHD confirmed the last segment (ATT confirms receipt, not
        verification: the IHD's signed receipt comes back on IHD to Meter).

        Args:
            envelope: The signed envelope.

        Raises:
            NoSubscriberError: No IHD on a secure link has indications enabled, or it disabled
                them part-way.
            LinkLostError: The link dropped before the last segment was confirmed.
            IndicationTimeoutError: A segment was not confirmed within 30 s.
            EncodeError: The envelope is too long to segment (reason ``oversize``).
        """
        links = list(self._eligible(_MESSAGES, CCCD_INDICATE))
        if not links:
            raise NoSubscriberError(
                "no IHD is connected over an authenticated link with indications of "
                "Messages to IHD enabled"
            )
        for link in links:
            await self._indicate(link, envelope)

    async def _notify(self, spec: CharacteristicSpec, unit: bytes) -> int:
        characteristic = self._characteristics[spec.name]
        sent = 0
        for link in list(self._eligible(spec, CCCD_NOTIFY)):
            async with link.lock(spec.name):
                values = link.segmenter(spec.name).segment(unit)
                for segment in fault_hooks.segments(self._faults, values):
                    if link.lost.done() or not link.cccd.get(spec.name, 0) & CCCD_NOTIFY:
                        break  # gone or unsubscribed part-way: the rest would be discarded
                    # force=True: our own checks above decide; Bumble's would drop silently.
                    await self._device.notify_subscriber(
                        link.connection, characteristic, segment, force=True
                    )
                else:
                    sent += 1
        return sent

    async def _indicate(self, link: ServedLink, envelope: bytes) -> None:
        await link.indicate(
            self._device, self._characteristics[_MESSAGES.name], envelope, self._faults
        )

    def _eligible(self, spec: CharacteristicSpec, bit: int) -> Iterator[ServedLink]:
        for link in self._links.values():
            if self._is_ready(link) and link.cccd.get(spec.name, 0) & bit:
                yield link

    def _is_ready(self, link: ServedLink) -> bool:
        # Nothing but the handshake's answer goes to a display that has not proven who it is.
        return link.session is not None and self._is_secure(link)

    def _is_secure(self, link: ServedLink) -> bool:
        if not self._require_authentication:
            return True
        return self._security.is_authenticated(link.connection)

    def _cccd_written(self, connection: Connection, name: str, bits: int) -> None:
        link = self._links.get(connection)
        if link is not None:
            link.cccd[name] = bits

    async def _guard(self, connection: Connection) -> None:
        if not self._require_authentication:
            return
        if not connection.is_encrypted or not await self._security.check(connection):
            raise att.ATT_Error(att.ErrorCode.INSUFFICIENT_AUTHENTICATION)

    async def _read(self, spec: CharacteristicSpec, connection: Connection) -> bytes:
        await self._guard(connection)
        if spec is not _METER_INFO:
            # Bumble does not check the READABLE permission itself.
            raise att.ATT_Error(att.ErrorCode.READ_NOT_PERMITTED)
        link = self._links.get(connection)
        challenge = link.challenge if link is not None else bytes(16)
        return fault_hooks.meter_info_value(self._faults, self._info.encode(challenge))

    async def _write(self, spec: CharacteristicSpec, connection: Connection, value: bytes) -> None:
        await self._guard(connection)
        if spec is not _IHD_TO_METER:
            raise att.ATT_Error(att.ErrorCode.WRITE_NOT_PERMITTED)
        link = self._links.get(connection)
        if link is None:
            raise att.ATT_Error(att.ErrorCode.UNLIKELY_ERROR)
        try:
            unit = link.reassembler.feed(value)
        except DecodeError as error:
            self._report(
                str(error.reason),
                f"{spec.name} segment from {connection.peer_address} refused: {error.detail}",
            )
            raise att.ATT_Error(ATT_ERROR_UNIT_REFUSED) from None
        if unit is None:
            return
        try:
            self._on_unit(unit, connection)
        except FaultRefusalError as error:
            self._report("fault", str(error))
            raise att.ATT_Error(att.ErrorCode.UNLIKELY_ERROR) from None
        except Exception as error:
            # An exception escaping here would leave the write unanswered (the IHD waits 30 s);
            # answer with an error so the IHD keeps the unit and sends it again.
            _LOG.exception("on_unit_from_ihd failed")
            self._report("internal", f"handling a unit from the IHD failed: {error!r}")
            raise att.ATT_Error(att.ErrorCode.UNLIKELY_ERROR) from None

    def _report(self, reason: str, detail: str) -> None:
        _LOG.warning("%s: %s", reason, detail)
        if self._on_error is None:
            return
        try:
            self._on_error(reason, detail)
        except Exception:
            _LOG.exception("on_error failed")

    # ----------------------------------------------------------------------------------------
    # Connections

    def _on_connection(self, connection: Connection) -> None:
        link = ServedLink(
            connection=connection,
            reassembler=Reassembler(max_unit_bytes=self._max_unit_bytes),
            lost=asyncio.get_running_loop().create_future(),
        )
        self._links[connection] = link

        def on_disconnection(reason: int) -> None:
            self._forget(link, reason)

        link.listener = on_disconnection
        connection.on(connection.EVENT_DISCONNECTION, on_disconnection)

    def _forget(self, link: ServedLink, reason: int) -> None:
        self._links.pop(link.connection, None)
        if link.listener is not None:
            link.connection.remove_listener(link.connection.EVENT_DISCONNECTION, link.listener)
            link.listener = None
        link.reassembler.reset()
        if not link.lost.done():
            link.lost.set_result(reason)
