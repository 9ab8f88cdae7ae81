"""Metering cluster (0x0702) ChangeSupply (client 0x0B), ZSE 1.2+: the head end tells the meter
what its supply switch should do.

A GB operator's remote disconnection and "enable" (arming) travel as ChangeSupply with Proposed
Supply Status 0 (off) or 1 (off/armed: the consumer switches it back on at the meter). Status 2
(on, a remote switch-on without anyone at the premises) decodes, and the meter refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ihd_app.protocol.zcl.clusters import METERING, JsonValue, SupplyStatus, enum_label
from ihd_app.protocol.zcl.frame import Direction, FrameType
from ihd_app.protocol.zcl.primitives import Reader, Writer

#: SupplyControlBits bit 0: the meter must answer with a SupplyStatusResponse.
ACKNOWLEDGE_REQUIRED = 0x01


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeSupply:
    """Metering 0x0B, client to server: change the supply switch. Payload exactly 14 bytes.

    Attributes:
        provider_id: u32, the commodity provider.
        issuer_event_id: u32, higher = newer (the operator's message id).
        request_time: UTCTime the change was asked for.
        implementation_time: UTCTime it applies (0 = now; 0xFFFFFFFF cancels a pending one).
        proposed_supply_status: enum8, see :class:`~ihd_app.protocol.zcl.SupplyStatus`.
        supply_control_bits: map8, bit 0 acknowledge required.
    """

    CLUSTER_ID: ClassVar[int | None] = METERING
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.CLIENT_TO_SERVER
    COMMAND_ID: ClassVar[int] = 0x0B

    provider_id: int = 1
    issuer_event_id: int
    request_time: int
    implementation_time: int = 0
    proposed_supply_status: int
    supply_control_bits: int = ACKNOWLEDGE_REQUIRED

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: A field is out of range.
        """
        writer = Writer("ChangeSupply")
        writer.u32(self.provider_id, "provider id")
        writer.u32(self.issuer_event_id, "issuer event id")
        writer.u32(self.request_time, "request time")
        writer.u32(self.implementation_time, "implementation time")
        writer.u8(self.proposed_supply_status, "proposed supply status")
        writer.u8(self.supply_control_bits, "supply control bits")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> ChangeSupply:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` unless exactly fourteen bytes.
        """
        reader = Reader(data, "ChangeSupply")
        result = cls(
            provider_id=reader.u32("provider id"),
            issuer_event_id=reader.u32("issuer event id"),
            request_time=reader.u32("request time"),
            implementation_time=reader.u32("implementation time"),
            proposed_supply_status=reader.u8("proposed supply status"),
            supply_control_bits=reader.u8("supply control bits"),
        )
        reader.expect_end()
        return result

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields."""
        return {
            "provider_id": self.provider_id,
            "issuer_event_id": self.issuer_event_id,
            "request_time": self.request_time,
            "implementation_time": self.implementation_time,
            "proposed_supply_status": enum_label(SupplyStatus, self.proposed_supply_status),
            "supply_control_bits": self.supply_control_bits,
        }
