"""Price cluster (0x0700) commands: PublishPrice and PublishTariffInformation (ZSE 1.x layouts).

Both are server to client (PublishPriceMatrix and PublishBlockThresholds are in
:mod:`~ihd_app.protocol.zcl.price_matrix`). Labels are octet strings on the wire; we read
them as UTF-8 text because they are shown to the consumer, and encoding truncates them on a
character boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar, Final

from ihd_app.protocol.errors import EncodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl.clusters import PRICE, JsonValue, UnitOfMeasure, enum_label
from ihd_app.protocol.zcl.frame import Direction, FrameType, write_text
from ihd_app.protocol.zcl.primitives import Reader, Writer

#: Longest RateLabel ZSE allows.
MAX_RATE_LABEL = 12
#: Longest TariffLabel ZSE allows.
MAX_TARIFF_LABEL = 24
#: ISO 4217 numeric code of pounds sterling.
CURRENCY_GBP = 826
#: StandingCharge value meaning "not used".
STANDING_CHARGE_UNUSED = 0xFFFFFFFF
#: TariffType charging-scheme values in the high nibble.
TARIFF_TYPE_TOU = 0x00
TARIFF_TYPE_BLOCK = 0x10

#: The optional trailing fields of PublishPrice, in wire order, with their sizes in bytes: the
#: first eight came with ZSE 1.1, the last five (generation and extended tiers) with ZSE 1.2.
_PRICE_OPTIONAL: Final = (
    ("price_ratio", 1),
    ("generation_price", 4),
    ("generation_price_ratio", 1),
    ("alternate_cost_delivered", 4),
    ("alternate_cost_unit", 1),
    ("alternate_cost_trailing_digit", 1),
    ("number_of_block_thresholds", 1),
    ("price_control", 1),
    ("number_of_generation_tiers", 1),
    ("generation_tier", 1),
    ("extended_number_of_price_tiers", 1),
    ("extended_price_tier", 1),
    ("extended_register_tier", 1),
)


def _nibbles(writer: Writer, high: int, low: int, high_name: str, low_name: str) -> None:
    for value, name in ((high, high_name), (low, low_name)):
        if not 0 <= value <= 0x0F:
            raise EncodeError(Reason.MALFORMED, f"PublishPrice: {name}={value} is not a nibble")
    writer.u8((high << 4) | low, f"{high_name}/{low_name}")


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishPrice:
    """Price 0x00, server to client: the current or a scheduled price.

    The thirteen optional fields after ``price`` are positional on the wire: a frame may end after
    ``price`` or after any of them. Decoding sets the ones present and leaves the rest ``None``;
    encoding writes up to the last one that is not ``None`` and refuses a gap.

    Attributes:
        provider_id: ProviderID (u32).
        rate_label: RateLabel, at most 12 bytes of UTF-8.
        issuer_event_id: IssuerEventID (u32); higher means newer.
        current_time: UTCTime at the server.
        unit_of_measure: enum8, see :class:`UnitOfMeasure`.
        currency: ISO 4217 numeric code (u16), 826 for GBP.
        price_trailing_digit: Digits after the decimal point in ``price`` (high nibble).
        price_tier: Tier this price applies to (low nibble).
        number_of_price_tiers: Tiers in use (high nibble).
        register_tier: Register this tier accumulates in (low nibble).
        start_time: UTCTime the price applies from; 0 means now.
        duration_minutes: u16; 0xFFFF means until changed.
        price: u32 in ``currency`` units per ``unit_of_measure``, scaled by the trailing digit.
        price_ratio: Optional u8.
        generation_price: Optional u32.
        generation_price_ratio: Optional u8.
        alternate_cost_delivered: Optional u32.
        alternate_cost_unit: Optional enum8.
        alternate_cost_trailing_digit: Optional map8.
        number_of_block_thresholds: Optional u8.
        price_control: Optional map8.
        number_of_generation_tiers: Optional u8 (ZSE 1.2).
        generation_tier: Optional enum8 (ZSE 1.2).
        extended_number_of_price_tiers: Optional u8 (ZSE 1.2): tiers beyond the nibble's 15.
        extended_price_tier: Optional u8 (ZSE 1.2).
        extended_register_tier: Optional enum8 (ZSE 1.2).
    """

    CLUSTER_ID: ClassVar[int | None] = PRICE
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.SERVER_TO_CLIENT
    COMMAND_ID: ClassVar[int] = 0x00

    provider_id: int
    rate_label: str
    issuer_event_id: int
    current_time: int
    unit_of_measure: int = UnitOfMeasure.KWH
    currency: int = CURRENCY_GBP
    price_trailing_digit: int
    price_tier: int
    number_of_price_tiers: int
    register_tier: int
    start_time: int
    duration_minutes: int
    price: int
    price_ratio: int | None = None
    generation_price: int | None = None
    generation_price_ratio: int | None = None
    alternate_cost_delivered: int | None = None
    alternate_cost_unit: int | None = None
    alternate_cost_trailing_digit: int | None = None
    number_of_block_thresholds: int | None = None
    price_control: int | None = None
    number_of_generation_tiers: int | None = None
    generation_tier: int | None = None
    extended_number_of_price_tiers: int | None = None
    extended_price_tier: int | None = None
    extended_register_tier: int | None = None

    def optional_fields(self) -> tuple[int | None, ...]:
        """The optional trailing fields in wire order."""
        return tuple(getattr(self, name) for name, _ in _PRICE_OPTIONAL)

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: A field is out of range, or an optional field is ``None`` while a later
                one is set.
        """
        writer = Writer("PublishPrice")
        writer.u32(self.provider_id, "provider id")
        write_text(writer, self.rate_label, "rate label", MAX_RATE_LABEL)
        writer.u32(self.issuer_event_id, "issuer event id")
        writer.u32(self.current_time, "current time")
        writer.u8(self.unit_of_measure, "unit of measure")
        writer.u16(self.currency, "currency")
        _nibbles(writer, self.price_trailing_digit, self.price_tier, "trailing digit", "tier")
        _nibbles(
            writer, self.number_of_price_tiers, self.register_tier, "number of tiers", "register"
        )
        writer.u32(self.start_time, "start time")
        writer.u16(self.duration_minutes, "duration")
        writer.u32(self.price, "price")
        values = self.optional_fields()
        present = [index for index, value in enumerate(values) if value is not None]
        last = present[-1] if present else -1
        for (name, size), value in zip(_PRICE_OPTIONAL[: last + 1], values, strict=False):
            if value is None:
                raise EncodeError(
                    Reason.MALFORMED,
                    f"PublishPrice: optional field {name} is missing but a later one is set",
                )
            writer.uint(value, size, name)
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> PublishPrice:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if short, cut inside a field, or with trailing bytes.
        """
        reader = Reader(data, "PublishPrice")
        provider_id = reader.u32("provider id")
        rate_label = reader.text("rate label", MAX_RATE_LABEL)
        issuer_event_id = reader.u32("issuer event id")
        current_time = reader.u32("current time")
        unit_of_measure = reader.u8("unit of measure")
        currency = reader.u16("currency")
        digit_tier = reader.u8("trailing digit/tier")
        tiers_register = reader.u8("number of tiers/register")
        start_time = reader.u32("start time")
        duration = reader.u16("duration")
        price = reader.u32("price")
        optional = [
            None if reader.at_end() else reader.uint(size, name) for name, size in _PRICE_OPTIONAL
        ]
        reader.expect_end()
        return cls(
            provider_id=provider_id,
            rate_label=rate_label,
            issuer_event_id=issuer_event_id,
            current_time=current_time,
            unit_of_measure=unit_of_measure,
            currency=currency,
            price_trailing_digit=digit_tier >> 4,
            price_tier=digit_tier & 0x0F,
            number_of_price_tiers=tiers_register >> 4,
            register_tier=tiers_register & 0x0F,
            start_time=start_time,
            duration_minutes=duration,
            price=price,
            price_ratio=optional[0],
            generation_price=optional[1],
            generation_price_ratio=optional[2],
            alternate_cost_delivered=optional[3],
            alternate_cost_unit=optional[4],
            alternate_cost_trailing_digit=optional[5],
            number_of_block_thresholds=optional[6],
            price_control=optional[7],
            number_of_generation_tiers=optional[8],
            generation_tier=optional[9],
            extended_number_of_price_tiers=optional[10],
            extended_price_tier=optional[11],
            extended_register_tier=optional[12],
        )

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields; absent optional fields are ``None``."""
        result: dict[str, JsonValue] = {f.name: getattr(self, f.name) for f in fields(self)}
        result["unit_of_measure"] = enum_label(UnitOfMeasure, self.unit_of_measure)
        return result


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishTariffInformation:
    """Price 0x04, server to client: tariff structure, standing charge and block thresholds.

    Attributes:
        provider_id: ProviderID (u32).
        issuer_event_id: IssuerEventID (u32).
        issuer_tariff_id: IssuerTariffID (u32).
        start_time: UTCTime the tariff applies from.
        tariff_type: map8: low nibble tariff type, high nibble charging scheme
            (:data:`TARIFF_TYPE_TOU`, :data:`TARIFF_TYPE_BLOCK`).
        tariff_label: TariffLabel, at most 24 bytes of UTF-8.
        number_of_price_tiers_in_use: u8.
        number_of_block_thresholds_in_use: u8.
        unit_of_measure: enum8, see :class:`UnitOfMeasure`.
        currency: ISO 4217 numeric code (u16).
        price_trailing_digit: map8, digits after the point in prices and the standing charge.
        standing_charge: u32 per day; 0xFFFFFFFF (:data:`STANDING_CHARGE_UNUSED`) means unused.
        tier_block_mode: u8.
        block_threshold_multiplier: u24.
        block_threshold_divisor: u24.
    """

    CLUSTER_ID: ClassVar[int | None] = PRICE
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.SERVER_TO_CLIENT
    COMMAND_ID: ClassVar[int] = 0x04

    provider_id: int
    issuer_event_id: int
    issuer_tariff_id: int
    start_time: int
    tariff_type: int
    tariff_label: str
    number_of_price_tiers_in_use: int
    number_of_block_thresholds_in_use: int
    unit_of_measure: int = UnitOfMeasure.KWH
    currency: int = CURRENCY_GBP
    price_trailing_digit: int
    standing_charge: int = STANDING_CHARGE_UNUSED
    tier_block_mode: int
    block_threshold_multiplier: int = 1
    block_threshold_divisor: int = 1

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: A field is out of range.
        """
        writer = Writer("PublishTariffInformation")
        writer.u32(self.provider_id, "provider id")
        writer.u32(self.issuer_event_id, "issuer event id")
        writer.u32(self.issuer_tariff_id, "issuer tariff id")
        writer.u32(self.start_time, "start time")
        writer.u8(self.tariff_type, "tariff type")
        write_text(writer, self.tariff_label, "tariff label", MAX_TARIFF_LABEL)
        writer.u8(self.number_of_price_tiers_in_use, "number of price tiers in use")
        writer.u8(self.number_of_block_thresholds_in_use, "number of block thresholds in use")
        writer.u8(self.unit_of_measure, "unit of measure")
        writer.u16(self.currency, "currency")
        writer.u8(self.price_trailing_digit, "price trailing digit")
        writer.u32(self.standing_charge, "standing charge")
        writer.u8(self.tier_block_mode, "tier block mode")
        writer.u24(self.block_threshold_multiplier, "block threshold multiplier")
        writer.u24(self.block_threshold_divisor, "block threshold divisor")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> PublishTariffInformation:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if short, over-long or the label is not UTF-8.
        """
        reader = Reader(data, "PublishTariffInformation")
        result = cls(
            provider_id=reader.u32("provider id"),
            issuer_event_id=reader.u32("issuer event id"),
            issuer_tariff_id=reader.u32("issuer tariff id"),
            start_time=reader.u32("start time"),
            tariff_type=reader.u8("tariff type"),
            tariff_label=reader.text("tariff label", MAX_TARIFF_LABEL),
            number_of_price_tiers_in_use=reader.u8("number of price tiers in use"),
            number_of_block_thresholds_in_use=reader.u8("number of block thresholds in use"),
            unit_of_measure=reader.u8("unit of measure"),
            currency=reader.u16("currency"),
            price_trailing_digit=reader.u8("price trailing digit"),
            standing_charge=reader.u32("standing charge"),
            tier_block_mode=reader.u8("tier block mode"),
            block_threshold_multiplier=reader.u24("block threshold multiplier"),
            block_threshold_divisor=reader.u24("block threshold divisor"),
        )
        reader.expect_end()
        return result

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields."""
        result: dict[str, JsonValue] = {f.name: getattr(self, f.name) for f in fields(self)}
        result["unit_of_measure"] = enum_label(UnitOfMeasure, self.unit_of_measure)
        return result
