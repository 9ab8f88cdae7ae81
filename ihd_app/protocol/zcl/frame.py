"""The ZCL frame header: frame control, optional manufacturer code, sequence number, command id.

Frame control bits (ZCL §2.4.1.1): 0-1 frame type, 2 manufacturer specific, 3 direction,
4 disable default response, 5-7 reserved (must be zero).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl.clusters import JsonValue, hex_id
from ihd_app.protocol.zcl.primitives import MAX_STRING_BYTES, Reader, Writer

_FRAME_TYPE_MASK = 0x03
_MANUFACTURER_SPECIFIC = 0x04
_DIRECTION = 0x08
_DISABLE_DEFAULT_RESPONSE = 0x10
_RESERVED = 0xE0


class FrameType(IntEnum):
    """Whether the command is a ZCL-wide (global) command or belongs to the cluster."""

    GLOBAL = 0
    CLUSTER = 1


class Direction(IntEnum):
    """Which side of the cluster sent the frame."""

    CLIENT_TO_SERVER = 0
    SERVER_TO_CLIENT = 1


@dataclass(frozen=True, slots=True)
class ZclHeader:
    """A decoded ZCL frame header.

    Attributes:
        frame_type: Global or cluster-specific command.
        manufacturer_code: The manufacturer code of a manufacturer-specific frame, else ``None``.
        direction: Client to server, or server to client.
        disable_default_response: Whether the sender asked for no Default Response.
        tsn: Transaction sequence number (0-255).
        command_id: Command identifier (0-255), interpreted per frame type, cluster and direction.
    """

    frame_type: FrameType
    manufacturer_code: int | None
    direction: Direction
    disable_default_response: bool
    tsn: int
    command_id: int

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view: enums by lower-case name, the manufacturer code as hex or ``None``."""
        return {
            "frame_type": self.frame_type.name.lower(),
            "direction": self.direction.name.lower(),
            "tsn": self.tsn,
            "command_id": hex_id(self.command_id, 2),
            "disable_default_response": self.disable_default_response,
            "manufacturer_code": (
                None if self.manufacturer_code is None else hex_id(self.manufacturer_code)
            ),
        }


def encode_header(header: ZclHeader) -> bytes:
    """Serialise a header.

    Raises:
        EncodeError: A field is out of range.
    """
    writer = Writer("ZCL header")
    control = int(header.frame_type) & _FRAME_TYPE_MASK
    if header.manufacturer_code is not None:
        control |= _MANUFACTURER_SPECIFIC
    if header.direction is Direction.SERVER_TO_CLIENT:
        control |= _DIRECTION
    if header.disable_default_response:
        control |= _DISABLE_DEFAULT_RESPONSE
    writer.u8(control, "frame control")
    if header.manufacturer_code is not None:
        writer.u16(header.manufacturer_code, "manufacturer code")
    writer.u8(header.tsn, "transaction sequence number")
    writer.u8(header.command_id, "command id")
    return writer.getvalue()


def decode_header(reader: Reader) -> ZclHeader:
    """Read a header from ``reader``, leaving it positioned at the command payload.

    Raises:
        DecodeError: ``MALFORMED`` for a short header, reserved bits set or frame type 2 or 3.
    """
    control = reader.u8("frame control")
    if control & _RESERVED:
        raise DecodeError(
            Reason.MALFORMED,
            f"ZCL header: reserved frame control bits are set (frame control 0x{control:02X})",
        )
    raw_type = control & _FRAME_TYPE_MASK
    if raw_type not in (FrameType.GLOBAL, FrameType.CLUSTER):
        raise DecodeError(Reason.MALFORMED, f"ZCL header: frame type {raw_type} is reserved")
    manufacturer_code = (
        reader.u16("manufacturer code") if control & _MANUFACTURER_SPECIFIC else None
    )
    tsn = reader.u8("transaction sequence number")
    command_id = reader.u8("command id")
    return ZclHeader(
        frame_type=FrameType(raw_type),
        manufacturer_code=manufacturer_code,
        direction=(
            Direction.SERVER_TO_CLIENT if control & _DIRECTION else Direction.CLIENT_TO_SERVER
        ),
        disable_default_response=bool(control & _DISABLE_DEFAULT_RESPONSE),
        tsn=tsn,
        command_id=command_id,
    )


def write_text(writer: Writer, value: str, field: str, max_len: int = MAX_STRING_BYTES) -> None:
    """Write a character string via :meth:`Writer.text` (which refuses lone surrogates).

    Raises:
        EncodeError: ``value`` cannot be encoded as UTF-8.
    """
    writer.text(value, field, max_len)
