"""Prepayment cluster (0x0705) ChangeDebt: the supplier sets a debt and how it is recovered.

0x02, client to server (ZSE 1.4): IssuerEventID u32, DebtLabel octet string, DebtAmount u32,
DebtRecoveryMethod enum8 (0 time-based, 1 percentage-based, 2 catch-up), DebtAmountType enum8
(0/1 Type 1 absolute/incremental, 2/3 Type 2, 4/5 Type 3), DebtRecoveryStartTime UTCTime,
DebtRecoveryCollectionTime u16 (minutes after midnight), DebtRecoveryFrequency enum8 (0 per hour,
1 per day, 2 per week, 3 per month, 4 per quarter), DebtRecoveryAmount u32,
DebtRecoveryBalancePercentage u16 (hundredths of a percent).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar

from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl.clusters import PREPAYMENT, JsonValue
from ihd_app.protocol.zcl.frame import Direction, FrameType
from ihd_app.protocol.zcl.primitives import Reader, Writer

#: The longest DebtLabel (ZSE: up to 12 octets).
MAX_DEBT_LABEL = 12


class DebtRecoveryMethod(IntEnum):
    """How the debt is collected."""

    TIME_BASED = 0x00
    PERCENTAGE_BASED = 0x01
    CATCH_UP = 0x02


class DebtRecoveryFrequency(IntEnum):
    """How often a time-based collection is taken."""

    PER_HOUR = 0x00
    PER_DAY = 0x01
    PER_WEEK = 0x02
    PER_MONTH = 0x03
    PER_QUARTER = 0x04

    @property
    def days(self) -> float:
        """The period in days (a month 30, a quarter 91)."""
        return {0: 1 / 24, 1: 1.0, 2: 7.0, 3: 30.0, 4: 91.0}[int(self)]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeDebt:
    """0x02, client to server: set or add a debt and its recovery.

    Attributes:
        issuer_event_id: u32.
        debt_label: Octet string (<= 12).
        debt_amount: u32 pence.
        recovery_method: Time-based, percentage-based or catch-up.
        amount_type: 0-5: debt type 1-3, absolute (even) or incremental (odd).
        recovery_start_time: UTCTime (0: now).
        collection_time: u16 minutes after midnight.
        frequency: For time-based recovery.
        recovery_amount: u32 pence per period (time-based).
        balance_percentage: u16 hundredths of a percent of each top-up (percentage-based).
    """

    CLUSTER_ID: ClassVar[int | None] = PREPAYMENT
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.CLIENT_TO_SERVER
    COMMAND_ID: ClassVar[int] = 0x02

    issuer_event_id: int
    debt_label: bytes = b""
    debt_amount: int
    recovery_method: DebtRecoveryMethod
    amount_type: int = 0
    recovery_start_time: int = 0
    collection_time: int = 0
    frequency: DebtRecoveryFrequency = DebtRecoveryFrequency.PER_DAY
    recovery_amount: int = 0
    balance_percentage: int = 0

    @property
    def debt_type(self) -> int:
        """1, 2 or 3."""
        return self.amount_type // 2 + 1

    @property
    def incremental(self) -> bool:
        """Whether the amount adds to the debt (else it sets it)."""
        return bool(self.amount_type % 2)

    def encode(self) -> bytes:
        """The command payload."""
        writer = Writer("ChangeDebt")
        writer.u32(self.issuer_event_id, "issuer event id")
        writer.octets(self.debt_label, "debt label", MAX_DEBT_LABEL)
        writer.u32(self.debt_amount, "debt amount")
        writer.u8(int(self.recovery_method), "debt recovery method")
        writer.u8(self.amount_type, "debt amount type")
        writer.u32(self.recovery_start_time, "debt recovery start time")
        writer.u16(self.collection_time, "debt recovery collection time")
        writer.u8(int(self.frequency), "debt recovery frequency")
        writer.u32(self.recovery_amount, "debt recovery amount")
        writer.u16(self.balance_percentage, "debt recovery balance percentage")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> ChangeDebt:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if short, over-long or an enum is undefined.
        """
        reader = Reader(data, "ChangeDebt")
        event = reader.u32("issuer event id")
        label = reader.octets("debt label", MAX_DEBT_LABEL)
        amount = reader.u32("debt amount")
        method = reader.u8("debt recovery method")
        amount_type = reader.u8("debt amount type")
        start = reader.u32("debt recovery start time")
        collection = reader.u16("debt recovery collection time")
        frequency = reader.u8("debt recovery frequency")
        recovery = reader.u32("debt recovery amount")
        percentage = reader.u16("debt recovery balance percentage")
        reader.expect_end()
        if method not in DebtRecoveryMethod.__members__.values():
            raise DecodeError(Reason.MALFORMED, f"ChangeDebt: recovery method {method} undefined")
        if frequency not in DebtRecoveryFrequency.__members__.values():
            raise DecodeError(Reason.MALFORMED, f"ChangeDebt: frequency {frequency} undefined")
        if amount_type > 5:
            raise DecodeError(Reason.MALFORMED, f"ChangeDebt: amount type {amount_type} undefined")
        return cls(
            issuer_event_id=event,
            debt_label=label,
            debt_amount=amount,
            recovery_method=DebtRecoveryMethod(method),
            amount_type=amount_type,
            recovery_start_time=start,
            collection_time=collection,
            frequency=DebtRecoveryFrequency(frequency),
            recovery_amount=recovery,
            balance_percentage=percentage,
        )

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields."""
        return {
            "issuer_event_id": self.issuer_event_id,
            "debt_label": self.debt_label.decode("ascii", errors="replace"),
            "debt_amount": self.debt_amount,
            "recovery_method": self.recovery_method.name.lower(),
            "debt_type": self.debt_type,
            "incremental": self.incremental,
            "recovery_start_time": self.recovery_start_time,
            "collection_time": self.collection_time,
            "frequency": self.frequency.name.lower(),
            "recovery_amount": self.recovery_amount,
            "balance_percentage": self.balance_percentage,
        }
