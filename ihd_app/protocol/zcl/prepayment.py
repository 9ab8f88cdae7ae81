"""Prepayment cluster (0x0705) commands used by GB prepayment, in their ZSE 1.4 layouts.

Client to server (the display or the supplier's head end talking to the meter's prepayment
server): 0x00 SelectAvailableEmergencyCredit, 0x04 ConsumerTopUp, 0x05 CreditAdjustment,
0x06 ChangePaymentMode. Server to client (the meter): 0x01 PublishPrepaySnapshot (with the
DebtCreditStatus payload), 0x03 ConsumerTopUpResponse. Money is in the currency's minor unit
(pence for GBP); signed fields are int32 so a balance below zero travels as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar

from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl.clusters import PREPAYMENT, JsonValue
from ihd_app.protocol.zcl.frame import Direction, FrameType
from ihd_app.protocol.zcl.prepayment_mode import (
    ACCOUNT_BASE,
    CONTACTOR_FITTED,
    CREDIT_DISPLAY_ENABLED,
    CREDIT_MANAGEMENT_ENABLED,
    DISCONNECTION_ENABLED,
    PREPAYMENT_ENABLED,
    ChangePaymentMode,
)
from ihd_app.protocol.zcl.primitives import Reader, Writer

# ChangePaymentMode lives in its own module; it is re-exported so the cluster reads as one.
__all__ = [
    "ACCOUNT_BASE",
    "CONTACTOR_FITTED",
    "CREDIT_DISPLAY_ENABLED",
    "CREDIT_MANAGEMENT_ENABLED",
    "DISCONNECTION_ENABLED",
    "MAX_TOP_UP_CODE",
    "PREPAYMENT_ENABLED",
    "ChangePaymentMode",
    "ConsumerTopUp",
    "ConsumerTopUpResponse",
    "CreditAdjustment",
    "CreditAdjustmentType",
    "OriginatingDevice",
    "PublishPrepaySnapshot",
    "SelectAvailableEmergencyCredit",
    "TopUpResult",
]

#: The longest top-up code ZSE carries (an octet string; a GB UTRN is 20 digits).
MAX_TOP_UP_CODE = 32
#: SnapshotPayloadType of the only payload defined by ZSE 1.4.
DEBT_CREDIT_STATUS = 0x00


class OriginatingDevice(IntEnum):
    """Who entered a top-up or chose emergency credit (ZSE OriginatingDevice enum8)."""

    ENERGY_SERVICE_INTERFACE = 0x00
    METER = 0x01
    IN_HOME_DISPLAY = 0x02


class TopUpResult(IntEnum):
    """ConsumerTopUpResponse ResultType (ZSE 1.4)."""

    ACCEPTED = 0x00
    REJECTED_INVALID = 0x01
    REJECTED_DUPLICATE = 0x02
    REJECTED_ERROR = 0x03
    REJECTED_MAX_CREDIT = 0x04
    REJECTED_KEYPAD_LOCK = 0x05
    REJECTED_TOO_LARGE = 0x06
    ACCEPTED_SUPPLY_ENABLED = 0x10
    ACCEPTED_SUPPLY_DISABLED = 0x11
    ACCEPTED_SUPPLY_ARMED = 0x12

    @property
    def accepted(self) -> bool:
        """Whether the credit was added."""
        return self in (
            TopUpResult.ACCEPTED,
            TopUpResult.ACCEPTED_SUPPLY_ENABLED,
            TopUpResult.ACCEPTED_SUPPLY_DISABLED,
            TopUpResult.ACCEPTED_SUPPLY_ARMED,
        )


class CreditAdjustmentType(IntEnum):
    """CreditAdjustmentType: add to the balance, or set it."""

    INCREMENTAL = 0x00
    ABSOLUTE = 0x01


def _enum(kind: type[IntEnum], value: int, field: str, context: str) -> IntEnum:
    try:
        return kind(value)
    except ValueError:
        raise DecodeError(
            Reason.MALFORMED, f"{context}: {field} 0x{value:02X} is not a defined value"
        ) from None


@dataclass(frozen=True, slots=True, kw_only=True)
class SelectAvailableEmergencyCredit:
    """0x00, client to server: the consumer takes the emergency credit on offer.

    Attributes:
        command_issue_time: UTCTime the consumer chose it.
        originating_device: Where it was chosen.
    """

    CLUSTER_ID: ClassVar[int | None] = PREPAYMENT
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.CLIENT_TO_SERVER
    COMMAND_ID: ClassVar[int] = 0x00

    command_issue_time: int
    originating_device: OriginatingDevice = OriginatingDevice.IN_HOME_DISPLAY

    def encode(self) -> bytes:
        """The command payload."""
        writer = Writer("SelectAvailableEmergencyCredit")
        writer.u32(self.command_issue_time, "command issue date time")
        writer.u8(int(self.originating_device), "originating device")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> SelectAvailableEmergencyCredit:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if short, over-long or the device is undefined.
        """
        reader = Reader(data, "SelectAvailableEmergencyCredit")
        issued = reader.u32("command issue date time")
        device = _enum(
            OriginatingDevice,
            reader.u8("originating device"),
            "originating device",
            "SelectAvailableEmergencyCredit",
        )
        reader.expect_end()
        return cls(command_issue_time=issued, originating_device=OriginatingDevice(device))

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields."""
        return {
            "command_issue_time": self.command_issue_time,
            "originating_device": self.originating_device.name.lower(),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsumerTopUp:
    """0x04, client to server: a top-up code (UTRN) the consumer entered.

    Attributes:
        top_up_code: The code's characters (ASCII digits for a UTRN).
        originating_device: Where it was entered.
    """

    CLUSTER_ID: ClassVar[int | None] = PREPAYMENT
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.CLIENT_TO_SERVER
    COMMAND_ID: ClassVar[int] = 0x04

    top_up_code: bytes
    originating_device: OriginatingDevice = OriginatingDevice.IN_HOME_DISPLAY

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: The code is longer than 32 bytes.
        """
        writer = Writer("ConsumerTopUp")
        writer.u8(int(self.originating_device), "originating device")
        writer.octets(self.top_up_code, "top up code", MAX_TOP_UP_CODE)
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> ConsumerTopUp:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if short, over-long or the device is undefined.
        """
        reader = Reader(data, "ConsumerTopUp")
        device = _enum(
            OriginatingDevice,
            reader.u8("originating device"),
            "originating device",
            "ConsumerTopUp",
        )
        code = reader.octets("top up code", MAX_TOP_UP_CODE)
        reader.expect_end()
        return cls(top_up_code=code, originating_device=OriginatingDevice(device))

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields."""
        return {
            "originating_device": self.originating_device.name.lower(),
            "top_up_code": self.top_up_code.decode("ascii", errors="replace"),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditAdjustment:
    """0x05, client to server: the supplier adds credit (or sets the balance).

    Attributes:
        issuer_event_id: u32, unique per supplier command.
        start_time: UTCTime it applies from (0: now).
        adjustment_type: Incremental or absolute.
        value: int32 in pence.
    """

    CLUSTER_ID: ClassVar[int | None] = PREPAYMENT
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.CLIENT_TO_SERVER
    COMMAND_ID: ClassVar[int] = 0x05

    issuer_event_id: int
    start_time: int = 0
    adjustment_type: CreditAdjustmentType = CreditAdjustmentType.INCREMENTAL
    value: int

    def encode(self) -> bytes:
        """The command payload."""
        writer = Writer("CreditAdjustment")
        writer.u32(self.issuer_event_id, "issuer event id")
        writer.u32(self.start_time, "start time")
        writer.u8(int(self.adjustment_type), "credit adjustment type")
        writer.sint(self.value, 4, "credit adjustment value")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> CreditAdjustment:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if short, over-long or the type is undefined.
        """
        reader = Reader(data, "CreditAdjustment")
        event = reader.u32("issuer event id")
        start = reader.u32("start time")
        kind = _enum(
            CreditAdjustmentType,
            reader.u8("credit adjustment type"),
            "credit adjustment type",
            "CreditAdjustment",
        )
        value = reader.sint(4, "credit adjustment value")
        reader.expect_end()
        return cls(
            issuer_event_id=event,
            start_time=start,
            adjustment_type=CreditAdjustmentType(kind),
            value=value,
        )

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields."""
        return {
            "issuer_event_id": self.issuer_event_id,
            "start_time": self.start_time,
            "adjustment_type": self.adjustment_type.name.lower(),
            "value": self.value,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishPrepaySnapshot:
    """0x01, server to client: the meter's credit and debt (DebtCreditStatus payload).

    Attributes:
        snapshot_id: u32.
        snapshot_time: UTCTime.
        snapshot_cause: map32 (bit 0 general, bit 3 change of tariff... as ZSE).
        accumulated_debt: int32 pence.
        type1_debt_remaining: u32 pence (time-based recovery).
        type2_debt_remaining: u32 pence (payment-based recovery).
        type3_debt_remaining: u32 pence.
        emergency_credit_remaining: int32 pence.
        credit_remaining: int32 pence.
        total_snapshots_found: u8.
        command_index: u8.
        total_number_of_commands: u8.
    """

    CLUSTER_ID: ClassVar[int | None] = PREPAYMENT
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.SERVER_TO_CLIENT
    COMMAND_ID: ClassVar[int] = 0x01

    snapshot_id: int
    snapshot_time: int
    snapshot_cause: int = 0x00000001
    accumulated_debt: int = 0
    type1_debt_remaining: int = 0
    type2_debt_remaining: int = 0
    type3_debt_remaining: int = 0
    emergency_credit_remaining: int = 0
    credit_remaining: int
    total_snapshots_found: int = 1
    command_index: int = 0
    total_number_of_commands: int = 1

    def encode(self) -> bytes:
        """The command payload."""
        writer = Writer("PublishPrepaySnapshot")
        writer.u32(self.snapshot_id, "snapshot id")
        writer.u32(self.snapshot_time, "snapshot time")
        writer.u8(self.total_snapshots_found, "total snapshots found")
        writer.u8(self.command_index, "command index")
        writer.u8(self.total_number_of_commands, "total number of commands")
        writer.u32(self.snapshot_cause, "snapshot cause")
        writer.u8(DEBT_CREDIT_STATUS, "snapshot payload type")
        writer.sint(self.accumulated_debt, 4, "accumulated debt")
        writer.u32(self.type1_debt_remaining, "type 1 debt remaining")
        writer.u32(self.type2_debt_remaining, "type 2 debt remaining")
        writer.u32(self.type3_debt_remaining, "type 3 debt remaining")
        writer.sint(self.emergency_credit_remaining, 4, "emergency credit remaining")
        writer.sint(self.credit_remaining, 4, "credit remaining")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> PublishPrepaySnapshot:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if short, over-long or the payload type is not
                DebtCreditStatus.
        """
        reader = Reader(data, "PublishPrepaySnapshot")
        snapshot_id = reader.u32("snapshot id")
        at = reader.u32("snapshot time")
        found = reader.u8("total snapshots found")
        index = reader.u8("command index")
        total = reader.u8("total number of commands")
        cause = reader.u32("snapshot cause")
        payload_type = reader.u8("snapshot payload type")
        if payload_type != DEBT_CREDIT_STATUS:
            raise DecodeError(
                Reason.MALFORMED,
                f"PublishPrepaySnapshot: payload type 0x{payload_type:02X} is not "
                "DebtCreditStatus (0x00)",
            )
        debt = reader.sint(4, "accumulated debt")
        type1 = reader.u32("type 1 debt remaining")
        type2 = reader.u32("type 2 debt remaining")
        type3 = reader.u32("type 3 debt remaining")
        emergency = reader.sint(4, "emergency credit remaining")
        credit = reader.sint(4, "credit remaining")
        reader.expect_end()
        return cls(
            snapshot_id=snapshot_id,
            snapshot_time=at,
            snapshot_cause=cause,
            accumulated_debt=debt,
            type1_debt_remaining=type1,
            type2_debt_remaining=type2,
            type3_debt_remaining=type3,
            emergency_credit_remaining=emergency,
            credit_remaining=credit,
            total_snapshots_found=found,
            command_index=index,
            total_number_of_commands=total,
        )

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields."""
        return {
            "snapshot_id": self.snapshot_id,
            "snapshot_time": self.snapshot_time,
            "total_snapshots_found": self.total_snapshots_found,
            "command_index": self.command_index,
            "total_number_of_commands": self.total_number_of_commands,
            "snapshot_cause": f"0x{self.snapshot_cause:08X}",
            "snapshot_payload_type": "debt_credit_status",
            "accumulated_debt": self.accumulated_debt,
            "type1_debt_remaining": self.type1_debt_remaining,
            "type2_debt_remaining": self.type2_debt_remaining,
            "type3_debt_remaining": self.type3_debt_remaining,
            "emergency_credit_remaining": self.emergency_credit_remaining,
            "credit_remaining": self.credit_remaining,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsumerTopUpResponse:
    """0x03, server to client: the meter's verdict on a top-up code.

    Attributes:
        result: ResultType.
        top_up_value: Pence added (0 when refused).
        source: Where the code was entered.
        credit_remaining: Pence of credit after it.
    """

    CLUSTER_ID: ClassVar[int | None] = PREPAYMENT
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.SERVER_TO_CLIENT
    COMMAND_ID: ClassVar[int] = 0x03

    result: TopUpResult
    top_up_value: int = 0
    source: OriginatingDevice = OriginatingDevice.IN_HOME_DISPLAY
    credit_remaining: int

    def encode(self) -> bytes:
        """The command payload."""
        writer = Writer("ConsumerTopUpResponse")
        writer.u8(int(self.result), "result type")
        writer.sint(self.top_up_value, 4, "top up value")
        writer.u8(int(self.source), "source of top up")
        writer.sint(self.credit_remaining, 4, "credit remaining")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> ConsumerTopUpResponse:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if short, over-long or an enum is undefined.
        """
        context = "ConsumerTopUpResponse"
        reader = Reader(data, context)
        result = _enum(TopUpResult, reader.u8("result type"), "result type", context)
        value = reader.sint(4, "top up value")
        source = _enum(
            OriginatingDevice, reader.u8("source of top up"), "source of top up", context
        )
        credit = reader.sint(4, "credit remaining")
        reader.expect_end()
        return cls(
            result=TopUpResult(result),
            top_up_value=value,
            source=OriginatingDevice(source),
            credit_remaining=credit,
        )

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields."""
        return {
            "result": self.result.name.lower(),
            "top_up_value": self.top_up_value,
            "source": self.source.name.lower(),
            "credit_remaining": self.credit_remaining,
        }
