"""Known-answer tests for the Demand Response and Load Control cluster (0x0701) codec.

Each frame is written out by hand, field by field, from the ZSE 1.4 layout, so the tests do not
lean on the encoders they check. 0x32A6FF90 (bytes 90FFA632) is 2026-12-05T17:00Z.
"""

from __future__ import annotations

import json

import pytest

from ihd_app.cli.main import main as ihd
from ihd_app.protocol.errors import DecodeError, EncodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl import (
    DRLC,
    CancelAllLoadControlEvents,
    CancelLoadControlEvent,
    DeviceClass,
    Direction,
    EventStatus,
    GetScheduledEvents,
    LoadControlEvent,
    ReportEventStatus,
    Unit,
    decode_frame,
    decode_unit,
    encode_frame,
)

FIVE_PM = 849_805_200  # 2026-12-05T17:00Z

# frame control 09 (cluster specific, server to client), TSN 05, command 00
LOAD_CONTROL_EVENT = (
    "09 05 00"
    " 34120000"  # IssuerEventID 0x1234
    " 0404"  # DeviceClass: water heater (bit 2) | electric vehicle (bit 10)
    " 00"  # UtilityEnrollmentGroup: all
    " 90FFA632"  # StartTime 2026-12-05T17:00Z
    " 3C00"  # DurationInMinutes 60
    " 01"  # CriticalityLevel 1 (green: voluntary)
    " FF FF"  # Cooling / HeatingTemperatureOffset unused
    " 0080 0080"  # Cooling / HeatingTemperatureSetPoint unused (0x8000)
    " EC"  # AverageLoadAdjustmentPercentage -20 %
    " FF"  # DutyCycle unused
    " 03"  # EventControl: randomise start and end
)
# frame control 01 (cluster specific, client to server), TSN 06, command 00
REPORT_OPTED_OUT = (
    "01 06 00"
    " 34120000"  # IssuerEventID 0x1234
    " 04"  # EventStatus: user has chosen to opt out
    " A00DA732"  # EventStatusTime 2026-12-05T18:00Z
    " 01"  # CriticalityLevelApplied
    " 0080 0080"  # set points applied: unused
    " 80"  # AverageLoadAdjustmentPercentageApplied unused
    " FF"  # DutyCycleApplied unused
    " 00"  # EventControl
    " 00" + " 00" * 42  # SignatureType: none (the envelope is signed)  # Signature
)


def _hex(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def test_load_control_event_decodes_field_by_field() -> None:
    frame = decode_frame(_hex(LOAD_CONTROL_EVENT), DRLC)
    event = frame.command
    assert isinstance(event, LoadControlEvent)
    assert frame.header.direction is Direction.SERVER_TO_CLIENT
    assert frame.header.tsn == 5
    assert event.issuer_event_id == 0x1234
    assert event.device_class == DeviceClass.WATER_HEATER | DeviceClass.ELECTRIC_VEHICLE
    assert event.start_time == FIVE_PM
    assert event.duration_in_minutes == 60
    assert event.criticality_level == 1
    assert event.average_load_adjustment_percentage == -20
    assert event.event_control == 3
    fields = frame.to_dict()["fields"]
    assert isinstance(fields, dict)
    assert fields["device_class"] == ["water_heater", "electric_vehicle"]
    assert fields["duty_cycle"] is None
    assert fields["cooling_temperature_set_point"] is None
    assert encode_frame(frame) == _hex(LOAD_CONTROL_EVENT)


def test_report_event_status_opt_out_decodes_and_round_trips() -> None:
    frame = decode_frame(_hex(REPORT_OPTED_OUT), DRLC)
    report = frame.command
    assert isinstance(report, ReportEventStatus)
    assert report.event_status == EventStatus.OPTED_OUT
    assert report.event_status_time == FIVE_PM + 3600
    assert report.signature == bytes(42)
    fields = frame.to_dict()["fields"]
    assert isinstance(fields, dict)
    assert fields["event_status"] == "opted_out"
    assert encode_frame(frame) == _hex(REPORT_OPTED_OUT)


def test_the_same_command_id_means_different_commands_by_direction() -> None:
    # 0x00 from the server is LoadControlEvent, from the client ReportEventStatus; 0x01 likewise
    # CancelLoadControlEvent versus GetScheduledEvents.
    cancel = decode_frame(_hex("09 07 01 34120000 0404 00 00 00000000"), DRLC)
    assert cancel.command == CancelLoadControlEvent(issuer_event_id=0x1234, device_class=0x0404)
    scheduled = decode_frame(_hex("01 08 01 00000000 00"), DRLC)
    assert scheduled.command == GetScheduledEvents()
    with_issuer = decode_frame(_hex("01 08 01 00000000 05 34120000"), DRLC)
    assert with_issuer.command == GetScheduledEvents(number_of_events=5, issuer_event_id=0x1234)
    cancel_all = decode_frame(_hex("09 09 02 01"), DRLC)
    assert cancel_all.command == CancelAllLoadControlEvents(cancel_control=1)


def test_unit_round_trip_over_the_electricity_endpoint() -> None:
    event = LoadControlEvent(
        issuer_event_id=7,
        device_class=DeviceClass.GENERATION_SYSTEMS,
        start_time=FIVE_PM,
        duration_in_minutes=60,
        average_load_adjustment_percentage=-20,
    )
    unit = Unit.of(event, tsn=1)
    encoded = unit.encode()
    assert encoded[:3] == bytes([0x01, 0x07, 0x01])  # cluster 0x0701 LE, endpoint 1
    assert decode_unit(encoded) == unit


@pytest.mark.parametrize(
    "text",
    [
        LOAD_CONTROL_EVENT[:-3],  # EventControl missing
        LOAD_CONTROL_EVENT + " 00",  # a trailing byte
        REPORT_OPTED_OUT[:-3],  # signature one byte short
    ],
    ids=["short", "trailing", "short-signature"],
)
def test_damaged_frames_are_refused_as_malformed(text: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode_frame(_hex(text), DRLC)
    assert info.value.reason is Reason.MALFORMED


def test_a_signature_of_the_wrong_length_is_refused_with_a_sentence() -> None:
    report = ReportEventStatus(
        issuer_event_id=1, event_status=EventStatus.STARTED, event_status_time=0, signature=b"x"
    )
    with pytest.raises(EncodeError, match="signature is 1 bytes, give exactly 42"):
        report.encode()


def test_ihd_frame_decode_names_the_drlc_cluster(capsys: pytest.CaptureFixture[str]) -> None:
    unit_hex = "010701" + LOAD_CONTROL_EVENT.replace(" ", "")
    assert ihd(["frame", "decode", unit_hex]) == 0
    decoded = json.loads(capsys.readouterr().out)
    assert decoded["cluster"] == "drlc"
    assert decoded["command"] == "LoadControlEvent"
    assert decoded["fields"]["average_load_adjustment_percentage"] == -20
