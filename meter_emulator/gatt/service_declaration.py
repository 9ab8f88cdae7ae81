"""The meter's GATT service declaration: the profile's primary service and its attributes,
built from :data:`ihd_app.protocol.gatt_profile.CHARACTERISTICS` (the same table the IHD and the
conformance runner read), the way Bumble's ``TemplateService`` profiles declare theirs: each
characteristic's properties come from its spec, its value is delegated to the server's callbacks,
and every subscribable characteristic gets a Client Characteristic Configuration Descriptor
(CCCD) of our own, because the one Bumble adds by itself is readable and writable by anyone.

Security (DESIGN.md §5): every characteristic and every CCCD requires an encrypted link with an
authenticated (MITM-protected) key. Bumble's attribute permissions ``READ_REQUIRES_AUTHENTICATION``
and ``WRITE_REQUIRES_AUTHENTICATION`` make the stack itself answer an unpaired client with
Insufficient Authentication (0x05). The ``..._REQUIRES_ENCRYPTION`` permissions are deliberately not
set: Bumble checks them first and would answer 0x0F (Insufficient Encryption), while the profile
promises 0x05. Encryption is still required, by the server's ``guard`` (called by the value
callbacks), which also applies the stricter test Bumble lacks (its ``authenticated`` flag is true
after a Just Works pairing as well; see :mod:`meter_emulator.gatt.security`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import MappingProxyType
from typing import Final

from bumble import att
from bumble.device import Connection, Device
from bumble.gatt import (
    GATT_CLIENT_CHARACTERISTIC_CONFIGURATION_DESCRIPTOR,
    Characteristic,
    CharacteristicValue,
    Descriptor,
    Service,
)

from ihd_app.protocol import gatt_profile
from ihd_app.protocol.gatt_profile import CharacteristicSpec
from meter_emulator import faults as fault_hooks
from meter_emulator.faults import Fault
from meter_emulator.gatt.served_link import CCCD_INDICATE, CCCD_NOTIFY

_PROPERTY_FLAGS: Final = MappingProxyType(
    {
        "read": Characteristic.Properties.READ,
        "write": Characteristic.Properties.WRITE,
        "write-without-response": Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
        "notify": Characteristic.Properties.NOTIFY,
        "indicate": Characteristic.Properties.INDICATE,
    }
)

#: ``read(spec, connection)``: the value of a characteristic read on a link.
ReadValue = Callable[[CharacteristicSpec, Connection], Awaitable[bytes]]
#: ``write(spec, connection, value)``: a value written to a characteristic on a link.
WriteValue = Callable[[CharacteristicSpec, Connection, bytes], Awaitable[None]]
#: ``guard(connection)``: raises an ATT error unless the link may touch the service.
Guard = Callable[[Connection], Awaitable[None]]
#: ``cccd_written(connection, name, bits)``: a display set the named characteristic's CCCD.
CccdWritten = Callable[[Connection, str, int], None]


class ServiceDeclaration:
    """The profile's primary service, with each value delegated to the server's callbacks.

    Args:
        device: The meter's Bumble device (its GATT server keeps Bumble's CCCD bookkeeping).
        faults: Rules this meter deliberately breaks (e.g. ``wrong-properties``).
        require_authentication: ``False`` drops every access requirement (``no-auth``).
        read: Answers a read.
        write: Takes a write.
        guard: Refuses a link that may not read or write a CCCD.
        cccd_written: Told what a display subscribed to.
    """

    def __init__(
        self,
        device: Device,
        *,
        faults: frozenset[Fault],
        require_authentication: bool,
        read: ReadValue,
        write: WriteValue,
        guard: Guard,
        cccd_written: CccdWritten,
    ) -> None:
        self._device = device
        self._faults = faults
        self._require_authentication = require_authentication
        self._read = read
        self._write = write
        self._guard = guard
        self._cccd_written = cccd_written
        self.characteristics: dict[str, Characteristic[bytes]] = {}
        self.service = self._build_service()

    def _build_service(self) -> Service:
        characteristics = [
            self._build_characteristic(spec) for spec in gatt_profile.CHARACTERISTICS
        ]
        return Service(gatt_profile.SERVICE_UUID, characteristics)

    def _build_characteristic(self, spec: CharacteristicSpec) -> Characteristic[bytes]:
        # A faulty meter may declare other properties than the profile's (wrong-properties).
        declared = fault_hooks.characteristic_spec(self._faults, spec)
        properties = Characteristic.Properties(0)
        for name in declared.properties:
            properties |= _PROPERTY_FLAGS[name]
        permissions = att.Attribute.Permissions(0)
        if "read" in spec.properties:
            permissions |= att.Attribute.Permissions.READABLE
        if spec.properties & {"write", "write-without-response"}:
            permissions |= att.Attribute.Permissions.WRITEABLE
        if self._require_authentication:
            permissions |= (
                att.Attribute.Permissions.READ_REQUIRES_AUTHENTICATION
                | att.Attribute.Permissions.WRITE_REQUIRES_AUTHENTICATION
            )

        async def read(connection: Connection) -> bytes:
            return await self._read(spec, connection)

        async def write(connection: Connection, value: bytes) -> None:
            await self._write(spec, connection, value)

        characteristic: Characteristic[bytes] = Characteristic(
            spec.uuid,
            properties,
            permissions,
            CharacteristicValue(read=read, write=write),
        )
        if spec.properties & {"notify", "indicate"}:
            characteristic.descriptors = [self._build_cccd(spec, characteristic)]
        self.characteristics[spec.name] = characteristic
        return characteristic

    def _build_cccd(
        self, spec: CharacteristicSpec, characteristic: Characteristic[bytes]
    ) -> Descriptor:
        permissions = att.Attribute.Permissions.READABLE | att.Attribute.Permissions.WRITEABLE
        if self._require_authentication:
            permissions |= (
                att.Attribute.Permissions.READ_REQUIRES_AUTHENTICATION
                | att.Attribute.Permissions.WRITE_REQUIRES_AUTHENTICATION
            )
        server = self._device.gatt_server

        async def read(bearer: att.Bearer) -> bytes:
            connection = _connection_of(bearer)
            await self._guard(connection)
            return server.read_cccd(bearer, characteristic)

        async def write(bearer: att.Bearer, value: bytes) -> None:
            connection = _connection_of(bearer)
            await self._guard(connection)
            if len(value) != 2:
                raise att.ATT_Error(att.ErrorCode.INVALID_ATTRIBUTE_LENGTH)
            # Bumble's own bookkeeping, so its subscriber tables stay right.
            server.write_cccd(bearer, characteristic, value)
            self._cccd_written(connection, spec.name, value[0] & (CCCD_NOTIFY | CCCD_INDICATE))

        # AttributeValueV2 hands over the bearer, which Bumble's CCCD bookkeeping is keyed by.
        return Descriptor(
            GATT_CLIENT_CHARACTERISTIC_CONFIGURATION_DESCRIPTOR,
            permissions,
            att.AttributeValueV2(read=read, write=write),
        )


def _connection_of(bearer: att.Bearer) -> Connection:
    # Enhanced ATT bearers are L2CAP channels; plain ATT runs on the connection itself.
    if att.is_enhanced_bearer(bearer):
        return bearer.connection
    return bearer


__all__ = ["CccdWritten", "Guard", "ReadValue", "ServiceDeclaration", "WriteValue"]
