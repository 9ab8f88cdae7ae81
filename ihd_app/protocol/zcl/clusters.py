"""Identifiers of the ZCL Smart Energy clusters, attributes, data types and status codes we use.

Values follow ZSE 1.x (DESIGN.md, "Appendix: ZSE reference"). Enumerations hold only the members
the emulator and the IHD need plus their documented neighbours; fields that carry them on the wire
stay plain ``int`` so a value we have no name for still decodes and round-trips.
"""

from __future__ import annotations

from enum import IntEnum
from types import MappingProxyType
from typing import Final, TypeAlias

#: A value :func:`json.dumps` accepts unchanged; every ``to_dict`` in the codecs returns these.
JsonValue: TypeAlias = "bool | int | str | list[JsonValue] | dict[str, JsonValue] | None"

PRICE: Final = 0x0700
METERING: Final = 0x0702
MESSAGING: Final = 0x0703
CALENDAR: Final = 0x0707
DRLC: Final = 0x0701
PREPAYMENT: Final = 0x0705

#: Lower-case cluster names, as shown by ``ihd frame decode``.
CLUSTER_NAMES: Final = MappingProxyType(
    {
        PRICE: "price",
        METERING: "metering",
        MESSAGING: "messaging",
        CALENDAR: "calendar",
        DRLC: "drlc",
        PREPAYMENT: "prepayment",
    }
)


class Endpoint(IntEnum):
    """The endpoint byte of an on-air unit: which fuel the unit is about."""

    ELECTRICITY = 1
    GAS = 2


class MeteringAttribute(IntEnum):
    """Metering cluster (0x0702) server attributes carried in attribute reports."""

    CURRENT_SUMMATION_DELIVERED = 0x0000
    SUPPLY_STATUS = 0x0014
    AMBIENT_CONSUMPTION_INDICATOR = 0x0207
    UNIT_OF_MEASURE = 0x0300
    MULTIPLIER = 0x0301
    DIVISOR = 0x0302
    SUMMATION_FORMATTING = 0x0303
    DEMAND_FORMATTING = 0x0304
    INSTANTANEOUS_DEMAND = 0x0400
    CURRENT_DAY_CONSUMPTION_DELIVERED = 0x0401


CURRENT_SUMMATION_DELIVERED: Final = MeteringAttribute.CURRENT_SUMMATION_DELIVERED
SUPPLY_STATUS: Final = MeteringAttribute.SUPPLY_STATUS
AMBIENT_CONSUMPTION_INDICATOR: Final = MeteringAttribute.AMBIENT_CONSUMPTION_INDICATOR
UNIT_OF_MEASURE: Final = MeteringAttribute.UNIT_OF_MEASURE
MULTIPLIER: Final = MeteringAttribute.MULTIPLIER
DIVISOR: Final = MeteringAttribute.DIVISOR
SUMMATION_FORMATTING: Final = MeteringAttribute.SUMMATION_FORMATTING
DEMAND_FORMATTING: Final = MeteringAttribute.DEMAND_FORMATTING
INSTANTANEOUS_DEMAND: Final = MeteringAttribute.INSTANTANEOUS_DEMAND
CURRENT_DAY_CONSUMPTION_DELIVERED: Final = MeteringAttribute.CURRENT_DAY_CONSUMPTION_DELIVERED


class DataType(IntEnum):
    """ZCL data type identifiers the attribute-report codec reads and writes."""

    MAP8 = 0x18
    UINT8 = 0x20
    UINT16 = 0x21
    UINT24 = 0x22
    UINT32 = 0x23
    UINT48 = 0x25
    INT24 = 0x2A
    ENUM8 = 0x30


#: The ZCL type each Metering attribute is reported with.
METERING_ATTRIBUTE_TYPES: Final = MappingProxyType(
    {
        MeteringAttribute.CURRENT_SUMMATION_DELIVERED: DataType.UINT48,
        MeteringAttribute.SUPPLY_STATUS: DataType.ENUM8,
        MeteringAttribute.AMBIENT_CONSUMPTION_INDICATOR: DataType.ENUM8,
        MeteringAttribute.UNIT_OF_MEASURE: DataType.ENUM8,
        MeteringAttribute.MULTIPLIER: DataType.UINT24,
        MeteringAttribute.DIVISOR: DataType.UINT24,
        MeteringAttribute.SUMMATION_FORMATTING: DataType.MAP8,
        MeteringAttribute.DEMAND_FORMATTING: DataType.MAP8,
        MeteringAttribute.INSTANTANEOUS_DEMAND: DataType.INT24,
        MeteringAttribute.CURRENT_DAY_CONSUMPTION_DELIVERED: DataType.UINT24,
    }
)


class SupplyStatus(IntEnum):
    """Metering SupplyStatus (0x0014): the state of the meter's supply switch or valve."""

    OFF = 0
    ARMED = 1
    ON = 2


class AmbientConsumption(IntEnum):
    """Metering AmbientConsumptionIndicator (0x0207): the meter's own low/medium/high rating."""

    LOW = 0
    MEDIUM = 1
    HIGH = 2


class UnitOfMeasure(IntEnum):
    """ZSE UnitOfMeasure in binary form (Metering 0x0300 and the Price cluster's field)."""

    KWH = 0x00
    M3 = 0x01
    FT3 = 0x02
    CCF = 0x03
    US_GAL = 0x04
    IMP_GAL = 0x05
    BTU = 0x06
    LITRES = 0x07
    KPA_GAUGE = 0x08
    KPA_ABSOLUTE = 0x09
    MCF = 0x0A
    UNITLESS = 0x0B
    MJ = 0x0C
    KVAR = 0x0D


class ZclStatus(IntEnum):
    """ZCL status codes, as carried by DefaultResponse."""

    SUCCESS = 0x00
    FAILURE = 0x01
    NOT_AUTHORIZED = 0x7E
    RESERVED_FIELD_NOT_ZERO = 0x7F
    MALFORMED_COMMAND = 0x80
    UNSUP_CLUSTER_COMMAND = 0x81
    UNSUP_GENERAL_COMMAND = 0x82
    UNSUP_MANUF_CLUSTER_COMMAND = 0x83
    UNSUP_MANUF_GENERAL_COMMAND = 0x84
    INVALID_FIELD = 0x85
    UNSUPPORTED_ATTRIBUTE = 0x86
    INVALID_VALUE = 0x87
    READ_ONLY = 0x88
    INSUFFICIENT_SPACE = 0x89
    DUPLICATE_EXISTS = 0x8A
    NOT_FOUND = 0x8B
    UNREPORTABLE_ATTRIBUTE = 0x8C
    INVALID_DATA_TYPE = 0x8D
    INVALID_SELECTOR = 0x8E
    TIMEOUT = 0x94
    ABORT = 0x95
    WAIT_FOR_DATA = 0x97
    NOTIFICATION_PENDING = 0x9A
    HARDWARE_FAILURE = 0xC0
    SOFTWARE_FAILURE = 0xC1
    UNSUPPORTED_CLUSTER = 0xC3


def enum_label(enum_type: type[IntEnum], value: int) -> JsonValue:
    """Name ``value`` for JSON: the member's name in lower case, or the bare integer if unnamed.

    Args:
        enum_type: The enumeration the field is defined by.
        value: The raw field value.

    Returns:
        ``"kwh"`` for ``UnitOfMeasure`` 0, ``66`` for a value the enumeration does not name.
    """
    try:
        return enum_type(value).name.lower()
    except ValueError:
        return value


def hex_id(value: int, digits: int = 4) -> str:
    """Format an identifier the way ZCL documents write it, e.g. ``0x0703``."""
    return f"0x{value:0{digits}X}"
