"""The on-air unit and bare ZCL frames: dispatch from bytes to command dataclasses and back.

A unit is ``cluster id (u16 LE) | endpoint (u8: 1 electricity, 2 gas) | ZCL frame`` and a ZCL
frame is ``header | command payload``. A command is identified by
``(cluster id, frame type, direction, command id)``; the same command id means different
commands in the two directions (Messaging 0x01 is CancelMessage from the server and
MessageConfirmation from the client).

Building a unit takes one call; header fields come from the command's class::

    unit = Unit.of(DisplayMessage(message_id=7, message="Power cut 14:00-16:00"), tsn=3)
    data = encode_unit(unit)            # or unit.encode()
    assert decode_unit(data) == unit

    Unit.of(demand_report(1500), cluster_id=METERING, endpoint=Endpoint.GAS)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, TypeAlias

from ihd_app.protocol.errors import DecodeError, EncodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl.calendar import PublishCalendar, PublishDayProfile, PublishWeekProfile
from ihd_app.protocol.zcl.calendar_dates import PublishSeasons, PublishSpecialDays
from ihd_app.protocol.zcl.clusters import (
    CLUSTER_NAMES,
    METERING,
    Endpoint,
    JsonValue,
    MeteringAttribute,
    hex_id,
)
from ihd_app.protocol.zcl.drlc import (
    CancelAllLoadControlEvents,
    CancelLoadControlEvent,
    GetScheduledEvents,
    LoadControlEvent,
    ReportEventStatus,
)
from ihd_app.protocol.zcl.frame import (
    Direction,
    FrameType,
    ZclHeader,
    decode_header,
    encode_header,
)
from ihd_app.protocol.zcl.general import DefaultResponse, ReportAttributes
from ihd_app.protocol.zcl.messaging import (
    CancelAllMessages,
    CancelMessage,
    DisplayMessage,
    MessageConfirmation,
)
from ihd_app.protocol.zcl.metering import GetProfile, GetProfileResponse
from ihd_app.protocol.zcl.prepayment import (
    ChangePaymentMode,
    ConsumerTopUp,
    ConsumerTopUpResponse,
    CreditAdjustment,
    PublishPrepaySnapshot,
    SelectAvailableEmergencyCredit,
)
from ihd_app.protocol.zcl.prepayment_debt import ChangeDebt
from ihd_app.protocol.zcl.price import PublishPrice, PublishTariffInformation
from ihd_app.protocol.zcl.price_matrix import PublishBlockThresholds, PublishPriceMatrix
from ihd_app.protocol.zcl.primitives import Reader, Writer
from ihd_app.protocol.zcl.sampled_data import GetSampledData, GetSampledDataResponse
from ihd_app.protocol.zcl.supply_control import ChangeSupply

#: Any command this codec reads or writes.
Command: TypeAlias = (
    DisplayMessage
    | CancelMessage
    | CancelAllMessages
    | MessageConfirmation
    | PublishPrice
    | PublishTariffInformation
    | PublishPriceMatrix
    | PublishBlockThresholds
    | GetProfile
    | GetProfileResponse
    | GetSampledData
    | GetSampledDataResponse
    | PublishCalendar
    | PublishDayProfile
    | PublishWeekProfile
    | PublishSeasons
    | PublishSpecialDays
    | ReportAttributes
    | DefaultResponse
    | ChangeSupply
    | LoadControlEvent
    | CancelLoadControlEvent
    | CancelAllLoadControlEvents
    | ReportEventStatus
    | GetScheduledEvents
    | SelectAvailableEmergencyCredit
    | ConsumerTopUp
    | CreditAdjustment
    | ChangePaymentMode
    | PublishPrepaySnapshot
    | ConsumerTopUpResponse
    | ChangeDebt
)

#: Every command class, for dispatch and for tests that must cover them all.
COMMAND_TYPES: Final[tuple[type[Command], ...]] = (
    DisplayMessage,
    CancelMessage,
    CancelAllMessages,
    MessageConfirmation,
    PublishPrice,
    PublishTariffInformation,
    PublishPriceMatrix,
    PublishBlockThresholds,
    GetProfile,
    GetProfileResponse,
    GetSampledData,
    GetSampledDataResponse,
    PublishCalendar,
    PublishDayProfile,
    PublishWeekProfile,
    PublishSeasons,
    PublishSpecialDays,
    ReportAttributes,
    DefaultResponse,
    ChangeSupply,
    LoadControlEvent,
    CancelLoadControlEvent,
    CancelAllLoadControlEvents,
    ReportEventStatus,
    GetScheduledEvents,
    SelectAvailableEmergencyCredit,
    ConsumerTopUp,
    CreditAdjustment,
    ChangePaymentMode,
    PublishPrepaySnapshot,
    ConsumerTopUpResponse,
    ChangeDebt,
)

#: The clusters units may belong to.
KNOWN_CLUSTERS: Final = tuple(CLUSTER_NAMES)

_Key: TypeAlias = tuple[int, FrameType, Direction, int]


def _build_dispatch() -> Mapping[_Key, type[Command]]:
    table: dict[_Key, type[Command]] = {}
    for command_type in COMMAND_TYPES:
        # Global commands mean the same on every cluster and in both directions.
        clusters = KNOWN_CLUSTERS if command_type.CLUSTER_ID is None else (command_type.CLUSTER_ID,)
        directions = (
            tuple(Direction) if command_type.DIRECTION is None else (command_type.DIRECTION,)
        )
        for cluster_id in clusters:
            for direction in directions:
                key = (cluster_id, command_type.FRAME_TYPE, direction, command_type.COMMAND_ID)
                if key in table:
                    raise RuntimeError(f"two commands claim {key}")
                table[key] = command_type
    return MappingProxyType(table)


_DISPATCH: Final = _build_dispatch()

_METERING_NAMES: Final[Mapping[int, str]] = MappingProxyType(
    {attribute.value: attribute.name.lower() for attribute in MeteringAttribute}
)


def _describe(cluster_id: int, header: ZclHeader) -> str:
    kind = "cluster" if header.frame_type is FrameType.CLUSTER else "global"
    direction = header.direction.name.lower().replace("_", "-")
    return f"{direction} {kind} command 0x{header.command_id:02X} on cluster {hex_id(cluster_id)}"


def _command_type(cluster_id: int, header: ZclHeader) -> type[Command]:
    """The class of the command ``header`` announces on ``cluster_id``.

    Raises:
        DecodeError: ``UNKNOWN_COMMAND`` for an unknown cluster, a manufacturer-specific command
            or a command id with no codec.
    """
    if cluster_id not in CLUSTER_NAMES:
        raise DecodeError(
            Reason.UNKNOWN_COMMAND, f"cluster {hex_id(cluster_id)} is not one this display uses"
        )
    if header.manufacturer_code is not None:
        # Manufacturer-specific command ids live in the manufacturer's own numbering, so
        # reading one as the standard command with the same id would be wrong.
        raise DecodeError(
            Reason.UNKNOWN_COMMAND,
            f"{_describe(cluster_id, header)} is specific to manufacturer "
            f"{hex_id(header.manufacturer_code)}",
        )
    key = (cluster_id, header.frame_type, header.direction, header.command_id)
    command_type = _DISPATCH.get(key)
    if command_type is None:
        raise DecodeError(
            Reason.UNKNOWN_COMMAND, f"{_describe(cluster_id, header)} is not supported"
        )
    return command_type


def _check_consistent(cluster_id: int, header: ZclHeader, command: Command) -> None:
    """Refuse to encode a header that would make the bytes decode as a different command."""
    try:
        expected = _command_type(cluster_id, header)
    except DecodeError as exc:
        raise EncodeError(exc.reason, exc.detail) from None
    if not isinstance(command, expected):
        raise EncodeError(
            Reason.MALFORMED,
            f"the header announces {expected.__name__} ({_describe(cluster_id, header)}) "
            f"but the command is {type(command).__name__}",
        )


def _fields(cluster_id: int, command: Command) -> dict[str, JsonValue]:
    if isinstance(command, ReportAttributes):
        return command.to_dict(_METERING_NAMES if cluster_id == METERING else None)
    return command.to_dict()


def _header_for(
    command: Command,
    cluster_id: int | None,
    tsn: int,
    direction: Direction | None,
    disable_default_response: bool,
) -> tuple[int, ZclHeader]:
    resolved_cluster = command.CLUSTER_ID if cluster_id is None else cluster_id
    if resolved_cluster is None:
        raise EncodeError(
            Reason.MALFORMED, f"{type(command).__name__} is a global command: give a cluster_id"
        )
    if direction is None:
        # A global command without a stated direction is the meter (server) reporting.
        direction = Direction.SERVER_TO_CLIENT if command.DIRECTION is None else command.DIRECTION
    header = ZclHeader(
        frame_type=command.FRAME_TYPE,
        manufacturer_code=None,
        direction=direction,
        disable_default_response=disable_default_response,
        tsn=tsn,
        command_id=command.COMMAND_ID,
    )
    return resolved_cluster, header


@dataclass(frozen=True, slots=True)
class Frame:
    """A bare ZCL frame (header and command) of a known cluster.

    Attributes:
        cluster_id: The cluster the frame belongs to (not on the wire in a bare frame).
        header: The ZCL header.
        command: The decoded command.
    """

    cluster_id: int
    header: ZclHeader
    command: Command

    @classmethod
    def of(
        cls,
        command: Command,
        *,
        cluster_id: int | None = None,
        tsn: int = 0,
        direction: Direction | None = None,
        disable_default_response: bool = False,
    ) -> Frame:
        """Wrap ``command`` in a matching header.

        Args:
            command: The command.
            cluster_id: Needed only for global commands (ReportAttributes, DefaultResponse).
            tsn: Transaction sequence number.
            direction: Needed only for a global command sent client to server.
            disable_default_response: Frame control bit 4.

        Raises:
            EncodeError: A global command without ``cluster_id``.
        """
        resolved, header = _header_for(
            command, cluster_id, tsn, direction, disable_default_response
        )
        return cls(cluster_id=resolved, header=header, command=command)

    def encode(self) -> bytes:
        """Same as :func:`encode_frame`."""
        return encode_frame(self)

    @property
    def command_name(self) -> str:
        """The command's class name, e.g. ``"DisplayMessage"``."""
        return type(self.command).__name__

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON view as printed by ``ihd frame decode HEX --cluster ID``."""
        return {
            "cluster_id": hex_id(self.cluster_id),
            "cluster": CLUSTER_NAMES.get(self.cluster_id),
            "frame": self.header.to_dict(),
            "command": self.command_name,
            "fields": _fields(self.cluster_id, self.command),
        }


@dataclass(frozen=True, slots=True)
class Unit:
    """One unit on the air: cluster, endpoint (fuel) and ZCL frame.

    Attributes:
        cluster_id: Price, Metering, Messaging or Calendar.
        endpoint: Electricity or gas.
        header: The ZCL header.
        command: The decoded command.
    """

    cluster_id: int
    endpoint: Endpoint
    header: ZclHeader
    command: Command

    @classmethod
    def of(
        cls,
        command: Command,
        *,
        endpoint: Endpoint = Endpoint.ELECTRICITY,
        cluster_id: int | None = None,
        tsn: int = 0,
        direction: Direction | None = None,
        disable_default_response: bool = False,
    ) -> Unit:
        """Wrap ``command`` in a unit with a matching header.

        Args:
            command: The command.
            endpoint: The fuel the unit is about.
            cluster_id: Needed only for global commands (ReportAttributes, DefaultResponse).
            tsn: Transaction sequence number.
            direction: Needed only for a global command sent client to server.
            disable_default_response: Frame control bit 4.

        Raises:
            EncodeError: A global command without ``cluster_id``.
        """
        resolved, header = _header_for(
            command, cluster_id, tsn, direction, disable_default_response
        )
        return cls(cluster_id=resolved, endpoint=endpoint, header=header, command=command)

    @property
    def frame(self) -> Frame:
        """The unit without its cluster and endpoint bytes."""
        return Frame(cluster_id=self.cluster_id, header=self.header, command=self.command)

    def encode(self) -> bytes:
        """Same as :func:`encode_unit`."""
        return encode_unit(self)

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON view as printed by ``ihd frame decode HEX``."""
        frame = self.frame.to_dict()
        return {
            "cluster_id": frame["cluster_id"],
            "cluster": frame["cluster"],
            "endpoint": int(self.endpoint),
            "fuel": self.endpoint.name.lower(),
            "frame": frame["frame"],
            "command": frame["command"],
            "fields": frame["fields"],
        }


def decode_frame(data: bytes, cluster_id: int) -> Frame:
    """Decode a bare ZCL frame (header and payload) of cluster ``cluster_id``.

    Raises:
        DecodeError: ``UNKNOWN_COMMAND`` for an unknown cluster or command, ``MALFORMED`` for
            anything else wrong.
    """
    reader = Reader(data, "ZCL frame")
    header = decode_header(reader)
    command_type = _command_type(cluster_id, header)
    command = command_type.decode(reader.rest())
    return Frame(cluster_id=cluster_id, header=header, command=command)


def encode_frame(frame: Frame) -> bytes:
    """Encode a bare ZCL frame.

    Raises:
        EncodeError: A field is out of range, or the header does not announce this command on
            this cluster.
    """
    _check_consistent(frame.cluster_id, frame.header, frame.command)
    return encode_header(frame.header) + frame.command.encode()


def decode_unit(data: bytes) -> Unit:
    """Decode an on-air unit.

    Raises:
        DecodeError: ``MALFORMED`` for a short unit, an endpoint other than 1 or 2 or a damaged
            frame; ``UNKNOWN_COMMAND`` for an unknown cluster or command.
    """
    reader = Reader(data, "unit")
    cluster_id = reader.u16("cluster id")
    raw_endpoint = reader.u8("endpoint")
    if raw_endpoint not in tuple(Endpoint):
        raise DecodeError(
            Reason.MALFORMED,
            f"unit: endpoint {raw_endpoint} is neither 1 (electricity) nor 2 (gas)",
        )
    frame = decode_frame(reader.rest(), cluster_id)
    return Unit(
        cluster_id=cluster_id,
        endpoint=Endpoint(raw_endpoint),
        header=frame.header,
        command=frame.command,
    )


def encode_unit(unit: Unit) -> bytes:
    """Encode an on-air unit.

    Raises:
        EncodeError: A field is out of range, the endpoint is not 1 or 2, or the header does not
            announce this command on this cluster.
    """
    if unit.endpoint not in tuple(Endpoint):
        raise EncodeError(Reason.MALFORMED, f"unit: endpoint {unit.endpoint} is not 1 or 2")
    writer = Writer("unit")
    writer.u16(unit.cluster_id, "cluster id")
    writer.u8(int(unit.endpoint), "endpoint")
    return writer.getvalue() + encode_frame(unit.frame)
