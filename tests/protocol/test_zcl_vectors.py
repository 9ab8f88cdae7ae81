"""Known-answer tests for the ZCL Smart Energy codecs, built by hand from the ZSE field layouts."""

from __future__ import annotations

import json

import pytest

from ihd_app.protocol.errors import DecodeError, EncodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl import (
    MESSAGING,
    METERING,
    PRICE,
    AttributeRecord,
    CancelAllMessages,
    CancelMessage,
    DataType,
    DefaultResponse,
    Direction,
    DisplayMessage,
    Endpoint,
    Frame,
    FrameType,
    GetProfile,
    GetProfileResponse,
    Importance,
    MessageConfirmation,
    MessageControl,
    MeteringAttribute,
    PublishPrice,
    PublishTariffInformation,
    ReportAttributes,
    SupplyStatus,
    Transmission,
    Unit,
    UnitOfMeasure,
    ZclHeader,
    ZclStatus,
    decode_frame,
    decode_header,
    decode_unit,
    demand_report,
    encode_frame,
    encode_header,
    encode_unit,
    formatting_report,
    summation_report,
    supply_status_report,
)
from ihd_app.protocol.zcl.primitives import Reader

GB_RESET_VECTOR = "090000804A371C0000000000FFFF055265736574"


def _frame(hex_text: str, cluster_id: int) -> Frame:
    return decode_frame(bytes.fromhex(hex_text.replace(" ", "")), cluster_id)


def _decode_error(hex_text: str, cluster_id: int | None = None) -> DecodeError:
    data = bytes.fromhex(hex_text.replace(" ", ""))
    with pytest.raises(DecodeError) as info:
        _ = decode_unit(data) if cluster_id is None else decode_frame(data, cluster_id)
    return info.value


# --- the GB vector ----------------------------------------------------------------------------


def test_gb_reset_vector_decodes_as_display_message() -> None:
    frame = decode_frame(bytes.fromhex(GB_RESET_VECTOR), MESSAGING)

    assert frame.header == ZclHeader(
        frame_type=FrameType.CLUSTER,
        manufacturer_code=None,
        direction=Direction.SERVER_TO_CLIENT,
        disable_default_response=False,
        tsn=0,
        command_id=0x00,
    )
    command = frame.command
    assert isinstance(command, DisplayMessage)
    assert command.message_id == 0x1C374A80
    assert command.duration_minutes == 0xFFFF
    assert command.message == "Reset"
    assert command.start_time == 0
    assert command.control.importance is Importance.LOW
    assert command.control.confirmation_required is False
    assert command.extended_control is None


def test_gb_reset_vector_reencodes_identically() -> None:
    data = bytes.fromhex(GB_RESET_VECTOR)
    assert encode_frame(decode_frame(data, MESSAGING)) == data


def test_gb_reset_vector_as_unit_and_json() -> None:
    data = bytes.fromhex("030701" + GB_RESET_VECTOR)
    unit = decode_unit(data)
    assert unit.endpoint is Endpoint.ELECTRICITY
    assert encode_unit(unit) == data
    view = unit.to_dict()
    assert view["cluster_id"] == "0x0703"
    assert view["cluster"] == "messaging"
    assert view["endpoint"] == 1
    assert view["command"] == "DisplayMessage"
    assert view["frame"] == {
        "frame_type": "cluster",
        "direction": "server_to_client",
        "tsn": 0,
        "command_id": "0x00",
        "disable_default_response": False,
        "manufacturer_code": None,
    }
    fields = view["fields"]
    assert isinstance(fields, dict)
    assert fields["importance"] == "low"
    assert fields["message"] == "Reset"
    assert fields["message_id"] == 0x1C374A80
    json.dumps(view)


# --- messaging --------------------------------------------------------------------------------


def test_display_message_with_every_field() -> None:
    hex_text = "09 05 00 04030201 88 78563412 3C00 02 4869 01"
    frame = _frame(hex_text, MESSAGING)
    assert frame.header.tsn == 5
    assert frame.command == DisplayMessage(
        message_id=0x01020304,
        control=MessageControl(importance=Importance.HIGH, confirmation_required=True),
        start_time=0x12345678,
        duration_minutes=60,
        message="Hi",
        extended_control=0x01,
    )
    assert encode_frame(frame).hex() == hex_text.replace(" ", "").lower()


def test_display_message_builder_matches_hand_built_unit() -> None:
    unit = Unit.of(
        DisplayMessage(
            message_id=0x1C374A80,
            control=MessageControl(importance=Importance.CRITICAL, confirmation_required=True),
            message="Reset",
        ),
        endpoint=Endpoint.GAS,
        tsn=9,
    )
    assert unit.encode().hex() == "030702090900804a371c8c00000000ffff055265736574"


def test_cancel_message() -> None:
    hex_text = "19 07 01 04030201 0C"
    frame = _frame(hex_text, MESSAGING)
    assert frame.header.disable_default_response is True
    assert frame.command == CancelMessage(
        message_id=0x01020304, control=MessageControl(importance=Importance.CRITICAL)
    )
    assert encode_frame(frame).hex() == hex_text.replace(" ", "").lower()


def test_cancel_all_messages() -> None:
    hex_text = "09 01 03 78563412"
    frame = _frame(hex_text, MESSAGING)
    assert frame.command == CancelAllMessages(implementation_time=0x12345678)
    assert encode_frame(frame).hex() == hex_text.replace(" ", "").lower()


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("04030201 78563412", MessageConfirmation(0x01020304, 0x12345678)),
        ("04030201 78563412 02", MessageConfirmation(0x01020304, 0x12345678, 0x02)),
        (
            "04030201 78563412 02 03596573",
            MessageConfirmation(0x01020304, 0x12345678, 0x02, b"Yes"),
        ),
        ("04030201 78563412 01 00", MessageConfirmation(0x01020304, 0x12345678, 0x01, b"")),
    ],
)
def test_message_confirmation(payload: str, expected: MessageConfirmation) -> None:
    hex_text = "01 02 01 " + payload
    frame = _frame(hex_text, MESSAGING)
    assert frame.header.direction is Direction.CLIENT_TO_SERVER
    assert frame.command == expected
    assert encode_frame(frame).hex() == hex_text.replace(" ", "").lower()


def test_message_confirmation_response_needs_control() -> None:
    with pytest.raises(EncodeError):
        MessageConfirmation(1, 2, None, b"yes").encode()


def test_message_confirmation_response_limited_to_32_bytes() -> None:
    too_long = "01 02 01 04030201 78563412 02 21" + "41" * 33
    assert _decode_error(too_long, MESSAGING).reason is Reason.MALFORMED
    with pytest.raises(EncodeError):
        MessageConfirmation(1, 2, 2, b"A" * 33).encode()


def test_message_control_round_trips_every_byte() -> None:
    for value in range(256):
        assert MessageControl.from_byte(value).to_byte() == value


def test_message_control_bits() -> None:
    control = MessageControl.from_byte(0b1011_1110)
    assert control.transmission is Transmission.INTER_PAN_ONLY
    assert control.importance is Importance.CRITICAL
    assert control.enhanced_confirmation is True
    assert control.confirmation_required is True
    assert control.reserved_bits == 0x10
    assert control.to_dict()["importance"] == "critical"


def test_message_control_refuses_defined_bits_as_reserved() -> None:
    with pytest.raises(EncodeError):
        MessageControl(reserved_bits=0x80).to_byte()


def test_display_message_refuses_invalid_utf8() -> None:
    error = _decode_error("09 00 00 01000000 00 00000000 FFFF 02 C328", MESSAGING)
    assert error.reason is Reason.MALFORMED
    assert "UTF-8" in error.detail


def test_display_message_refuses_trailing_bytes_after_extended_control() -> None:
    error = _decode_error("09 00 00 01000000 00 00000000 FFFF 00 01 02", MESSAGING)
    assert error.reason is Reason.MALFORMED


@pytest.mark.parametrize(
    ("text", "unit_bytes"),
    [("é" * 300, 254), ("a" + "é" * 300, 253), ("😀" * 300, 252), ("x" * 300, 254)],
)
def test_long_text_truncates_on_a_character_boundary(text: str, unit_bytes: int) -> None:
    payload = DisplayMessage(message_id=1, message=text).encode()
    assert payload[11] == unit_bytes
    decoded = DisplayMessage.decode(payload)
    assert text.startswith(decoded.message)
    assert len(decoded.message.encode("utf-8")) == unit_bytes


def test_unencodable_text_is_an_encode_error() -> None:
    with pytest.raises(EncodeError):
        DisplayMessage(message_id=1, message="bad \udc80 surrogate").encode()


# --- price ------------------------------------------------------------------------------------

_PRICE_MANDATORY = (
    "09 00 00 01000000 03 537464 02000000 78563412 00 3A03 41 21 00000000 FFFF 10270000"
)
_PRICE_FIELDS = {
    "provider_id": 1,
    "rate_label": "Std",
    "issuer_event_id": 2,
    "current_time": 0x12345678,
    "unit_of_measure": UnitOfMeasure.KWH,
    "currency": 826,
    "price_trailing_digit": 4,
    "price_tier": 1,
    "number_of_price_tiers": 2,
    "register_tier": 1,
    "start_time": 0,
    "duration_minutes": 0xFFFF,
    "price": 10000,
}


def test_publish_price_mandatory_fields_only() -> None:
    frame = _frame(_PRICE_MANDATORY, PRICE)
    assert frame.command == PublishPrice(**_PRICE_FIELDS)  # type: ignore[arg-type]
    assert encode_frame(frame).hex() == _PRICE_MANDATORY.replace(" ", "").lower()


def test_publish_price_all_optional_fields() -> None:
    hex_text = _PRICE_MANDATORY + " 01 00000000 02 05000000 02 03 04 01"
    frame = _frame(hex_text, PRICE)
    assert frame.command == PublishPrice(
        **_PRICE_FIELDS,  # type: ignore[arg-type]
        price_ratio=1,
        generation_price=0,
        generation_price_ratio=2,
        alternate_cost_delivered=5,
        alternate_cost_unit=2,
        alternate_cost_trailing_digit=3,
        number_of_block_thresholds=4,
        price_control=1,
    )
    assert encode_frame(frame).hex() == hex_text.replace(" ", "").lower()


@pytest.mark.parametrize("extra", ["FF", "FF 00000000", "FF 00000000 02 05000000"])
def test_publish_price_may_end_after_any_optional_field(extra: str) -> None:
    hex_text = f"{_PRICE_MANDATORY} {extra}"
    frame = _frame(hex_text, PRICE)
    assert isinstance(frame.command, PublishPrice)
    assert frame.command.price_ratio == 0xFF
    assert encode_frame(frame).hex() == hex_text.replace(" ", "").lower()


@pytest.mark.parametrize(
    "extra",
    [
        "FF 0000",
        "01 00000000 02 05000000 02 03 04 01 01 02 03 04 05 00",  # a byte after ZSE 1.2's last
        "FF 00000000 02 050000",
    ],
)
def test_publish_price_refuses_cut_or_extra_fields(extra: str) -> None:
    assert _decode_error(f"{_PRICE_MANDATORY} {extra}", PRICE).reason is Reason.MALFORMED


def test_publish_price_refuses_a_gap_in_optional_fields() -> None:
    price = PublishPrice(**_PRICE_FIELDS, generation_price=5)  # type: ignore[arg-type]
    with pytest.raises(EncodeError, match="price_ratio"):
        price.encode()


def test_publish_price_refuses_a_nibble_out_of_range() -> None:
    fields = {**_PRICE_FIELDS, "price_tier": 16}
    with pytest.raises(EncodeError):
        PublishPrice(**fields).encode()  # type: ignore[arg-type]


def test_rate_label_limits() -> None:
    label_13 = "0D" + "41" * 13
    hex_text = _PRICE_MANDATORY.replace("03 537464", label_13)
    assert _decode_error(hex_text, PRICE).reason is Reason.MALFORMED
    long_label = PublishPrice(**{**_PRICE_FIELDS, "rate_label": "Economy 7 night"})  # type: ignore[arg-type]
    decoded = PublishPrice.decode(long_label.encode())
    assert decoded.rate_label == "Economy 7 ni"


def test_publish_tariff_information() -> None:
    hex_text = (
        "09 00 04 01000000 02000000 03000000 00000000 10 05 426C6F636B 01 03 00 3A03 02"
        " 2B010000 00 010000 E80300"
    )
    frame = _frame(hex_text, PRICE)
    assert frame.command == PublishTariffInformation(
        provider_id=1,
        issuer_event_id=2,
        issuer_tariff_id=3,
        start_time=0,
        tariff_type=0x10,
        tariff_label="Block",
        number_of_price_tiers_in_use=1,
        number_of_block_thresholds_in_use=3,
        unit_of_measure=UnitOfMeasure.KWH,
        currency=826,
        price_trailing_digit=2,
        standing_charge=299,
        tier_block_mode=0,
        block_threshold_multiplier=1,
        block_threshold_divisor=1000,
    )
    assert encode_frame(frame).hex() == hex_text.replace(" ", "").lower()
    fields = frame.to_dict()["fields"]
    assert isinstance(fields, dict)
    assert fields["unit_of_measure"] == "kwh"
    assert _decode_error(hex_text[:-2], PRICE).reason is Reason.MALFORMED


def test_tariff_label_limited_to_24_bytes() -> None:
    hex_text = (
        "09 00 04 01000000 02000000 03000000 00000000 10 19" + "41" * 25 + "01 03 00 3A03 02"
        " 2B010000 00 010000 E80300"
    )
    assert _decode_error(hex_text, PRICE).reason is Reason.MALFORMED


# --- metering ---------------------------------------------------------------------------------


def test_get_profile() -> None:
    hex_text = "01 04 00 00 78563412 30"
    frame = _frame(hex_text, METERING)
    assert frame.command == GetProfile(
        interval_channel=0, end_time=0x12345678, number_of_periods=48
    )
    assert encode_frame(frame).hex() == hex_text.replace(" ", "").lower()
    fields = frame.to_dict()["fields"]
    assert isinstance(fields, dict)
    assert fields["interval_channel"] == "consumption_delivered"


def test_get_profile_response() -> None:
    hex_text = "09 04 00 78563412 00 02 02 010000 FFFFFF"
    frame = _frame(hex_text, METERING)
    command = frame.command
    assert command == GetProfileResponse(
        end_time=0x12345678, status=0, profile_interval_period=2, intervals=(1, 0xFFFFFF)
    )
    assert isinstance(command, GetProfileResponse)
    assert command.number_of_periods_delivered == 2
    assert encode_frame(frame).hex() == hex_text.replace(" ", "").lower()
    fields = frame.to_dict()["fields"]
    assert isinstance(fields, dict)
    assert fields["profile_interval_period"] == "minutes_30"
    assert fields["status"] == "success"


@pytest.mark.parametrize(
    "payload", ["78563412 00 02 03 010000 FFFFFF", "78563412 00 02 01 010000 FFFFFF", "78563412"]
)
def test_get_profile_response_count_must_match(payload: str) -> None:
    assert _decode_error("09 04 00 " + payload, METERING).reason is Reason.MALFORMED


def test_get_profile_response_refuses_more_than_255_intervals() -> None:
    with pytest.raises(EncodeError):
        GetProfileResponse(0, 0, 2, (0,) * 256).encode()


def test_report_attributes() -> None:
    hex_text = "08 00 0A 0004 2A 24FAFF 0000 25 E80300000000 1400 30 02 0103 22 E80300 0303 18 FB"
    frame = _frame(hex_text, METERING)
    assert frame.header.frame_type is FrameType.GLOBAL
    assert frame.command == ReportAttributes(
        (
            AttributeRecord(MeteringAttribute.INSTANTANEOUS_DEMAND, DataType.INT24, -1500),
            AttributeRecord(MeteringAttribute.CURRENT_SUMMATION_DELIVERED, DataType.UINT48, 1000),
            AttributeRecord(MeteringAttribute.SUPPLY_STATUS, DataType.ENUM8, 2),
            AttributeRecord(MeteringAttribute.MULTIPLIER, DataType.UINT24, 1000),
            AttributeRecord(MeteringAttribute.SUMMATION_FORMATTING, DataType.MAP8, 0xFB),
        )
    )
    assert encode_frame(frame).hex() == hex_text.replace(" ", "").lower()
    fields = frame.to_dict()["fields"]
    assert isinstance(fields, dict)
    records = fields["records"]
    assert isinstance(records, list)
    assert records[0] == {
        "attribute_id": "0x0400",
        "attribute": "instantaneous_demand",
        "data_type": "int24",
        "value": -1500,
    }


def test_report_attributes_other_integer_types() -> None:
    hex_text = "08 00 0A 0100 20 07 0200 21 3412 0300 23 78563412"
    command = _frame(hex_text, PRICE).command
    assert command == ReportAttributes(
        (
            AttributeRecord(1, DataType.UINT8, 7),
            AttributeRecord(2, DataType.UINT16, 0x1234),
            AttributeRecord(3, DataType.UINT32, 0x12345678),
        )
    )


def test_report_attributes_refuses_unknown_data_type() -> None:
    error = _decode_error("08 00 0A 0004 42 0000", METERING)
    assert error.reason is Reason.MALFORMED
    assert "0x42" in error.detail


@pytest.mark.parametrize("payload", ["", "0004", "0004 2A 24FA"])
def test_report_attributes_refuses_empty_or_cut(payload: str) -> None:
    assert _decode_error("08 00 0A " + payload, METERING).reason is Reason.MALFORMED


def test_metering_report_builders() -> None:
    assert demand_report(-1500).encode().hex() == "00042a24faff"
    assert (
        summation_report(1000, current_day=5).get(
            MeteringAttribute.CURRENT_DAY_CONSUMPTION_DELIVERED
        )
        == 5
    )
    assert supply_status_report(SupplyStatus.ARMED).get(MeteringAttribute.SUPPLY_STATUS) == 1
    report = formatting_report(UnitOfMeasure.M3, summation_formatting=0x1B)
    assert report.get(MeteringAttribute.DIVISOR) == 1000
    assert report.get(MeteringAttribute.INSTANTANEOUS_DEMAND) is None
    assert ReportAttributes.decode(report.encode()) == report
    with pytest.raises(EncodeError):
        demand_report(1 << 23).encode()


def test_default_response() -> None:
    hex_text = "10 00 0B 00 00"
    frame = _frame(hex_text, MESSAGING)
    assert frame.header.direction is Direction.CLIENT_TO_SERVER
    assert frame.command == DefaultResponse(command_id=0x00, status=ZclStatus.SUCCESS)
    assert encode_frame(frame).hex() == hex_text.replace(" ", "").lower()
    fields = _frame("08 00 0B 01 81", PRICE).to_dict()["fields"]
    assert fields == {"command_id": "0x01", "status": "unsup_cluster_command"}
    assert _frame("08 00 0B 01 55", PRICE).to_dict()["fields"] == {
        "command_id": "0x01",
        "status": 0x55,
    }


# --- header, unit and dispatch ------------------------------------------------------------------


def test_header_with_manufacturer_code() -> None:
    header = ZclHeader(FrameType.CLUSTER, 0x1234, Direction.SERVER_TO_CLIENT, True, 7, 0x42)
    data = encode_header(header)
    assert data.hex() == "1d34120742"
    assert decode_header(Reader(data, "test")) == header


@pytest.mark.parametrize("control", ["20", "40", "80", "E9"])
def test_header_refuses_reserved_bits(control: str) -> None:
    error = _decode_error(control + GB_RESET_VECTOR[2:], MESSAGING)
    assert error.reason is Reason.MALFORMED
    assert "reserved" in error.detail


@pytest.mark.parametrize("control", ["0A", "0B"])
def test_header_refuses_reserved_frame_types(control: str) -> None:
    assert _decode_error(control + GB_RESET_VECTOR[2:], MESSAGING).reason is Reason.MALFORMED


@pytest.mark.parametrize("data", ["", "09", "0900", "0D3412"])
def test_header_refuses_short_frames(data: str) -> None:
    assert _decode_error(data, MESSAGING).reason is Reason.MALFORMED


@pytest.mark.parametrize("endpoint", ["00", "03", "FF"])
def test_unit_refuses_other_endpoints(endpoint: str) -> None:
    error = _decode_error("0307" + endpoint + GB_RESET_VECTOR)
    assert error.reason is Reason.MALFORMED
    assert "endpoint" in error.detail


@pytest.mark.parametrize("data", ["", "03", "0307"])
def test_unit_refuses_short_units(data: str) -> None:
    assert _decode_error(data).reason is Reason.MALFORMED


def test_unknown_cluster() -> None:
    error = _decode_error("060001" + GB_RESET_VECTOR)
    assert error.reason is Reason.UNKNOWN_COMMAND
    assert "0x0006" in error.detail


@pytest.mark.parametrize(
    ("hex_text", "cluster_id", "needle"),
    [
        ("09 00 05", MESSAGING, "0x05"),
        ("01 00 00", MESSAGING, "0x00"),  # GetLastMessage is not implemented
        ("09 00 01 01000000", PRICE, "0x01"),
        ("00 00 00 0000", METERING, "0x00"),  # Read Attributes
        ("0D 3412 00 00" + GB_RESET_VECTOR[6:], MESSAGING, "0x1234"),
    ],
)
def test_unknown_commands(hex_text: str, cluster_id: int, needle: str) -> None:
    error = _decode_error(hex_text, cluster_id)
    assert error.reason is Reason.UNKNOWN_COMMAND
    assert needle in error.detail


def test_direction_selects_the_command() -> None:
    from_server = _frame("09 00 01 04030201 00", MESSAGING).command
    from_client = _frame("01 00 01 04030201 78563412", MESSAGING).command
    assert isinstance(from_server, CancelMessage)
    assert isinstance(from_client, MessageConfirmation)


def test_encode_refuses_a_header_for_another_command() -> None:
    unit = Unit.of(CancelMessage(1))
    mismatched = Unit(unit.cluster_id, unit.endpoint, unit.header, CancelAllMessages())
    with pytest.raises(EncodeError, match="CancelMessage"):
        encode_unit(mismatched)
    wrong_cluster = Unit(PRICE, unit.endpoint, unit.header, unit.command)
    with pytest.raises(EncodeError):
        encode_unit(wrong_cluster)


def test_global_commands_need_a_cluster() -> None:
    with pytest.raises(EncodeError):
        Unit.of(DefaultResponse(0))
    unit = Unit.of(DefaultResponse(0), cluster_id=MESSAGING, direction=Direction.CLIENT_TO_SERVER)
    assert unit.encode().hex() == "03070100000b0000"
    assert Unit.of(MessageConfirmation(1, 2)).header.direction is Direction.CLIENT_TO_SERVER


def test_frame_view_has_no_endpoint() -> None:
    view = decode_frame(bytes.fromhex(GB_RESET_VECTOR), MESSAGING).to_dict()
    assert "endpoint" not in view
    assert view["command"] == "DisplayMessage"
