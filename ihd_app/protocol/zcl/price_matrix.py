"""Price cluster (0x0700) PublishPriceMatrix (0x05) and PublishBlockThresholds (0x06), ZSE 1.4.

Both are server to client and describe one tariff (IssuerTariffID, announced by
PublishTariffInformation); a large set is split over several commands numbered by CommandIndex
out of TotalNumberOfCommands, each command carrying whole sub-payload entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final

from ihd_app.protocol.errors import DecodeError, EncodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl.clusters import PRICE, JsonValue
from ihd_app.protocol.zcl.frame import Direction, FrameType
from ihd_app.protocol.zcl.primitives import Reader, Writer

#: SubPayloadControl bit 0 of PublishPriceMatrix: set, the entries are TOU tiers; clear, each
#: Tier/Block ID holds a tier (high nibble) and a block (low nibble).
MATRIX_TOU_BASED: Final = 0x01
#: SubPayloadControl bit 0 of PublishBlockThresholds: set, the thresholds apply to every TOU tier
#: (or to block-only charging) and the tier nibble is not used; clear, to the tier named.
THRESHOLDS_ALL_TIERS: Final = 0x01
#: A Tier/NumberOfBlockThresholds nibble counts at most 15 thresholds.
MAX_THRESHOLDS_PER_TIER = 0x0F

_MATRIX_ENTRY_BYTES = 5


@dataclass(frozen=True, slots=True)
class PriceMatrixEntry:
    """One PriceMatrix sub-payload entry.

    Attributes:
        tier_block_id: The raw Tier/Block ID byte: a TOU tier, or tier << 4 | block.
        price: u32, scaled by the tariff's PriceTrailingDigit.
    """

    tier_block_id: int
    price: int


@dataclass(frozen=True, slots=True)
class BlockThresholdEntry:
    """One BlockThreshold sub-payload entry: a tier and its block thresholds.

    Attributes:
        tier: High nibble of Tier/NumberOfBlockThresholds (unused when the thresholds apply to
            every tier).
        thresholds: u48 each, in the metering unit scaled by BlockThresholdMultiplier/Divisor;
            the low nibble on the wire is their count, so at most 15.
    """

    tier: int
    thresholds: tuple[int, ...]


def _write_head(writer: Writer, command: PublishPriceMatrix | PublishBlockThresholds) -> None:
    writer.u32(command.provider_id, "provider id")
    writer.u32(command.issuer_event_id, "issuer event id")
    writer.u32(command.start_time, "start time")
    writer.u32(command.issuer_tariff_id, "issuer tariff id")
    writer.u8(command.command_index, "command index")
    writer.u8(command.total_number_of_commands, "total number of commands")
    writer.u8(command.sub_payload_control, "sub-payload control")


def _read_head(reader: Reader) -> dict[str, int]:
    return {
        "provider_id": reader.u32("provider id"),
        "issuer_event_id": reader.u32("issuer event id"),
        "start_time": reader.u32("start time"),
        "issuer_tariff_id": reader.u32("issuer tariff id"),
        "command_index": reader.u8("command index"),
        "total_number_of_commands": reader.u8("total number of commands"),
        "sub_payload_control": reader.u8("sub-payload control"),
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishPriceMatrix:
    """Price 0x05, server to client: the prices of a tariff's tiers (and blocks).

    Attributes:
        provider_id: ProviderID (u32).
        issuer_event_id: IssuerEventID (u32).
        start_time: UTCTime the matrix applies from (0 = now).
        issuer_tariff_id: IssuerTariffID (u32) of the tariff the prices belong to.
        command_index: CommandIndex (u8), 0 for the first command of the set.
        total_number_of_commands: TotalNumberOfCommands (u8) in the set.
        sub_payload_control: map8; bit 0 is :data:`MATRIX_TOU_BASED`.
        entries: The sub-payload, five bytes per entry.
    """

    CLUSTER_ID: ClassVar[int | None] = PRICE
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.SERVER_TO_CLIENT
    COMMAND_ID: ClassVar[int] = 0x05

    provider_id: int
    issuer_event_id: int
    start_time: int
    issuer_tariff_id: int
    command_index: int
    total_number_of_commands: int
    sub_payload_control: int
    entries: tuple[PriceMatrixEntry, ...]

    @property
    def tou_based(self) -> bool:
        """Whether each Tier/Block ID is a plain TOU tier (SubPayloadControl bit 0)."""
        return bool(self.sub_payload_control & MATRIX_TOU_BASED)

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: A field is out of range.
        """
        writer = Writer("PublishPriceMatrix")
        _write_head(writer, self)
        for index, entry in enumerate(self.entries):
            writer.u8(entry.tier_block_id, f"entry {index} tier/block id")
            writer.u32(entry.price, f"entry {index} price")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> PublishPriceMatrix:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if short or the sub-payload is not whole entries.
        """
        reader = Reader(data, "PublishPriceMatrix")
        head = _read_head(reader)
        if reader.remaining % _MATRIX_ENTRY_BYTES:
            raise DecodeError(
                Reason.MALFORMED,
                f"PublishPriceMatrix: the price matrix is {reader.remaining} bytes, "
                f"not a whole number of {_MATRIX_ENTRY_BYTES}-byte entries",
            )
        entries = tuple(
            PriceMatrixEntry(
                tier_block_id=reader.u8(f"entry {index} tier/block id"),
                price=reader.u32(f"entry {index} price"),
            )
            for index in range(reader.remaining // _MATRIX_ENTRY_BYTES)
        )
        return cls(**head, entries=entries)

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view; each entry shows its tier (and block, when block-based)."""
        rows: list[JsonValue] = []
        for entry in self.entries:
            row: dict[str, JsonValue] = {"tier_block_id": entry.tier_block_id}
            if self.tou_based:
                row["tier"] = entry.tier_block_id
            else:
                row["tier"] = entry.tier_block_id >> 4
                row["block"] = entry.tier_block_id & 0x0F
            row["price"] = entry.price
            rows.append(row)
        return {
            "provider_id": self.provider_id,
            "issuer_event_id": self.issuer_event_id,
            "start_time": self.start_time,
            "issuer_tariff_id": self.issuer_tariff_id,
            "command_index": self.command_index,
            "total_number_of_commands": self.total_number_of_commands,
            "sub_payload_control": self.sub_payload_control,
            "tou_based": self.tou_based,
            "entries": rows,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishBlockThresholds:
    """Price 0x06, server to client: the block thresholds of a tariff, per tier.

    Attributes:
        provider_id: ProviderID (u32).
        issuer_event_id: IssuerEventID (u32).
        start_time: UTCTime the thresholds apply from (0 = now).
        issuer_tariff_id: IssuerTariffID (u32) of the tariff.
        command_index: CommandIndex (u8).
        total_number_of_commands: TotalNumberOfCommands (u8).
        sub_payload_control: map8; bit 0 is :data:`THRESHOLDS_ALL_TIERS`.
        entries: The sub-payload: per entry one Tier/NumberOfBlockThresholds byte, then that many
            six-byte thresholds.
    """

    CLUSTER_ID: ClassVar[int | None] = PRICE
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.SERVER_TO_CLIENT
    COMMAND_ID: ClassVar[int] = 0x06

    provider_id: int
    issuer_event_id: int
    start_time: int
    issuer_tariff_id: int
    command_index: int
    total_number_of_commands: int
    sub_payload_control: int
    entries: tuple[BlockThresholdEntry, ...]

    @property
    def all_tiers(self) -> bool:
        """Whether the thresholds apply to every tier (SubPayloadControl bit 0)."""
        return bool(self.sub_payload_control & THRESHOLDS_ALL_TIERS)

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: A field is out of range, a tier is not a nibble or an entry has more
                than 15 thresholds.
        """
        writer = Writer("PublishBlockThresholds")
        _write_head(writer, self)
        for index, entry in enumerate(self.entries):
            count = len(entry.thresholds)
            if not 0 <= entry.tier <= 0x0F or count > MAX_THRESHOLDS_PER_TIER:
                raise EncodeError(
                    Reason.MALFORMED,
                    f"PublishBlockThresholds: entry {index} has tier {entry.tier} and {count} "
                    f"thresholds; both must fit a nibble",
                )
            writer.u8(entry.tier << 4 | count, f"entry {index} tier/number of thresholds")
            for number, threshold in enumerate(entry.thresholds):
                writer.u48(threshold, f"entry {index} threshold {number}")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> PublishBlockThresholds:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if short or an entry is cut.
        """
        reader = Reader(data, "PublishBlockThresholds")
        head = _read_head(reader)
        entries: list[BlockThresholdEntry] = []
        while not reader.at_end():
            index = len(entries)
            tier_count = reader.u8(f"entry {index} tier/number of thresholds")
            thresholds = tuple(
                reader.u48(f"entry {index} threshold {number}")
                for number in range(tier_count & 0x0F)
            )
            entries.append(BlockThresholdEntry(tier=tier_count >> 4, thresholds=thresholds))
        return cls(**head, entries=tuple(entries))

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields and entries."""
        return {
            "provider_id": self.provider_id,
            "issuer_event_id": self.issuer_event_id,
            "start_time": self.start_time,
            "issuer_tariff_id": self.issuer_tariff_id,
            "command_index": self.command_index,
            "total_number_of_commands": self.total_number_of_commands,
            "sub_payload_control": self.sub_payload_control,
            "all_tiers": self.all_tiers,
            "entries": [
                {"tier": entry.tier, "block_thresholds": list(entry.thresholds)}
                for entry in self.entries
            ],
        }
