"""Known-answer tests for the Prepayment cluster (0x0705) codecs.

Each frame is written out by hand from the ZSE 1.4 layout (field by field in the comments) so the
tests do not lean on the encoders they check; GBCS carries these ZSE frames unchanged. UTCTime
0x32A0CA80 (bytes 80CAA032) is 2026-12-01T00:00Z.
"""

from __future__ import annotations

import pytest

from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.utrn import check_utrn, group_utrn, issue_utrn
from ihd_app.protocol.zcl import Direction, Endpoint, Frame, Unit, decode_frame, decode_unit
from ihd_app.protocol.zcl.clusters import PREPAYMENT
from ihd_app.protocol.zcl.prepayment import (
    ChangePaymentMode,
    ConsumerTopUp,
    ConsumerTopUpResponse,
    CreditAdjustment,
    CreditAdjustmentType,
    OriginatingDevice,
    PublishPrepaySnapshot,
    SelectAvailableEmergencyCredit,
    TopUpResult,
)
from ihd_app.protocol.zcl.prepayment_debt import (
    ChangeDebt,
    DebtRecoveryFrequency,
    DebtRecoveryMethod,
)
from ihd_app.protocol.zcl.unit import encode_frame

MIDNIGHT = 849_398_400  # 2026-12-01T00:00Z


def _frame(hex_text: str) -> Frame:
    return decode_frame(bytes.fromhex(hex_text.replace(" ", "")), PREPAYMENT)


def _round_trips(frame: Frame, hex_text: str) -> None:
    assert encode_frame(frame).hex() == hex_text.replace(" ", "").lower()


# ConsumerTopUp from the display: frame control 01 (cluster, client to server), TSN 2A,
# command 04; OriginatingDevice 02 (IHD), TopUpCode octet string of 20 ASCII digits.
TOP_UP = "01 2A 04 02 14 3132333435363738393031323334353637383930"


def test_consumer_top_up_decodes_with_its_fields() -> None:
    frame = _frame(TOP_UP)
    assert frame.header.direction is Direction.CLIENT_TO_SERVER
    assert frame.header.command_id == 0x04
    assert frame.command == ConsumerTopUp(
        top_up_code=b"12345678901234567890", originating_device=OriginatingDevice.IN_HOME_DISPLAY
    )
    _round_trips(frame, TOP_UP)


# SelectAvailableEmergencyCredit: 01 07 00; CommandIssueDateTime 80CAA032, device 02.
EMERGENCY = "01 07 00 80CAA032 02"


def test_select_emergency_credit_decodes() -> None:
    frame = _frame(EMERGENCY)
    assert frame.command == SelectAvailableEmergencyCredit(command_issue_time=MIDNIGHT)
    _round_trips(frame, EMERGENCY)


# CreditAdjustment from the supplier: 01 08 05; IssuerEventID 0x00000064, StartTime 0 (now),
# type 00 incremental, value int32 1000 pence (E8030000).
ADJUSTMENT = "01 08 05 64000000 00000000 00 E8030000"


def test_credit_adjustment_decodes() -> None:
    frame = _frame(ADJUSTMENT)
    assert frame.command == CreditAdjustment(
        issuer_event_id=100, adjustment_type=CreditAdjustmentType.INCREMENTAL, value=1000
    )
    _round_trips(frame, ADJUSTMENT)


# ChangePaymentMode: 01 09 06; ProviderID 1, IssuerEventID 2, ImplementationDateTime 0,
# ProposedPaymentControlConfiguration 0x00D7 (disconnection, prepayment, credit management,
# credit display, account base, contactor fitted), CutOffValue 0.
PAYMENT_MODE = "01 09 06 01000000 02000000 00000000 D700 00000000"


def test_change_payment_mode_decodes_to_prepayment() -> None:
    frame = _frame(PAYMENT_MODE)
    command = frame.command
    assert isinstance(command, ChangePaymentMode)
    assert command.prepayment
    assert command.payment_control == 0x00D7
    _round_trips(frame, PAYMENT_MODE)


# PublishPrepaySnapshot from the meter: frame control 09 (cluster, server to client), TSN 10,
# command 01; SnapshotID 5, SnapshotTime 80CAA032, TotalSnapshotsFound 1, CommandIndex 0,
# TotalNumberOfCommands 1, SnapshotCause 0x00000001 (general), PayloadType 00 DebtCreditStatus:
# AccumulatedDebt 250 (FA000000), Type1 500 (F4010000), Type2 0, Type3 0,
# EmergencyCreditRemaining 800 (20030000), CreditRemaining -120 (88FFFFFF).
SNAPSHOT = (
    "09 10 01 05000000 80CAA032 01 00 01 01000000 00"
    " FA000000 F4010000 00000000 00000000 20030000 88FFFFFF"
)


def test_prepay_snapshot_decodes_the_debt_credit_status() -> None:
    frame = _frame(SNAPSHOT)
    command = frame.command
    assert isinstance(command, PublishPrepaySnapshot)
    assert command.snapshot_time == MIDNIGHT
    assert command.accumulated_debt == 250
    assert command.type1_debt_remaining == 500
    assert command.emergency_credit_remaining == 800
    assert command.credit_remaining == -120
    _round_trips(frame, SNAPSHOT)


# ConsumerTopUpResponse: 09 2A 03; ResultType 02 (rejected, duplicate), TopUpValue 0,
# SourceOfTopUp 02 (IHD), CreditRemaining 1234 (D2040000).
TOP_UP_RESPONSE = "09 2A 03 02 00000000 02 D2040000"


def test_top_up_response_decodes() -> None:
    frame = _frame(TOP_UP_RESPONSE)
    assert frame.command == ConsumerTopUpResponse(
        result=TopUpResult.REJECTED_DUPLICATE, credit_remaining=1234
    )
    assert not TopUpResult.REJECTED_DUPLICATE.accepted
    _round_trips(frame, TOP_UP_RESPONSE)


def test_a_unit_round_trips_on_the_prepayment_cluster() -> None:
    unit = Unit.of(
        ConsumerTopUpResponse(
            result=TopUpResult.ACCEPTED_SUPPLY_ARMED, top_up_value=2000, credit_remaining=1880
        ),
        endpoint=Endpoint.ELECTRICITY,
        tsn=3,
    )
    data = unit.encode()
    assert data[:3] == bytes.fromhex("050701")  # cluster 0x0705 LE, endpoint 1
    assert decode_unit(data) == unit


@pytest.mark.parametrize(
    ("hex_text", "why"),
    [
        ("01 2A 04 02 15 31", "short top-up code"),
        ("01 07 00 80CAA032 09", "undefined originating device"),
        ("09 10 01 05000000 80CAA032 01 00 01 01000000 01", "payload type"),
        ("09 2A 03 02 00000000 02 D2040000 00", "trailing byte"),
    ],
)
def test_damaged_frames_are_refused_as_malformed(hex_text: str, why: str) -> None:
    with pytest.raises(DecodeError) as info:
        _frame(hex_text)
    assert info.value.reason is Reason.MALFORMED, why


def test_a_utrn_is_bound_to_its_meter_and_key() -> None:
    key = b"k" * 32
    code = issue_utrn(key, "00-11-22-33-44-55-66-77", 2000, 7)
    assert len(code) == 20
    checked = check_utrn(key, "00-11-22-33-44-55-66-77", group_utrn(code))
    assert checked is not None
    assert (checked.value_pence, checked.sequence) == (2000, 7)
    assert check_utrn(key, "00-11-22-33-44-55-66-88", code) is None  # another meter
    assert check_utrn(b"x" * 32, "00-11-22-33-44-55-66-77", code) is None  # another key
    # A made-up number with a plausible value is refused: the MAC digits do not match.
    assert check_utrn(key, "00-11-22-33-44-55-66-77", code[:10] + "0000000000") is None
    # Changing the value (to steal credit) breaks the MAC too.
    assert check_utrn(key, "00-11-22-33-44-55-66-77", "009999" + code[6:]) is None


# ChangeDebt from the supplier: 01 0A 02; IssuerEventID 3, DebtLabel "Arrears" (07 + ASCII),
# DebtAmount 5000 (88130000), method 00 time-based, amount type 01 (type 1, incremental),
# DebtRecoveryStartTime 80CAA032, CollectionTime 0x01E0 (08:00, E001), frequency 01 per day,
# DebtRecoveryAmount 50 (32000000), BalancePercentage 0.
CHANGE_DEBT = "01 0A 02 03000000 07 41727265617273 88130000 00 01 80CAA032 E001 01 32000000 0000"


def test_change_debt_decodes_with_its_recovery() -> None:
    frame = _frame(CHANGE_DEBT)
    command = frame.command
    assert isinstance(command, ChangeDebt)
    assert command.debt_label == b"Arrears"
    assert command.debt_amount == 5000
    assert command.recovery_method is DebtRecoveryMethod.TIME_BASED
    assert command.debt_type == 1
    assert command.incremental
    assert command.collection_time == 8 * 60
    assert command.frequency is DebtRecoveryFrequency.PER_DAY
    assert command.recovery_amount == 50
    _round_trips(frame, CHANGE_DEBT)
