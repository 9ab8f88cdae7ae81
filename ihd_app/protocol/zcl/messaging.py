"""Messaging cluster (0x0703) commands: DisplayMessage, CancelMessage, CancelAllMessages and
MessageConfirmation, in their ZSE 1.x layouts.

Each command is a frozen dataclass with ``encode() -> bytes`` (the payload after the ZCL header),
a ``decode(data)`` classmethod that refuses anything but a complete, exact payload with a
:class:`~ihd_app.protocol.errors.DecodeError`, and ``to_dict()`` for JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar

from ihd_app.protocol.errors import EncodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl.clusters import MESSAGING, JsonValue
from ihd_app.protocol.zcl.frame import Direction, FrameType, write_text
from ihd_app.protocol.zcl.primitives import Reader, Writer

#: DurationInMinutes value meaning "until changed or cancelled".
UNTIL_CHANGED = 0xFFFF
#: StartTime value meaning "now".
START_NOW = 0
#: The longest MessageConfirmationResponse ZSE allows.
MAX_CONFIRMATION_RESPONSE = 32
#: MessageConfirmationControl values.
CONFIRMATION_NO = 0x01
CONFIRMATION_YES = 0x02


class Transmission(IntEnum):
    """MessageControl bits 0-1: how the message may be sent."""

    NORMAL = 0
    NORMAL_AND_INTER_PAN = 1
    INTER_PAN_ONLY = 2
    RESERVED = 3


class Importance(IntEnum):
    """MessageControl bits 2-3: how prominently the message is shown."""

    LOW = 0
    MEDIUM = 1
    HIGH = 2
    CRITICAL = 3


_TRANSMISSION_MASK = 0x03
_IMPORTANCE_SHIFT = 2
_IMPORTANCE_MASK = 0x0C
_ENHANCED_CONFIRMATION = 0x20
_CONFIRMATION_REQUIRED = 0x80
#: Bits 4 and 6 have no meaning in ZSE 1.x; they are kept so a control byte round-trips.
RESERVED_CONTROL_BITS = 0x50


@dataclass(frozen=True, slots=True)
class MessageControl:
    """The MessageControl map8 of DisplayMessage and CancelMessage.

    Attributes:
        importance: Bits 2-3.
        confirmation_required: Bit 7: the consumer must acknowledge the message.
        enhanced_confirmation: Bit 5: the acknowledgement may carry a yes/no answer and text.
        transmission: Bits 0-1.
        reserved_bits: The value of bits 4 and 6 exactly as received (a subset of 0x50).
    """

    importance: Importance = Importance.LOW
    confirmation_required: bool = False
    enhanced_confirmation: bool = False
    transmission: Transmission = Transmission.NORMAL
    reserved_bits: int = 0

    def to_byte(self) -> int:
        """The map8 value.

        Raises:
            EncodeError: ``reserved_bits`` has bits outside 0x50.
        """
        if self.reserved_bits & ~RESERVED_CONTROL_BITS:
            raise EncodeError(
                Reason.MALFORMED,
                f"MessageControl: reserved_bits=0x{self.reserved_bits:02X} sets defined bits "
                f"(only 0x{RESERVED_CONTROL_BITS:02X} are reserved)",
            )
        value = int(self.transmission) & _TRANSMISSION_MASK
        value |= (int(self.importance) << _IMPORTANCE_SHIFT) & _IMPORTANCE_MASK
        if self.enhanced_confirmation:
            value |= _ENHANCED_CONFIRMATION
        if self.confirmation_required:
            value |= _CONFIRMATION_REQUIRED
        return value | self.reserved_bits

    @classmethod
    def from_byte(cls, value: int) -> MessageControl:
        """Split a map8 value into its fields; every 8-bit value is accepted."""
        return cls(
            importance=Importance((value & _IMPORTANCE_MASK) >> _IMPORTANCE_SHIFT),
            confirmation_required=bool(value & _CONFIRMATION_REQUIRED),
            enhanced_confirmation=bool(value & _ENHANCED_CONFIRMATION),
            transmission=Transmission(value & _TRANSMISSION_MASK),
            reserved_bits=value & RESERVED_CONTROL_BITS,
        )

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view, with the raw byte as hex for people comparing against captures."""
        return {
            "raw": f"0x{self.to_byte():02X}",
            "importance": self.importance.name.lower(),
            "confirmation_required": self.confirmation_required,
            "enhanced_confirmation": self.enhanced_confirmation,
            "transmission": self.transmission.name.lower(),
            "reserved_bits": self.reserved_bits,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class DisplayMessage:
    """Messaging 0x00, server to client: show a message.

    Keyword-only, so the fields can keep wire order and still have defaults:
    ``DisplayMessage(message_id=7, message="Power cut expected")``.

    Attributes:
        message_id: MessageID (u32), unique per originator.
        control: MessageControl.
        start_time: UTCTime seconds since 2000-01-01Z; 0 (:data:`START_NOW`) means now.
        duration_minutes: u16; 0xFFFF (:data:`UNTIL_CHANGED`) means until changed.
        message: The text. Encoding truncates it to 254 UTF-8 bytes on a character boundary.
        extended_control: ExtendedMessageControl map8, present only if not ``None``.
    """

    CLUSTER_ID: ClassVar[int | None] = MESSAGING
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.SERVER_TO_CLIENT
    COMMAND_ID: ClassVar[int] = 0x00

    message_id: int
    control: MessageControl = MessageControl()
    start_time: int = START_NOW
    duration_minutes: int = UNTIL_CHANGED
    message: str
    extended_control: int | None = None

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: A field is out of range or the text is not encodable.
        """
        writer = Writer("DisplayMessage")
        writer.u32(self.message_id, "message id")
        writer.u8(self.control.to_byte(), "message control")
        writer.u32(self.start_time, "start time")
        writer.u16(self.duration_minutes, "duration")
        write_text(writer, self.message, "message")
        if self.extended_control is not None:
            writer.u8(self.extended_control, "extended message control")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> DisplayMessage:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if short, over-long or the text is not UTF-8.
        """
        reader = Reader(data, "DisplayMessage")
        message_id = reader.u32("message id")
        control = MessageControl.from_byte(reader.u8("message control"))
        start_time = reader.u32("start time")
        duration = reader.u16("duration")
        message = reader.text("message")
        extended = None if reader.at_end() else reader.u8("extended message control")
        reader.expect_end()
        return cls(
            message_id=message_id,
            message=message,
            control=control,
            start_time=start_time,
            duration_minutes=duration,
            extended_control=extended,
        )

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields."""
        return {
            "message_id": self.message_id,
            "control": self.control.to_dict(),
            "importance": self.control.importance.name.lower(),
            "start_time": self.start_time,
            "duration_minutes": self.duration_minutes,
            "message": self.message,
            "extended_control": self.extended_control,
        }


@dataclass(frozen=True, slots=True)
class CancelMessage:
    """Messaging 0x01, server to client: withdraw a displayed message.

    Attributes:
        message_id: The MessageID to cancel.
        control: MessageControl (ZSE keeps the field; its content is not used for matching).
    """

    CLUSTER_ID: ClassVar[int | None] = MESSAGING
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.SERVER_TO_CLIENT
    COMMAND_ID: ClassVar[int] = 0x01

    message_id: int
    control: MessageControl = MessageControl()

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: A field is out of range.
        """
        writer = Writer("CancelMessage")
        writer.u32(self.message_id, "message id")
        writer.u8(self.control.to_byte(), "message control")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> CancelMessage:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` unless exactly five bytes.
        """
        reader = Reader(data, "CancelMessage")
        message_id = reader.u32("message id")
        control = MessageControl.from_byte(reader.u8("message control"))
        reader.expect_end()
        return cls(message_id=message_id, control=control)

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields."""
        return {"message_id": self.message_id, "control": self.control.to_dict()}


@dataclass(frozen=True, slots=True)
class CancelAllMessages:
    """Messaging 0x03, server to client: withdraw every message.

    Attributes:
        implementation_time: UTCTime from which the cancellation applies; 0 means now.
    """

    CLUSTER_ID: ClassVar[int | None] = MESSAGING
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.SERVER_TO_CLIENT
    COMMAND_ID: ClassVar[int] = 0x03

    implementation_time: int = START_NOW

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: The time is out of range.
        """
        return (
            Writer("CancelAllMessages")
            .u32(self.implementation_time, "implementation time")
            .getvalue()
        )

    @classmethod
    def decode(cls, data: bytes) -> CancelAllMessages:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` unless exactly four bytes.
        """
        reader = Reader(data, "CancelAllMessages")
        implementation_time = reader.u32("implementation time")
        reader.expect_end()
        return cls(implementation_time=implementation_time)

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields."""
        return {"implementation_time": self.implementation_time}


@dataclass(frozen=True, slots=True)
class MessageConfirmation:
    """Messaging 0x01, client to server: the consumer acknowledged a message.

    Attributes:
        message_id: The MessageID acknowledged.
        confirmation_time: UTCTime of the acknowledgement.
        confirmation_control: Optional map8 (:data:`CONFIRMATION_NO` / :data:`CONFIRMATION_YES`).
        response: Optional MessageConfirmationResponse, at most 32 bytes; it may only be present
            when ``confirmation_control`` is, because the wire format is positional.
    """

    CLUSTER_ID: ClassVar[int | None] = MESSAGING
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.CLIENT_TO_SERVER
    COMMAND_ID: ClassVar[int] = 0x01

    message_id: int
    confirmation_time: int
    confirmation_control: int | None = None
    response: bytes | None = None

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: A field is out of range, or ``response`` is set without a control.
        """
        writer = Writer("MessageConfirmation")
        writer.u32(self.message_id, "message id")
        writer.u32(self.confirmation_time, "confirmation time")
        if self.confirmation_control is None:
            if self.response is not None:
                raise EncodeError(
                    Reason.MALFORMED,
                    "MessageConfirmation: a response needs a confirmation control before it",
                )
            return writer.getvalue()
        writer.u8(self.confirmation_control, "confirmation control")
        if self.response is not None:
            writer.octets(self.response, "response", MAX_CONFIRMATION_RESPONSE)
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> MessageConfirmation:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if short, over-long or the response exceeds 32 bytes.
        """
        reader = Reader(data, "MessageConfirmation")
        message_id = reader.u32("message id")
        confirmation_time = reader.u32("confirmation time")
        control = None if reader.at_end() else reader.u8("confirmation control")
        response = None if reader.at_end() else reader.octets("response", MAX_CONFIRMATION_RESPONSE)
        reader.expect_end()
        return cls(
            message_id=message_id,
            confirmation_time=confirmation_time,
            confirmation_control=control,
            response=response,
        )

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields; the response as hex."""
        return {
            "message_id": self.message_id,
            "confirmation_time": self.confirmation_time,
            "confirmation_control": self.confirmation_control,
            "response": None if self.response is None else self.response.hex(),
        }
