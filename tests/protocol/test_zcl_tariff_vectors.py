"""Known-answer tests for the time-of-use tariff codecs: PublishPrice's ZSE 1.2 fields, the Price
matrix and block thresholds, the Calendar cluster and Metering sampled data.

Every frame is written out by hand from the ZSE 1.4 layout (field by field in the comments), so
the tests do not lean on the encoders they check. Times are ZCL UTCTime: 0x32A0CA80 (bytes
80CAA032) is 2026-12-01T00:00Z.
"""

from __future__ import annotations

import json

import pytest

from ihd_app.cli.main import main as ihd
from ihd_app.protocol.errors import DecodeError, EncodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl import (
    CALENDAR,
    METERING,
    PRICE,
    BlockThresholdEntry,
    Direction,
    Frame,
    GetSampledData,
    GetSampledDataResponse,
    PriceMatrixEntry,
    PublishBlockThresholds,
    PublishCalendar,
    PublishDayProfile,
    PublishPrice,
    PublishPriceMatrix,
    PublishSeasons,
    PublishSpecialDays,
    PublishWeekProfile,
    ScheduleEntry,
    SeasonEntry,
    SpecialDayEntry,
    ZclDate,
    decode_frame,
    decode_unit,
    encode_frame,
)

MIDNIGHT = 849_398_400  # 2026-12-01T00:00Z


def _frame(hex_text: str, cluster_id: int) -> Frame:
    return decode_frame(bytes.fromhex(hex_text.replace(" ", "")), cluster_id)


def _round_trips(frame: Frame, hex_text: str) -> None:
    assert encode_frame(frame).hex() == hex_text.replace(" ", "").lower()


def _refused(hex_text: str, cluster_id: int) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        decode_frame(bytes.fromhex(hex_text.replace(" ", "")), cluster_id)
    assert info.value.reason is Reason.MALFORMED
    return info.value


# --- PublishPrice with the ZSE 1.2 trailing fields -------------------------------------------

# 09 00 00: server-to-client cluster frame, TSN 0, PublishPrice. ProviderID 1, RateLabel "Std",
# IssuerEventID 2, CurrentTime 0x12345678, kWh, GBP (826 = 0x033A), trailing digit 4 / tier 1,
# 2 tiers / register 1, StartTime 0, DurationInMinutes 0xFFFF, Price 10000.
_PRICE_MANDATORY = (
    "09 00 00 01000000 03 537464 02000000 78563412 00 3A03 41 21 00000000 FFFF 10270000"
)
# PriceRatio 1, GenerationPrice 0, GenerationPriceRatio 2, AlternateCostDelivered 5,
# AlternateCostUnit 2, AlternateCostTrailingDigit 3, NumberOfBlockThresholds 4, PriceControl 1.
_PRICE_ZSE_1_1 = " 01 00000000 02 05000000 02 03 04 01"


def test_publish_price_with_every_zse_1_2_field() -> None:
    # NumberOfGenerationTiers 1, GenerationTier 2, ExtendedNumberOfPriceTiers 3,
    # ExtendedPriceTier 4, ExtendedRegisterTier 5.
    hex_text = _PRICE_MANDATORY + _PRICE_ZSE_1_1 + " 01 02 03 04 05"
    frame = _frame(hex_text, PRICE)
    price = frame.command
    assert isinstance(price, PublishPrice)
    assert (price.provider_id, price.rate_label, price.price) == (1, "Std", 10000)
    assert price.price_control == 1
    assert price.number_of_generation_tiers == 1
    assert price.generation_tier == 2
    assert price.extended_number_of_price_tiers == 3
    assert price.extended_price_tier == 4
    assert price.extended_register_tier == 5
    _round_trips(frame, hex_text)
    fields = frame.to_dict()["fields"]
    assert isinstance(fields, dict)
    assert fields["extended_register_tier"] == 5


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_publish_price_may_end_after_any_zse_1_2_field(count: int) -> None:
    hex_text = _PRICE_MANDATORY + _PRICE_ZSE_1_1 + " " + " ".join(["07"] * count)
    price = _frame(hex_text, PRICE).command
    assert isinstance(price, PublishPrice)
    present = price.optional_fields()[8:]
    assert present == (7,) * count + (None,) * (5 - count)
    assert encode_frame(_frame(hex_text, PRICE)).hex() == hex_text.replace(" ", "").lower()


def test_publish_price_without_trailing_fields_is_unchanged() -> None:
    price = _frame(_PRICE_MANDATORY + _PRICE_ZSE_1_1, PRICE).command
    assert isinstance(price, PublishPrice)
    assert price.optional_fields()[8:] == (None,) * 5


# --- PublishPriceMatrix ----------------------------------------------------------------------


def test_publish_price_matrix_tou_based() -> None:
    hex_text = (
        "09 07 05"  # server to client, TSN 7, PublishPriceMatrix
        " 34120000"  # ProviderID 0x1234
        " 64000000"  # IssuerEventID 100
        " 80CAA032"  # StartTime 2026-12-01T00:00Z
        " 0A000000"  # IssuerTariffID 10
        " 00 01"  # CommandIndex 0 of TotalNumberOfCommands 1
        " 01"  # SubPayloadControl: bit 0 set, TOU-based
        " 01 92090000"  # tier 1: 2450
        " 02 28050000"  # tier 2: 1320
    )
    frame = _frame(hex_text, PRICE)
    assert frame.header.direction is Direction.SERVER_TO_CLIENT
    assert frame.command == PublishPriceMatrix(
        provider_id=0x1234,
        issuer_event_id=100,
        start_time=MIDNIGHT,
        issuer_tariff_id=10,
        command_index=0,
        total_number_of_commands=1,
        sub_payload_control=0x01,
        entries=(PriceMatrixEntry(1, 2450), PriceMatrixEntry(2, 1320)),
    )
    _round_trips(frame, hex_text)
    fields = frame.to_dict()["fields"]
    assert isinstance(fields, dict)
    assert fields["tou_based"] is True
    assert fields["entries"] == [
        {"tier_block_id": 1, "tier": 1, "price": 2450},
        {"tier_block_id": 2, "tier": 2, "price": 1320},
    ]


def test_publish_price_matrix_block_based_splits_tier_and_block() -> None:
    # SubPayloadControl 0: Tier/Block ID 0x12 is tier 1 block 2, 0x21 tier 2 block 1.
    hex_text = "09 08 05 34120000 65000000 00000000 0A000000 01 02 00 12 2C0B0000 21 300C0000"
    frame = _frame(hex_text, PRICE)
    command = frame.command
    assert isinstance(command, PublishPriceMatrix)
    assert (command.command_index, command.total_number_of_commands) == (1, 2)
    assert command.tou_based is False
    assert command.entries == (PriceMatrixEntry(0x12, 2860), PriceMatrixEntry(0x21, 3120))
    _round_trips(frame, hex_text)
    fields = frame.to_dict()["fields"]
    assert isinstance(fields, dict)
    assert fields["entries"] == [
        {"tier_block_id": 0x12, "tier": 1, "block": 2, "price": 2860},
        {"tier_block_id": 0x21, "tier": 2, "block": 1, "price": 3120},
    ]


def test_publish_price_matrix_refuses_a_cut_entry() -> None:
    error = _refused("09 08 05 34120000 65000000 00000000 0A000000 00 01 01 01 920900", PRICE)
    assert "5-byte entries" in error.detail


# --- PublishBlockThresholds ------------------------------------------------------------------


def test_publish_block_thresholds() -> None:
    hex_text = (
        "09 09 06"  # server to client, TSN 9, PublishBlockThresholds
        " 34120000 66000000 80CAA032 0A000000"  # ProviderID, IssuerEventID 102, start, tariff 10
        " 00 01"  # CommandIndex 0 of 1
        " 00"  # SubPayloadControl: bit 0 clear, thresholds per tier
        " 12 E80300000000 C40900000000"  # tier 1, 2 thresholds: 1000, 2500
        " 21 881300000000"  # tier 2, 1 threshold: 5000
    )
    frame = _frame(hex_text, PRICE)
    assert frame.command == PublishBlockThresholds(
        provider_id=0x1234,
        issuer_event_id=102,
        start_time=MIDNIGHT,
        issuer_tariff_id=10,
        command_index=0,
        total_number_of_commands=1,
        sub_payload_control=0x00,
        entries=(BlockThresholdEntry(1, (1000, 2500)), BlockThresholdEntry(2, (5000,))),
    )
    _round_trips(frame, hex_text)
    fields = frame.to_dict()["fields"]
    assert isinstance(fields, dict)
    assert fields["all_tiers"] is False
    assert fields["entries"] == [
        {"tier": 1, "block_thresholds": [1000, 2500]},
        {"tier": 2, "block_thresholds": [5000]},
    ]


def test_publish_block_thresholds_refuses_a_missing_threshold() -> None:
    # The entry announces two thresholds and carries one.
    _refused("09 09 06 34120000 66000000 80CAA032 0A000000 00 01 00 12 E80300000000", PRICE)


def test_publish_block_thresholds_refuses_sixteen_thresholds_on_encoding() -> None:
    command = PublishBlockThresholds(
        provider_id=1,
        issuer_event_id=1,
        start_time=0,
        issuer_tariff_id=1,
        command_index=0,
        total_number_of_commands=1,
        sub_payload_control=1,
        entries=(BlockThresholdEntry(0, (1,) * 16),),
    )
    with pytest.raises(EncodeError):
        command.encode()


# --- Calendar cluster ------------------------------------------------------------------------

_PUBLISH_CALENDAR = (
    "09 01 00"  # server to client, TSN 1, PublishCalendar
    " 34120000"  # ProviderID 0x1234
    " 65000000"  # IssuerEventID 101
    " C8000000"  # IssuerCalendarID 200
    " 80CAA032"  # StartTime 2026-12-01T00:00Z
    " 00"  # CalendarType: delivered
    " 02"  # CalendarTimeReference: local time
    " 09 45636F6E6F6D792037"  # CalendarName "Economy 7"
    " 02 01 02"  # 2 seasons, 1 week profile, 2 day profiles
)


def test_publish_calendar() -> None:
    frame = _frame(_PUBLISH_CALENDAR, CALENDAR)
    assert frame.command == PublishCalendar(
        provider_id=0x1234,
        issuer_event_id=101,
        issuer_calendar_id=200,
        start_time=MIDNIGHT,
        calendar_type=0,
        calendar_time_reference=2,
        calendar_name="Economy 7",
        number_of_seasons=2,
        number_of_week_profiles=1,
        number_of_day_profiles=2,
    )
    _round_trips(frame, _PUBLISH_CALENDAR)
    view = frame.to_dict()
    assert view["cluster"] == "calendar"
    assert view["cluster_id"] == "0x0707"
    fields = view["fields"]
    assert isinstance(fields, dict)
    assert fields["calendar_type"] == "delivered"
    assert fields["calendar_time_reference"] == "local_time"


def test_publish_calendar_refuses_a_13_byte_name() -> None:
    _refused(_PUBLISH_CALENDAR.replace("09 45636F6E6F6D792037", "0D" + "41" * 13), CALENDAR)


_DAY_PROFILE = (
    "09 02 01"  # server to client, TSN 2, PublishDayProfile
    " 34120000 66000000 C8000000"  # ProviderID, IssuerEventID 102, IssuerCalendarID 200
    " 01"  # DayID 1
    " 03"  # TotalNumberOfScheduleEntries 3
    " 00 01"  # CommandIndex 0 of 1
    " 00"  # CalendarType: delivered, so each entry's byte is a price tier
    " 0000 02"  # 00:00 tier 2 (day rate)
    " 1E00 01"  # 00:30 (30 min) tier 1 (night rate)
    " C201 02"  # 07:30 (450 min) tier 2
)


def test_publish_day_profile() -> None:
    frame = _frame(_DAY_PROFILE, CALENDAR)
    assert frame.command == PublishDayProfile(
        provider_id=0x1234,
        issuer_event_id=102,
        issuer_calendar_id=200,
        day_id=1,
        total_number_of_schedule_entries=3,
        command_index=0,
        total_number_of_commands=1,
        calendar_type=0,
        entries=(ScheduleEntry(0, 2), ScheduleEntry(30, 1), ScheduleEntry(450, 2)),
    )
    _round_trips(frame, _DAY_PROFILE)
    fields = frame.to_dict()["fields"]
    assert isinstance(fields, dict)
    assert fields["entries"] == [
        {"start_minutes": 0, "start": "00:00", "price_tier": 2},
        {"start_minutes": 30, "start": "00:30", "price_tier": 1},
        {"start_minutes": 450, "start": "07:30", "price_tier": 2},
    ]


def test_day_profile_entries_are_named_by_calendar_type() -> None:
    # CalendarType 4 (auxiliary load switch): 01:00 switch state 0x01.
    frame = _frame("09 02 01 34120000 66000000 C8000000 03 01 00 01 04 3C00 01", CALENDAR)
    fields = frame.to_dict()["fields"]
    assert isinstance(fields, dict)
    assert fields["calendar_type"] == "auxiliary_load_switch"
    assert fields["entries"] == [
        {"start_minutes": 60, "start": "01:00", "auxiliary_load_switch_state": 1}
    ]


@pytest.mark.parametrize(
    "entries",
    [
        "0000 02 1E00",  # cut inside the second entry
        "0000 02 1E00 01 C201 02 0000 01",  # four entries, TotalNumberOfScheduleEntries 3
    ],
)
def test_publish_day_profile_refuses_bad_entries(entries: str) -> None:
    _refused("09 02 01 34120000 66000000 C8000000 01 03 00 01 00 " + entries, CALENDAR)


def test_publish_week_profile() -> None:
    hex_text = (
        "09 03 02"  # server to client, TSN 3, PublishWeekProfile
        " 34120000 67000000 C8000000"  # ProviderID, IssuerEventID 103, IssuerCalendarID 200
        " 01"  # WeekID 1
        " 01 01 01 01 01"  # Monday to Friday: day profile 1
        " 02 02"  # Saturday and Sunday: day profile 2
    )
    frame = _frame(hex_text, CALENDAR)
    assert frame.command == PublishWeekProfile(
        provider_id=0x1234,
        issuer_event_id=103,
        issuer_calendar_id=200,
        week_id=1,
        day_id_refs=(1, 1, 1, 1, 1, 2, 2),
    )
    _round_trips(frame, hex_text)
    fields = frame.to_dict()["fields"]
    assert isinstance(fields, dict)
    assert fields["day_id_ref_monday"] == 1
    assert fields["day_id_ref_friday"] == 1
    assert fields["day_id_ref_saturday"] == 2
    assert fields["day_id_ref_sunday"] == 2
    _refused(hex_text[:-3], CALENDAR)  # no Sunday


def test_publish_seasons() -> None:
    hex_text = (
        "09 04 03"  # server to client, TSN 4, PublishSeasons
        " 34120000 68000000 C8000000"  # ProviderID, IssuerEventID 104, IssuerCalendarID 200
        " 00 01"  # CommandIndex 0 of 1
        " 7E 01 01 FF 01"  # from 2026-01-01 (any weekday): week profile 1
        " 7E 04 01 FF 02"  # from 2026-04-01: week profile 2
    )
    frame = _frame(hex_text, CALENDAR)
    assert frame.command == PublishSeasons(
        provider_id=0x1234,
        issuer_event_id=104,
        issuer_calendar_id=200,
        command_index=0,
        total_number_of_commands=1,
        entries=(
            SeasonEntry(ZclDate(126, 1, 1, 0xFF), 1),
            SeasonEntry(ZclDate(126, 4, 1, 0xFF), 2),
        ),
    )
    _round_trips(frame, hex_text)
    fields = frame.to_dict()["fields"]
    assert isinstance(fields, dict)
    assert fields["entries"] == [
        {"start_date": {"year": 2026, "month": 1, "day": 1, "day_of_week": None}, "week_id_ref": 1},
        {"start_date": {"year": 2026, "month": 4, "day": 1, "day_of_week": None}, "week_id_ref": 2},
    ]
    _refused(hex_text[:-3], CALENDAR)  # the second season cut short


def test_publish_special_days() -> None:
    hex_text = (
        "09 05 04"  # server to client, TSN 5, PublishSpecialDays
        " 34120000 69000000 C8000000"  # ProviderID, IssuerEventID 105, IssuerCalendarID 200
        " 80CAA032"  # StartTime 2026-12-01T00:00Z
        " 00"  # CalendarType: delivered
        " 02"  # TotalNumberOfSpecialDays 2
        " 00 01"  # CommandIndex 0 of 1
        " 7E 0C 19 05 02"  # 2026-12-25, a Friday (5): day profile 2
        " 7E 0C 1A 06 02"  # 2026-12-26, a Saturday (6): day profile 2
    )
    frame = _frame(hex_text, CALENDAR)
    assert frame.command == PublishSpecialDays(
        provider_id=0x1234,
        issuer_event_id=105,
        issuer_calendar_id=200,
        start_time=MIDNIGHT,
        calendar_type=0,
        total_number_of_special_days=2,
        command_index=0,
        total_number_of_commands=1,
        entries=(
            SpecialDayEntry(ZclDate(126, 12, 25, 5), 2),
            SpecialDayEntry(ZclDate(126, 12, 26, 6), 2),
        ),
    )
    _round_trips(frame, hex_text)
    fields = frame.to_dict()["fields"]
    assert isinstance(fields, dict)
    entries = fields["entries"]
    assert isinstance(entries, list)
    assert entries[0] == {
        "date": {"year": 2026, "month": 12, "day": 25, "day_of_week": 5},
        "day_id_ref": 2,
    }
    # A third entry is more than TotalNumberOfSpecialDays announces.
    _refused(hex_text + " 7E 0C 1F 04 02", CALENDAR)


# --- Metering sampled data -------------------------------------------------------------------


def test_get_sampled_data() -> None:
    hex_text = (
        "01 0A 08"  # client to server, TSN 10, GetSampledData
        " 0100"  # SampleID 1
        " 80CAA032"  # EarliestSampleTime 2026-12-01T00:00Z
        " 00"  # SampleType: consumption delivered
        " 3000"  # NumberOfSamples 48
    )
    frame = _frame(hex_text, METERING)
    assert frame.header.direction is Direction.CLIENT_TO_SERVER
    assert frame.command == GetSampledData(
        sample_id=1, earliest_sample_time=MIDNIGHT, sample_type=0, number_of_samples=48
    )
    _round_trips(frame, hex_text)
    fields = frame.to_dict()["fields"]
    assert isinstance(fields, dict)
    assert fields["sample_type"] == "consumption_delivered"
    _refused(hex_text + " 00", METERING)


_SAMPLED_DATA_RESPONSE = (
    "09 0B 07"  # server to client, TSN 11, GetSampledDataResponse
    " 0100"  # SampleID 1
    " 80CAA032"  # SampleStartTime 2026-12-01T00:00Z
    " 00"  # SampleType: consumption delivered
    " 0807"  # SampleRequestInterval 1800 s
    " 0300"  # NumberOfSamples 3
    " 960000 000000 FC0800"  # 150, 0, 2300
)


def test_get_sampled_data_response() -> None:
    frame = _frame(_SAMPLED_DATA_RESPONSE, METERING)
    command = frame.command
    assert command == GetSampledDataResponse(
        sample_id=1,
        sample_start_time=MIDNIGHT,
        sample_type=0,
        sample_request_interval=1800,
        samples=(150, 0, 2300),
    )
    assert isinstance(command, GetSampledDataResponse)
    assert command.number_of_samples == 3
    _round_trips(frame, _SAMPLED_DATA_RESPONSE)
    fields = frame.to_dict()["fields"]
    assert isinstance(fields, dict)
    assert fields["number_of_samples"] == 3
    assert fields["samples"] == [150, 0, 2300]


def test_get_sampled_data_response_count_must_match() -> None:
    error = _refused(_SAMPLED_DATA_RESPONSE.replace("0300", "0400"), METERING)
    assert "NumberOfSamples is 4" in error.detail


# --- ihd frame decode ------------------------------------------------------------------------


def test_frame_decode_prints_a_calendar_unit(capsys: pytest.CaptureFixture[str]) -> None:
    hex_text = "070701" + _DAY_PROFILE.replace(" ", "")
    assert ihd(["frame", "decode", hex_text]) == 0
    decoded = json.loads(capsys.readouterr().out)
    assert decoded["cluster"] == "calendar"
    assert decoded["command"] == "PublishDayProfile"
    assert decoded["fields"]["day_id"] == 1
    assert decoded["fields"]["entries"][1] == {
        "start_minutes": 30,
        "start": "00:30",
        "price_tier": 1,
    }
    assert decode_unit(bytes.fromhex(hex_text)).encode().hex() == hex_text.lower()


def test_frame_decode_refuses_a_cut_calendar_frame_in_one_sentence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert ihd(["frame", "decode", "070701" + _DAY_PROFILE.replace(" ", "")[:-2]]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["error"] == "malformed"
    assert "PublishDayProfile" in result["detail"]
