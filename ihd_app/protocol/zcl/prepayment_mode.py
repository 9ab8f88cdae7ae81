"""Prepayment cluster (0x0705) ChangePaymentMode (0x06, client to server, ZSE 1.4): the
supplier switches a meter between credit and prepayment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ihd_app.protocol.zcl.clusters import PREPAYMENT, JsonValue
from ihd_app.protocol.zcl.frame import Direction, FrameType
from ihd_app.protocol.zcl.primitives import Reader, Writer

#: ProposedPaymentControlConfiguration bits (map16) of ChangePaymentMode.
DISCONNECTION_ENABLED = 0x0001
PREPAYMENT_ENABLED = 0x0002
CREDIT_MANAGEMENT_ENABLED = 0x0004
CREDIT_DISPLAY_ENABLED = 0x0010
ACCOUNT_BASE = 0x0040
CONTACTOR_FITTED = 0x0080


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangePaymentMode:
    """0x06, client to server: the supplier switches between credit and prepayment.

    Attributes:
        provider_id: u32.
        issuer_event_id: u32.
        implementation_time: UTCTime it applies from (0: now).
        payment_control: ProposedPaymentControlConfiguration map16; prepayment when
            :data:`PREPAYMENT_ENABLED` is set.
        cut_off_value: int32 pence: the balance the supply is disconnected below.
    """

    CLUSTER_ID: ClassVar[int | None] = PREPAYMENT
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.CLIENT_TO_SERVER
    COMMAND_ID: ClassVar[int] = 0x06

    provider_id: int
    issuer_event_id: int
    implementation_time: int = 0
    payment_control: int
    cut_off_value: int = 0

    @property
    def prepayment(self) -> bool:
        """Whether the proposed mode is prepayment."""
        return bool(self.payment_control & PREPAYMENT_ENABLED)

    def encode(self) -> bytes:
        """The command payload."""
        writer = Writer("ChangePaymentMode")
        writer.u32(self.provider_id, "provider id")
        writer.u32(self.issuer_event_id, "issuer event id")
        writer.u32(self.implementation_time, "implementation date time")
        writer.u16(self.payment_control, "proposed payment control configuration")
        writer.sint(self.cut_off_value, 4, "cut off value")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> ChangePaymentMode:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if short or over-long.
        """
        reader = Reader(data, "ChangePaymentMode")
        provider = reader.u32("provider id")
        event = reader.u32("issuer event id")
        when = reader.u32("implementation date time")
        control = reader.u16("proposed payment control configuration")
        cut_off = reader.sint(4, "cut off value")
        reader.expect_end()
        return cls(
            provider_id=provider,
            issuer_event_id=event,
            implementation_time=when,
            payment_control=control,
            cut_off_value=cut_off,
        )

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields."""
        return {
            "provider_id": self.provider_id,
            "issuer_event_id": self.issuer_event_id,
            "implementation_time": self.implementation_time,
            "payment_control": f"0x{self.payment_control:04X}",
            "prepayment": self.prepayment,
            "cut_off_value": self.cut_off_value,
        }
