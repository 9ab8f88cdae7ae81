"""Demand Response and Load Control cluster (0x0701) commands, ZSE 1.4 field layouts.

Server to client (the utility's side, carried to the meter and the display): 0x00
LoadControlEvent, 0x01 CancelLoadControlEvent, 0x02 CancelAllLoadControlEvents. Client to server
(the device's answer): 0x00 ReportEventStatus, 0x01 GetScheduledEvents.

"Unused" sentinels follow ZSE: 0xFF for the u8 temperature offsets and duty cycle, 0x8000 for the
int16 set points, 0x80 (-128) for the average load adjustment percentage.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, IntFlag
from typing import ClassVar, Final

from ihd_app.protocol.errors import EncodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl.clusters import DRLC, JsonValue, enum_label
from ihd_app.protocol.zcl.frame import Direction, FrameType
from ihd_app.protocol.zcl.primitives import Reader, Writer

#: A u8 offset or duty cycle the event does not set.
UNUSED_U8: Final = 0xFF
#: An int16 temperature set point the event does not set (sent as 0x8000).
UNUSED_SET_POINT: Final = -0x8000
#: An average load adjustment the event does not set (sent as 0x80).
UNUSED_PERCENTAGE: Final = -0x80
#: ReportEventStatus carries a 42-byte signature field whether or not it is signed.
SIGNATURE_BYTES: Final = 42


class DeviceClass(IntFlag):
    """DeviceClass map16: the kinds of load an event is for."""

    HVAC = 1 << 0
    STRIP_HEATERS = 1 << 1
    WATER_HEATER = 1 << 2
    POOL_PUMP = 1 << 3
    SMART_APPLIANCES = 1 << 4
    IRRIGATION_PUMP = 1 << 5
    MANAGED_C_AND_I = 1 << 6
    SIMPLE_MISC = 1 << 7
    EXTERIOR_LIGHTING = 1 << 8
    INTERIOR_LIGHTING = 1 << 9
    ELECTRIC_VEHICLE = 1 << 10
    GENERATION_SYSTEMS = 1 << 11


class EventStatus(IntEnum):
    """ReportEventStatus EventStatus: what happened to an event at the device."""

    RECEIVED = 0x01
    STARTED = 0x02
    COMPLETED = 0x03
    OPTED_OUT = 0x04
    OPTED_IN = 0x05
    CANCELLED = 0x06
    SUPERSEDED = 0x07
    PARTIALLY_COMPLETED_OPT_OUT = 0x08
    PARTIALLY_COMPLETED_OPT_IN = 0x09
    COMPLETED_NO_PARTICIPATION = 0x0A
    REJECTED_INVALID_CANCEL = 0xF8
    REJECTED_INVALID_EFFECTIVE_TIME = 0xF9
    REJECTED_EXPIRED = 0xFB
    REJECTED_UNDEFINED_EVENT = 0xFD
    REJECTED = 0xFE


class SignatureType(IntEnum):
    """ReportEventStatus SignatureType. Ours are 0: the envelope around the frame is signed."""

    NONE = 0x00
    ECDSA = 0x01


def _device_classes(value: int) -> list[JsonValue]:
    return [str(member.name).lower() for member in DeviceClass if value & member]


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadControlEvent:
    """DRLC 0x00, server to client: a demand-response event for some classes of load.

    Attributes:
        issuer_event_id: IssuerEventID u32, unique per issuer.
        device_class: map16, see :class:`DeviceClass`.
        utility_enrollment_group: u8, 0 for every group.
        start_time: UTCTime, 0 for now.
        duration_in_minutes: u16, at most 1440.
        criticality_level: u8, 1 (green) to 15.
        cooling_temperature_offset: u8 in 0.1 °C, 0xFF unused.
        heating_temperature_offset: u8 in 0.1 °C, 0xFF unused.
        cooling_temperature_set_point: int16 in 0.01 °C, -0x8000 unused.
        heating_temperature_set_point: int16 in 0.01 °C, -0x8000 unused.
        average_load_adjustment_percentage: int8 -100..100, -128 unused.
        duty_cycle: u8 0..100 percent, 0xFF unused.
        event_control: map8, bit 0 randomise start, bit 1 randomise end.
    """

    CLUSTER_ID: ClassVar[int | None] = DRLC
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.SERVER_TO_CLIENT
    COMMAND_ID: ClassVar[int] = 0x00

    issuer_event_id: int
    device_class: int
    utility_enrollment_group: int = 0
    start_time: int = 0
    duration_in_minutes: int
    criticality_level: int = 1
    cooling_temperature_offset: int = UNUSED_U8
    heating_temperature_offset: int = UNUSED_U8
    cooling_temperature_set_point: int = UNUSED_SET_POINT
    heating_temperature_set_point: int = UNUSED_SET_POINT
    average_load_adjustment_percentage: int = UNUSED_PERCENTAGE
    duty_cycle: int = UNUSED_U8
    event_control: int = 0

    def encode(self) -> bytes:
        """The command payload (23 bytes).

        Raises:
            EncodeError: A field is out of range.
        """
        writer = Writer("LoadControlEvent")
        writer.u32(self.issuer_event_id, "issuer event id")
        writer.u16(self.device_class, "device class")
        writer.u8(self.utility_enrollment_group, "utility enrollment group")
        writer.u32(self.start_time, "start time")
        writer.u16(self.duration_in_minutes, "duration in minutes")
        writer.u8(self.criticality_level, "criticality level")
        writer.u8(self.cooling_temperature_offset, "cooling temperature offset")
        writer.u8(self.heating_temperature_offset, "heating temperature offset")
        writer.sint(self.cooling_temperature_set_point, 2, "cooling temperature set point")
        writer.sint(self.heating_temperature_set_point, 2, "heating temperature set point")
        writer.sint(self.average_load_adjustment_percentage, 1, "average load adjustment")
        writer.u8(self.duty_cycle, "duty cycle")
        writer.u8(self.event_control, "event control")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> LoadControlEvent:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` unless exactly 23 bytes.
        """
        reader = Reader(data, "LoadControlEvent")
        result = cls(
            issuer_event_id=reader.u32("issuer event id"),
            device_class=reader.u16("device class"),
            utility_enrollment_group=reader.u8("utility enrollment group"),
            start_time=reader.u32("start time"),
            duration_in_minutes=reader.u16("duration in minutes"),
            criticality_level=reader.u8("criticality level"),
            cooling_temperature_offset=reader.u8("cooling temperature offset"),
            heating_temperature_offset=reader.u8("heating temperature offset"),
            cooling_temperature_set_point=reader.sint(2, "cooling temperature set point"),
            heating_temperature_set_point=reader.sint(2, "heating temperature set point"),
            average_load_adjustment_percentage=reader.sint(1, "average load adjustment"),
            duty_cycle=reader.u8("duty cycle"),
            event_control=reader.u8("event control"),
        )
        reader.expect_end()
        return result

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields; unused sentinels shown as ``None``."""
        return {
            "issuer_event_id": self.issuer_event_id,
            "device_class": _device_classes(self.device_class),
            "utility_enrollment_group": self.utility_enrollment_group,
            "start_time": self.start_time,
            "duration_in_minutes": self.duration_in_minutes,
            "criticality_level": self.criticality_level,
            "cooling_temperature_offset": _unless(self.cooling_temperature_offset, UNUSED_U8),
            "heating_temperature_offset": _unless(self.heating_temperature_offset, UNUSED_U8),
            "cooling_temperature_set_point": _unless(
                self.cooling_temperature_set_point, UNUSED_SET_POINT
            ),
            "heating_temperature_set_point": _unless(
                self.heating_temperature_set_point, UNUSED_SET_POINT
            ),
            "average_load_adjustment_percentage": _unless(
                self.average_load_adjustment_percentage, UNUSED_PERCENTAGE
            ),
            "duty_cycle": _unless(self.duty_cycle, UNUSED_U8),
            "event_control": self.event_control,
        }


def _unless(value: int, unused: int) -> JsonValue:
    return None if value == unused else value


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelLoadControlEvent:
    """DRLC 0x01, server to client: withdraw one event.

    Attributes:
        issuer_event_id: The event's IssuerEventID.
        device_class: map16, the classes the cancellation is for.
        utility_enrollment_group: u8.
        cancel_control: map8, bit 0 end with the event's randomisation.
        effective_time: UTCTime, 0 for now.
    """

    CLUSTER_ID: ClassVar[int | None] = DRLC
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.SERVER_TO_CLIENT
    COMMAND_ID: ClassVar[int] = 0x01

    issuer_event_id: int
    device_class: int
    utility_enrollment_group: int = 0
    cancel_control: int = 0
    effective_time: int = 0

    def encode(self) -> bytes:
        """The command payload (12 bytes).

        Raises:
            EncodeError: A field is out of range.
        """
        writer = Writer("CancelLoadControlEvent")
        writer.u32(self.issuer_event_id, "issuer event id")
        writer.u16(self.device_class, "device class")
        writer.u8(self.utility_enrollment_group, "utility enrollment group")
        writer.u8(self.cancel_control, "cancel control")
        writer.u32(self.effective_time, "effective time")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> CancelLoadControlEvent:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` unless exactly 12 bytes.
        """
        reader = Reader(data, "CancelLoadControlEvent")
        result = cls(
            issuer_event_id=reader.u32("issuer event id"),
            device_class=reader.u16("device class"),
            utility_enrollment_group=reader.u8("utility enrollment group"),
            cancel_control=reader.u8("cancel control"),
            effective_time=reader.u32("effective time"),
        )
        reader.expect_end()
        return result

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields."""
        return {
            "issuer_event_id": self.issuer_event_id,
            "device_class": _device_classes(self.device_class),
            "utility_enrollment_group": self.utility_enrollment_group,
            "cancel_control": self.cancel_control,
            "effective_time": self.effective_time,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelAllLoadControlEvents:
    """DRLC 0x02, server to client: withdraw every event.

    Attributes:
        cancel_control: map8, bit 0 end with each event's randomisation.
    """

    CLUSTER_ID: ClassVar[int | None] = DRLC
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.SERVER_TO_CLIENT
    COMMAND_ID: ClassVar[int] = 0x02

    cancel_control: int = 0

    def encode(self) -> bytes:
        """The command payload (one byte)."""
        writer = Writer("CancelAllLoadControlEvents")
        return writer.u8(self.cancel_control, "cancel control").getvalue()

    @classmethod
    def decode(cls, data: bytes) -> CancelAllLoadControlEvents:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` unless exactly one byte.
        """
        reader = Reader(data, "CancelAllLoadControlEvents")
        result = cls(cancel_control=reader.u8("cancel control"))
        reader.expect_end()
        return result

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields."""
        return {"cancel_control": self.cancel_control}


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportEventStatus:
    """DRLC 0x00, client to server: what the device did with an event.

    Attributes:
        issuer_event_id: The event's IssuerEventID.
        event_status: enum8, see :class:`EventStatus`.
        event_status_time: UTCTime of the status.
        criticality_level_applied: u8.
        cooling_temperature_set_point_applied: u16 in 0.01 °C, 0x8000 unused.
        heating_temperature_set_point_applied: u16 in 0.01 °C, 0x8000 unused.
        average_load_adjustment_percentage_applied: int8, -128 unused.
        duty_cycle_applied: u8, 0xFF unused.
        event_control: map8, as in the event.
        signature_type: enum8, see :class:`SignatureType`.
        signature: 42 bytes (zeros when unsigned: the envelope carries the signature).
    """

    CLUSTER_ID: ClassVar[int | None] = DRLC
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.CLIENT_TO_SERVER
    COMMAND_ID: ClassVar[int] = 0x00

    issuer_event_id: int
    event_status: int
    event_status_time: int
    criticality_level_applied: int = 1
    cooling_temperature_set_point_applied: int = 0x8000
    heating_temperature_set_point_applied: int = 0x8000
    average_load_adjustment_percentage_applied: int = UNUSED_PERCENTAGE
    duty_cycle_applied: int = UNUSED_U8
    event_control: int = 0
    signature_type: int = SignatureType.NONE
    signature: bytes = bytes(SIGNATURE_BYTES)

    def encode(self) -> bytes:
        """The command payload (60 bytes).

        Raises:
            EncodeError: A field is out of range or the signature is not 42 bytes.
        """
        writer = Writer("ReportEventStatus")
        writer.u32(self.issuer_event_id, "issuer event id")
        writer.u8(self.event_status, "event status")
        writer.u32(self.event_status_time, "event status time")
        writer.u8(self.criticality_level_applied, "criticality level applied")
        writer.u16(self.cooling_temperature_set_point_applied, "cooling set point applied")
        writer.u16(self.heating_temperature_set_point_applied, "heating set point applied")
        writer.sint(self.average_load_adjustment_percentage_applied, 1, "load adjustment applied")
        writer.u8(self.duty_cycle_applied, "duty cycle applied")
        writer.u8(self.event_control, "event control")
        writer.u8(self.signature_type, "signature type")
        if len(self.signature) != SIGNATURE_BYTES:
            raise EncodeError(
                Reason.MALFORMED,
                f"ReportEventStatus: signature is {len(self.signature)} bytes, "
                f"give exactly {SIGNATURE_BYTES} (zeros when unsigned)",
            )
        writer.raw(self.signature)
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> ReportEventStatus:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` unless exactly 60 bytes.
        """
        reader = Reader(data, "ReportEventStatus")
        result = cls(
            issuer_event_id=reader.u32("issuer event id"),
            event_status=reader.u8("event status"),
            event_status_time=reader.u32("event status time"),
            criticality_level_applied=reader.u8("criticality level applied"),
            cooling_temperature_set_point_applied=reader.u16("cooling set point applied"),
            heating_temperature_set_point_applied=reader.u16("heating set point applied"),
            average_load_adjustment_percentage_applied=reader.sint(1, "load adjustment applied"),
            duty_cycle_applied=reader.u8("duty cycle applied"),
            event_control=reader.u8("event control"),
            signature_type=reader.u8("signature type"),
            signature=reader.raw(SIGNATURE_BYTES, "signature"),
        )
        reader.expect_end()
        return result

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields."""
        return {
            "issuer_event_id": self.issuer_event_id,
            "event_status": enum_label(EventStatus, self.event_status),
            "event_status_time": self.event_status_time,
            "criticality_level_applied": self.criticality_level_applied,
            "cooling_temperature_set_point_applied": self.cooling_temperature_set_point_applied,
            "heating_temperature_set_point_applied": self.heating_temperature_set_point_applied,
            "average_load_adjustment_percentage_applied": _unless(
                self.average_load_adjustment_percentage_applied, UNUSED_PERCENTAGE
            ),
            "duty_cycle_applied": _unless(self.duty_cycle_applied, UNUSED_U8),
            "event_control": self.event_control,
            "signature_type": enum_label(SignatureType, self.signature_type),
            "signature": self.signature.hex(),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class GetScheduledEvents:
    """DRLC 0x01, client to server: ask for events scheduled from a time.

    Attributes:
        start_time: UTCTime; events starting at or after it (0: every current and future event).
        number_of_events: u8, 0 for all.
        issuer_event_id: u32 (ZSE 1.2+, optional on the wire), ``None`` when absent.
    """

    CLUSTER_ID: ClassVar[int | None] = DRLC
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.CLIENT_TO_SERVER
    COMMAND_ID: ClassVar[int] = 0x01

    start_time: int = 0
    number_of_events: int = 0
    issuer_event_id: int | None = None

    def encode(self) -> bytes:
        """The command payload (5 or 9 bytes).

        Raises:
            EncodeError: A field is out of range.
        """
        writer = Writer("GetScheduledEvents")
        writer.u32(self.start_time, "start time")
        writer.u8(self.number_of_events, "number of events")
        if self.issuer_event_id is not None:
            writer.u32(self.issuer_event_id, "issuer event id")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> GetScheduledEvents:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` unless 5 or 9 bytes.
        """
        reader = Reader(data, "GetScheduledEvents")
        start = reader.u32("start time")
        count = reader.u8("number of events")
        issuer = None if reader.at_end() else reader.u32("issuer event id")
        reader.expect_end()
        return cls(start_time=start, number_of_events=count, issuer_event_id=issuer)

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields."""
        return {
            "start_time": self.start_time,
            "number_of_events": self.number_of_events,
            "issuer_event_id": self.issuer_event_id,
        }
