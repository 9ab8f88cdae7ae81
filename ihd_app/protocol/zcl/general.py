"""Global (cluster-independent) ZCL commands: Report Attributes (0x0A) and Default Response (0x0B).

Global commands have the same meaning on every cluster and may travel in either direction, so
their classes leave ``CLUSTER_ID`` and ``DIRECTION`` as ``None``; the unit codec accepts them on
every cluster it knows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar, Final

from ihd_app.protocol.errors import DecodeError, EncodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl.clusters import DataType, JsonValue, ZclStatus, enum_label, hex_id
from ihd_app.protocol.zcl.frame import Direction, FrameType
from ihd_app.protocol.zcl.primitives import Reader, Writer

#: Value size in bytes and signedness of each data type Report Attributes handles.
_TYPE_LAYOUT: Final[Mapping[int, tuple[int, bool]]] = MappingProxyType(
    {
        DataType.MAP8: (1, False),
        DataType.UINT8: (1, False),
        DataType.UINT16: (2, False),
        DataType.UINT24: (3, False),
        DataType.UINT32: (4, False),
        DataType.UINT48: (6, False),
        DataType.INT24: (3, True),
        DataType.ENUM8: (1, False),
    }
)


@dataclass(frozen=True, slots=True)
class AttributeRecord:
    """One attribute of a report: identifier, ZCL data type and integer value.

    Attributes:
        attribute_id: Attribute identifier (u16), e.g. ``MeteringAttribute.INSTANTANEOUS_DEMAND``.
        data_type: ZCL data type id, one of :class:`DataType`.
        value: The value; signed only for ``INT24``.
    """

    attribute_id: int
    data_type: int
    value: int

    def to_dict(self, names: Mapping[int, str] | None = None) -> dict[str, JsonValue]:
        """JSON-safe view; ``names`` maps attribute ids to names (the cluster's attributes)."""
        result: dict[str, JsonValue] = {"attribute_id": hex_id(self.attribute_id)}
        if names is not None:
            result["attribute"] = names.get(self.attribute_id)
        result["data_type"] = enum_label(DataType, self.data_type)
        result["value"] = self.value
        return result


@dataclass(frozen=True, slots=True)
class ReportAttributes:
    """Global 0x0A: attribute values pushed by the server (here, Metering readings).

    Attributes:
        records: One or more attribute records, in wire order.
    """

    CLUSTER_ID: ClassVar[int | None] = None
    FRAME_TYPE: ClassVar[FrameType] = FrameType.GLOBAL
    DIRECTION: ClassVar[Direction | None] = None
    COMMAND_ID: ClassVar[int] = 0x0A

    records: tuple[AttributeRecord, ...]

    def get(self, attribute_id: int) -> int | None:
        """The value of the first record for ``attribute_id``, or ``None`` if not reported."""
        for record in self.records:
            if record.attribute_id == attribute_id:
                return record.value
        return None

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: No records, a data type this codec does not handle, or a value out of
                range for its type.
        """
        if not self.records:
            raise EncodeError(Reason.MALFORMED, "ReportAttributes: needs at least one record")
        writer = Writer("ReportAttributes")
        for record in self.records:
            layout = _TYPE_LAYOUT.get(record.data_type)
            if layout is None:
                raise EncodeError(
                    Reason.MALFORMED,
                    f"ReportAttributes: attribute {hex_id(record.attribute_id)} has data type "
                    f"0x{record.data_type:02X}, which this codec does not handle",
                )
            size, signed = layout
            name = f"attribute {hex_id(record.attribute_id)}"
            writer.u16(record.attribute_id, "attribute id")
            writer.u8(record.data_type, f"{name} data type")
            if signed:
                writer.sint(record.value, size, f"{name} value")
            else:
                writer.uint(record.value, size, f"{name} value")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> ReportAttributes:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if empty, cut inside a record, or a record has a data type
                this codec does not handle (its length would be unknown, so nothing after it can
                be read).
        """
        reader = Reader(data, "ReportAttributes")
        records: list[AttributeRecord] = []
        while not reader.at_end():
            attribute_id = reader.u16("attribute id")
            name = f"attribute {hex_id(attribute_id)}"
            data_type = reader.u8(f"{name} data type")
            layout = _TYPE_LAYOUT.get(data_type)
            if layout is None:
                raise DecodeError(
                    Reason.MALFORMED,
                    f"ReportAttributes: {name} has data type 0x{data_type:02X}, "
                    "which this display does not handle",
                )
            size, signed = layout
            value = (
                reader.sint(size, f"{name} value") if signed else reader.uint(size, f"{name} value")
            )
            records.append(AttributeRecord(attribute_id, data_type, value))
        if not records:
            raise DecodeError(Reason.MALFORMED, "ReportAttributes: the report has no records")
        return cls(tuple(records))

    def to_dict(self, attribute_names: Mapping[int, str] | None = None) -> dict[str, JsonValue]:
        """JSON-safe view; ``attribute_names`` adds a name to each record when given."""
        return {"records": [record.to_dict(attribute_names) for record in self.records]}


@dataclass(frozen=True, slots=True)
class DefaultResponse:
    """Global 0x0B: the outcome of a command that has no specific response.

    Attributes:
        command_id: The command being answered.
        status: A ZCL status, see :class:`ZclStatus`.
    """

    CLUSTER_ID: ClassVar[int | None] = None
    FRAME_TYPE: ClassVar[FrameType] = FrameType.GLOBAL
    DIRECTION: ClassVar[Direction | None] = None
    COMMAND_ID: ClassVar[int] = 0x0B

    command_id: int
    status: int = ZclStatus.SUCCESS

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: A field is out of range.
        """
        writer = Writer("DefaultResponse")
        writer.u8(self.command_id, "command id")
        writer.u8(self.status, "status")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> DefaultResponse:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` unless exactly two bytes.
        """
        reader = Reader(data, "DefaultResponse")
        command_id = reader.u8("command id")
        status = reader.u8("status")
        reader.expect_end()
        return cls(command_id=command_id, status=status)

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view: the status by lower-case name where ZCL names it."""
        return {
            "command_id": hex_id(self.command_id, 2),
            "status": enum_label(ZclStatus, self.status),
        }
