"""Property and fuzz tests for the ZCL Smart Energy codecs.

Round trips: every command, frame and unit survives encode -> decode unchanged. Fuzzing: random
bytes and mutated valid encodings fed to the decoders raise nothing but ``DecodeError`` with a
``Reason``, and anything that does decode re-encodes to exactly the same bytes.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl import (
    CLUSTER_NAMES,
    COMMAND_TYPES,
    AttributeRecord,
    BlockThresholdEntry,
    CancelAllMessages,
    CancelMessage,
    ChangeSupply,
    Command,
    DataType,
    DefaultResponse,
    Direction,
    DisplayMessage,
    Endpoint,
    Frame,
    GetProfile,
    GetProfileResponse,
    GetSampledData,
    GetSampledDataResponse,
    Importance,
    MessageConfirmation,
    MessageControl,
    PriceMatrixEntry,
    PublishBlockThresholds,
    PublishCalendar,
    PublishDayProfile,
    PublishPrice,
    PublishPriceMatrix,
    PublishSeasons,
    PublishSpecialDays,
    PublishTariffInformation,
    PublishWeekProfile,
    ReportAttributes,
    ScheduleEntry,
    SeasonEntry,
    SpecialDayEntry,
    Transmission,
    Unit,
    ZclDate,
    decode_frame,
    decode_unit,
    encode_frame,
    encode_unit,
)
from ihd_app.protocol.zcl.drlc import (
    CancelAllLoadControlEvents,
    CancelLoadControlEvent,
    GetScheduledEvents,
    LoadControlEvent,
    ReportEventStatus,
)
from ihd_app.protocol.zcl.messaging import RESERVED_CONTROL_BITS
from ihd_app.protocol.zcl.primitives import truncate_utf8
from tests.protocol.prepayment_strategies import PREPAYMENT_STRATEGIES

T = TypeVar("T")

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PER_COMMAND_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
FUZZ_SETTINGS = settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def uint(bits: int) -> st.SearchStrategy[int]:
    return st.integers(0, (1 << bits) - 1)


u8, u16, u24, u32, u48 = uint(8), uint(16), uint(24), uint(32), uint(48)
int24 = st.integers(-(1 << 23), (1 << 23) - 1)


def text_within(max_bytes: int) -> st.SearchStrategy[str]:
    """Text whose UTF-8 form fits ``max_bytes``, so it survives encoding untruncated."""
    return st.text(max_size=max_bytes).map(
        lambda text: truncate_utf8(text, max_bytes).decode("utf-8")
    )


controls = st.builds(
    MessageControl,
    importance=st.sampled_from(Importance),
    confirmation_required=st.booleans(),
    enhanced_confirmation=st.booleans(),
    transmission=st.sampled_from(Transmission),
    reserved_bits=st.sampled_from([0, 0x10, 0x40, RESERVED_CONTROL_BITS]),
)

display_messages = st.builds(
    DisplayMessage,
    message_id=u32,
    control=controls,
    start_time=u32,
    duration_minutes=u16,
    message=text_within(254),
    extended_control=st.none() | u8,
)
cancel_messages = st.builds(CancelMessage, message_id=u32, control=controls)
cancel_all_messages = st.builds(CancelAllMessages, implementation_time=u32)


@st.composite
def message_confirmations(draw: st.DrawFn) -> MessageConfirmation:
    control = draw(st.none() | u8)
    response = None if control is None else draw(st.none() | st.binary(max_size=32))
    return MessageConfirmation(
        message_id=draw(u32),
        confirmation_time=draw(u32),
        confirmation_control=control,
        response=response,
    )


_PRICE_OPTIONAL_STRATEGIES = (u8, u32, u8, u32, u8, u8, u8, u8, u8, u8, u8, u8, u8)
_PRICE_OPTIONAL_NAMES = (
    "price_ratio",
    "generation_price",
    "generation_price_ratio",
    "alternate_cost_delivered",
    "alternate_cost_unit",
    "alternate_cost_trailing_digit",
    "number_of_block_thresholds",
    "price_control",
    "number_of_generation_tiers",
    "generation_tier",
    "extended_number_of_price_tiers",
    "extended_price_tier",
    "extended_register_tier",
)


@st.composite
def publish_prices(draw: st.DrawFn) -> PublishPrice:
    present = draw(st.integers(0, len(_PRICE_OPTIONAL_NAMES)))
    optional = {
        name: draw(strategy)
        for name, strategy in zip(
            _PRICE_OPTIONAL_NAMES[:present], _PRICE_OPTIONAL_STRATEGIES, strict=False
        )
    }
    nibble = st.integers(0, 15)
    return PublishPrice(
        provider_id=draw(u32),
        rate_label=draw(text_within(12)),
        issuer_event_id=draw(u32),
        current_time=draw(u32),
        unit_of_measure=draw(u8),
        currency=draw(u16),
        price_trailing_digit=draw(nibble),
        price_tier=draw(nibble),
        number_of_price_tiers=draw(nibble),
        register_tier=draw(nibble),
        start_time=draw(u32),
        duration_minutes=draw(u16),
        price=draw(u32),
        **optional,
    )


publish_tariffs = st.builds(
    PublishTariffInformation,
    provider_id=u32,
    issuer_event_id=u32,
    issuer_tariff_id=u32,
    start_time=u32,
    tariff_type=u8,
    tariff_label=text_within(24),
    number_of_price_tiers_in_use=u8,
    number_of_block_thresholds_in_use=u8,
    unit_of_measure=u8,
    currency=u16,
    price_trailing_digit=u8,
    standing_charge=u32,
    tier_block_mode=u8,
    block_threshold_multiplier=u24,
    block_threshold_divisor=u24,
)
get_profiles = st.builds(GetProfile, interval_channel=u8, end_time=u32, number_of_periods=u8)
get_profile_responses = st.builds(
    GetProfileResponse,
    end_time=u32,
    status=u8,
    profile_interval_period=u8,
    # Mostly short blocks keep the run fast; a full 255-interval block is a known-answer test.
    intervals=st.lists(u24, max_size=48).map(tuple),
)

_MATRIX_HEAD = {
    "provider_id": u32,
    "issuer_event_id": u32,
    "start_time": u32,
    "issuer_tariff_id": u32,
    "command_index": u8,
    "total_number_of_commands": u8,
    "sub_payload_control": u8,
}
publish_price_matrices = st.builds(
    PublishPriceMatrix,
    **_MATRIX_HEAD,
    entries=st.lists(st.builds(PriceMatrixEntry, u8, u32), max_size=12).map(tuple),
)
publish_block_thresholds = st.builds(
    PublishBlockThresholds,
    **_MATRIX_HEAD,
    entries=st.lists(
        st.builds(
            BlockThresholdEntry,
            st.integers(0, 15),
            st.lists(u48, max_size=15).map(tuple),
        ),
        max_size=4,
    ).map(tuple),
)
get_sampled_data = st.builds(
    GetSampledData, sample_id=u16, earliest_sample_time=u32, sample_type=u8, number_of_samples=u16
)
get_sampled_data_responses = st.builds(
    GetSampledDataResponse,
    sample_id=u16,
    sample_start_time=u32,
    sample_type=u8,
    sample_request_interval=u16,
    samples=st.lists(u24, max_size=48).map(tuple),
)
_CALENDAR_HEAD = {"provider_id": u32, "issuer_event_id": u32, "issuer_calendar_id": u32}
publish_calendars = st.builds(
    PublishCalendar,
    **_CALENDAR_HEAD,
    start_time=u32,
    calendar_type=u8,
    calendar_time_reference=u8,
    calendar_name=text_within(12),
    number_of_seasons=u8,
    number_of_week_profiles=u8,
    number_of_day_profiles=u8,
)


@st.composite
def publish_day_profiles(draw: st.DrawFn) -> PublishDayProfile:
    entries = tuple(draw(st.lists(st.builds(ScheduleEntry, u16, u8), max_size=16)))
    return PublishDayProfile(
        **{name: draw(strategy) for name, strategy in _CALENDAR_HEAD.items()},
        day_id=draw(u8),
        total_number_of_schedule_entries=draw(st.integers(len(entries), 255)),
        command_index=draw(u8),
        total_number_of_commands=draw(u8),
        calendar_type=draw(u8),
        entries=entries,
    )


publish_week_profiles = st.builds(
    PublishWeekProfile,
    **_CALENDAR_HEAD,
    week_id=u8,
    day_id_refs=st.tuples(u8, u8, u8, u8, u8, u8, u8),
)
dates = st.builds(ZclDate, u8, u8, u8, u8)
publish_seasons = st.builds(
    PublishSeasons,
    **_CALENDAR_HEAD,
    command_index=u8,
    total_number_of_commands=u8,
    entries=st.lists(st.builds(SeasonEntry, dates, u8), max_size=8).map(tuple),
)


@st.composite
def publish_special_days(draw: st.DrawFn) -> PublishSpecialDays:
    entries = tuple(draw(st.lists(st.builds(SpecialDayEntry, dates, u8), max_size=8)))
    return PublishSpecialDays(
        **{name: draw(strategy) for name, strategy in _CALENDAR_HEAD.items()},
        start_time=draw(u32),
        calendar_type=draw(u8),
        total_number_of_special_days=draw(st.integers(len(entries), 255)),
        command_index=draw(u8),
        total_number_of_commands=draw(u8),
        entries=entries,
    )


_VALUE_STRATEGIES: dict[DataType, st.SearchStrategy[int]] = {
    DataType.MAP8: u8,
    DataType.UINT8: u8,
    DataType.UINT16: u16,
    DataType.UINT24: u24,
    DataType.UINT32: u32,
    DataType.UINT48: u48,
    DataType.INT24: int24,
    DataType.ENUM8: u8,
}


@st.composite
def attribute_records(draw: st.DrawFn) -> AttributeRecord:
    data_type = draw(st.sampled_from(sorted(_VALUE_STRATEGIES)))
    return AttributeRecord(draw(u16), data_type, draw(_VALUE_STRATEGIES[data_type]))


report_attributes = st.builds(
    ReportAttributes, st.lists(attribute_records(), min_size=1, max_size=12).map(tuple)
)
default_responses = st.builds(DefaultResponse, command_id=u8, status=u8)
change_supplies = st.builds(
    ChangeSupply,
    provider_id=u32,
    issuer_event_id=u32,
    request_time=u32,
    implementation_time=u32,
    proposed_supply_status=u8,
    supply_control_bits=u8,
)

COMMAND_STRATEGIES: dict[type[Any], st.SearchStrategy[Any]] = {
    DisplayMessage: display_messages,
    CancelMessage: cancel_messages,
    CancelAllMessages: cancel_all_messages,
    MessageConfirmation: message_confirmations(),
    PublishPrice: publish_prices(),
    PublishTariffInformation: publish_tariffs,
    PublishPriceMatrix: publish_price_matrices,
    PublishBlockThresholds: publish_block_thresholds,
    GetProfile: get_profiles,
    GetProfileResponse: get_profile_responses,
    GetSampledData: get_sampled_data,
    GetSampledDataResponse: get_sampled_data_responses,
    PublishCalendar: publish_calendars,
    PublishDayProfile: publish_day_profiles(),
    PublishWeekProfile: publish_week_profiles,
    PublishSeasons: publish_seasons,
    PublishSpecialDays: publish_special_days(),
    ReportAttributes: report_attributes,
    DefaultResponse: default_responses,
    ChangeSupply: change_supplies,
    LoadControlEvent: st.builds(
        LoadControlEvent,
        issuer_event_id=u32,
        device_class=u16,
        utility_enrollment_group=u8,
        start_time=u32,
        duration_in_minutes=u16,
        criticality_level=u8,
        cooling_temperature_offset=u8,
        heating_temperature_offset=u8,
        cooling_temperature_set_point=st.integers(-0x8000, 0x7FFF),
        heating_temperature_set_point=st.integers(-0x8000, 0x7FFF),
        average_load_adjustment_percentage=st.integers(-128, 127),
        duty_cycle=u8,
        event_control=u8,
    ),
    CancelLoadControlEvent: st.builds(
        CancelLoadControlEvent,
        issuer_event_id=u32,
        device_class=u16,
        utility_enrollment_group=u8,
        cancel_control=u8,
        effective_time=u32,
    ),
    CancelAllLoadControlEvents: st.builds(CancelAllLoadControlEvents, cancel_control=u8),
    ReportEventStatus: st.builds(
        ReportEventStatus,
        issuer_event_id=u32,
        event_status=u8,
        event_status_time=u32,
        criticality_level_applied=u8,
        cooling_temperature_set_point_applied=u16,
        heating_temperature_set_point_applied=u16,
        average_load_adjustment_percentage_applied=st.integers(-128, 127),
        duty_cycle_applied=u8,
        event_control=u8,
        signature_type=u8,
        signature=st.binary(min_size=42, max_size=42),
    ),
    GetScheduledEvents: st.builds(
        GetScheduledEvents,
        start_time=u32,
        number_of_events=u8,
        issuer_event_id=st.none() | u32,
    ),
    **PREPAYMENT_STRATEGIES,
}
commands: st.SearchStrategy[Command] = st.one_of(*COMMAND_STRATEGIES.values())


@st.composite
def units(draw: st.DrawFn) -> Unit:
    command = draw(commands)
    global_command = command.CLUSTER_ID is None
    return Unit.of(
        command,
        endpoint=draw(st.sampled_from(Endpoint)),
        cluster_id=draw(st.sampled_from(sorted(CLUSTER_NAMES))) if global_command else None,
        tsn=draw(u8),
        direction=draw(st.sampled_from(Direction)) if global_command else None,
        disable_default_response=draw(st.booleans()),
    )


def test_every_command_has_a_strategy() -> None:
    assert set(COMMAND_STRATEGIES) == set(COMMAND_TYPES)


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("command_type", COMMAND_TYPES, ids=lambda t: t.__name__)
@PER_COMMAND_SETTINGS
@given(data=st.data())
def test_command_round_trip(command_type: type[Any], data: st.DataObject) -> None:
    command = data.draw(COMMAND_STRATEGIES[command_type])
    assert command_type.decode(command.encode()) == command
    json.dumps(command.to_dict())


@SETTINGS
@given(unit=units())
def test_unit_round_trip(unit: Unit) -> None:
    encoded = encode_unit(unit)
    assert decode_unit(encoded) == unit
    json.dumps(unit.to_dict())


@SETTINGS
@given(unit=units())
def test_frame_round_trip(unit: Unit) -> None:
    frame = unit.frame
    encoded = encode_frame(frame)
    assert decode_frame(encoded, frame.cluster_id) == frame
    assert encode_unit(unit)[3:] == encoded
    json.dumps(frame.to_dict())


@PER_COMMAND_SETTINGS
@given(text=st.text(min_size=200, max_size=400))
def test_long_messages_truncate_to_a_valid_prefix(text: str) -> None:
    payload = DisplayMessage(message_id=1, message=text).encode()
    decoded = DisplayMessage.decode(payload).message
    assert len(decoded.encode("utf-8")) <= 254
    assert text.startswith(decoded)
    # Truncation keeps as much as fits: one more character would not.
    if decoded != text:
        assert len((decoded + text[len(decoded)]).encode("utf-8")) > 254


# --- fuzzing ----------------------------------------------------------------------------------


def _attempt(decode: Callable[[bytes], T], data: bytes) -> T | DecodeError:
    """The decoded value, or the DecodeError; any other exception fails the test."""
    try:
        return decode(data)
    except DecodeError as exc:
        return exc


def _check_refusal(error: DecodeError) -> None:
    assert isinstance(error.reason, Reason)
    assert error.reason in (Reason.MALFORMED, Reason.UNKNOWN_COMMAND)
    assert error.detail


def _only_decode_errors(decode: Callable[[bytes], Unit | Frame], data: bytes) -> None:
    """Decode ``data``: refusal must be a DecodeError with a Reason, success must be canonical."""
    outcome = _attempt(decode, data)
    if isinstance(outcome, DecodeError):
        _check_refusal(outcome)
        return
    # Every field is kept faithfully, so anything that decodes re-encodes to the same bytes.
    assert outcome.encode() == data
    json.dumps(outcome.to_dict())


def _frame_decoder(cluster_id: int) -> Callable[[bytes], Frame]:
    return functools.partial(_decode_frame_of, cluster_id=cluster_id)


def _decode_frame_of(data: bytes, cluster_id: int) -> Frame:
    return decode_frame(data, cluster_id)


#: decode_unit, and decode_frame for each cluster plus one (On/Off, 0x0006) we do not know.
DECODERS: tuple[Callable[[bytes], Unit | Frame], ...] = (
    decode_unit,
    *(_frame_decoder(cluster_id) for cluster_id in (*sorted(CLUSTER_NAMES), 0x0006)),
)
_UNIT_PREFIXES = tuple(
    cluster.to_bytes(2, "little") + bytes([endpoint])
    for cluster in sorted(CLUSTER_NAMES)
    for endpoint in Endpoint
)


@FUZZ_SETTINGS
@given(data=st.binary(max_size=96))
def test_fuzz_random_bytes(data: bytes) -> None:
    for decode in DECODERS:
        _only_decode_errors(decode, data)


@FUZZ_SETTINGS
@given(prefix=st.sampled_from(_UNIT_PREFIXES), body=st.binary(max_size=96))
def test_fuzz_random_frames_behind_valid_unit_headers(prefix: bytes, body: bytes) -> None:
    _only_decode_errors(decode_unit, prefix + body)


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """Apply one to four bit flips, byte replacements, truncations, insertions or deletions."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "replace", "truncate", "insert", "delete"]))
        if kind == "insert" or not data:
            at = draw(st.integers(0, len(data)))
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
            continue
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "replace":
            data[at] = draw(u8)
        elif kind == "truncate":
            del data[at:]
        else:
            del data[at : at + draw(st.integers(1, 4))]
    return bytes(data)


@FUZZ_SETTINGS
@given(data=st.data())
def test_fuzz_mutated_units_and_frames(data: st.DataObject) -> None:
    unit = data.draw(units())
    _only_decode_errors(decode_unit, data.draw(mutated(encode_unit(unit))))
    damaged_frame = data.draw(mutated(encode_frame(unit.frame)))
    _only_decode_errors(_frame_decoder(unit.cluster_id), damaged_frame)


@pytest.mark.parametrize("command_type", COMMAND_TYPES, ids=lambda t: t.__name__)
@PER_COMMAND_SETTINGS
@given(data=st.data())
def test_fuzz_mutated_payloads(command_type: type[Any], data: st.DataObject) -> None:
    command = data.draw(COMMAND_STRATEGIES[command_type])
    damaged = data.draw(mutated(command.encode()))
    outcome = _attempt(command_type.decode, damaged)
    if isinstance(outcome, DecodeError):
        _check_refusal(outcome)
    else:
        assert outcome.encode() == damaged
