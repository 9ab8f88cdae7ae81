"""The conformance judgements on their own (no radio)."""

from __future__ import annotations

import cbor2
import pytest

from ihd_app.conformance.checks import (
    DiscoveredCharacteristic,
    Status,
    cadence_tolerance_s,
    judge_advertising,
    judge_history,
    judge_meter_info,
    judge_metering,
    judge_service,
)
from ihd_app.protocol import gatt_profile

GOOD_INFO = {
    "meter_id": "00-1D-A6-00-00-00-00-01",
    "name": "Smart meter",
    "fuels": ["electricity", "gas"],
    "profile_version": 1,
    "certificate_sha256": bytes(32),
}
# docs/protocol.md §10.3 unit vectors.
DEMAND_ELECTRICITY = bytes.fromhex("02070108000A00042AD20400")
SUMMATION_GAS = bytes.fromhex("02070208000A00002587D612000000010422FC0800")
FORMATTING = bytes.fromhex("02070108000A00033000010322010000020322E803000303182B0403182B")
PROFILE_RESPONSE = bytes.fromhex("0207010900004073A132000204D20000B40000B60300900100")


def _profile() -> list[DiscoveredCharacteristic]:
    return [
        DiscoveredCharacteristic(s.uuid, s.properties, bool(s.properties & {"notify", "indicate"}))
        for s in gatt_profile.CHARACTERISTICS
    ]


def test_advertising_needs_the_uuid_and_the_name_prefix() -> None:
    assert judge_advertising("IHD-Meter 0A1B", [gatt_profile.SERVICE_UUID.upper()]).status is (
        Status.PASS
    )
    missing = judge_advertising("Zephyr", [])
    assert missing.status is Status.FAIL
    assert "service UUID" in missing.reason
    assert "IHD-Meter" in missing.reason


def test_the_profile_passes_and_each_deviation_is_named() -> None:
    assert judge_service(True, _profile()).status is Status.PASS
    assert judge_service(False, []).status is Status.FAIL
    wrong = _profile()
    wrong[3] = DiscoveredCharacteristic(wrong[3].uuid, frozenset({"write-without-response"}), False)
    result = judge_service(True, wrong[:-1])
    assert result.status is Status.FAIL
    assert "IHD to Meter has properties ['write-without-response']" in result.reason
    assert "History" in result.reason


def test_a_notify_characteristic_without_cccd_fails() -> None:
    chars = _profile()
    chars[1] = DiscoveredCharacteristic(chars[1].uuid, chars[1].properties, False)
    assert "Metering has no CCCD" in judge_service(True, chars).reason


def test_valid_meter_info_passes() -> None:
    result, value = judge_meter_info(cbor2.dumps(GOOD_INFO))
    assert result.status is Status.PASS
    assert value is not None
    assert value.fuels == ("electricity", "gas")


@pytest.mark.parametrize(
    ("key", "bad", "said"),
    [
        ("meter_id", "meter-1", "meter_id"),
        ("fuels", ["water"], "fuels"),
        ("fuels", [], "fuels"),
        ("profile_version", 2, "profile_version"),
        ("profile_version", True, "profile_version"),
        ("certificate_sha256", bytes(31), "31 bytes"),
        ("name", 7, "name"),
    ],
)
def test_each_bad_meter_info_field_is_named(key: str, bad: object, said: str) -> None:
    result, _ = judge_meter_info(cbor2.dumps({**GOOD_INFO, key: bad}))
    assert result.status is Status.FAIL
    assert said in result.reason


def test_meter_info_that_is_not_a_cbor_map_fails() -> None:
    assert judge_meter_info(b"\xff\x00")[0].status is Status.FAIL
    assert "not a map" in judge_meter_info(cbor2.dumps([1]))[0].reason


def test_metering_at_the_interval_passes() -> None:
    units = [(t * 1.0, DEMAND_ELECTRICITY) for t in range(1, 10)]
    units += [(t * 1.0 + 0.1, SUMMATION_GAS) for t in range(1, 10)]
    units.append((0.5, FORMATTING))
    result = judge_metering(units, ["electricity", "gas"], start=0.0, end=10.0, interval_s=1.0)
    assert result.status is Status.PASS
    assert result.details["reports"] == {"electricity": 9, "gas": 9}


def test_gas_once_at_subscription_passes_as_a_half_hourly_gas_meter_reports() -> None:
    units = [(t * 1.0, DEMAND_ELECTRICITY) for t in range(1, 10)]
    units.append((0.2, SUMMATION_GAS))
    result = judge_metering(units, ["electricity", "gas"], start=0.0, end=10.0, interval_s=1.0)
    assert result.status is Status.PASS
    assert result.details["reports"] == {"electricity": 9, "gas": 1}
    late = [*units[:-1], (cadence_tolerance_s(1.0) + 1.0, SUMMATION_GAS)]
    slow = judge_metering(late, ["electricity", "gas"], start=0.0, end=10.0, interval_s=1.0)
    assert slow.status is Status.FAIL
    assert "first gas reading came" in slow.reason


def test_a_gap_beyond_the_tolerance_fails() -> None:
    tolerance = cadence_tolerance_s(1.0)
    units = [(1.0, DEMAND_ELECTRICITY), (1.0 + tolerance + 0.1, DEMAND_ELECTRICITY)]
    result = judge_metering(units, ["electricity"], start=0.0, end=6.0, interval_s=1.0)
    assert result.status is Status.FAIL
    assert "apart" in result.reason


def test_a_missing_fuel_and_an_undecodable_unit_fail() -> None:
    units = [(t * 0.5, DEMAND_ELECTRICITY) for t in range(1, 6)]
    no_gas = judge_metering(units, ["electricity", "gas"], start=0.0, end=3.0, interval_s=1.0)
    assert "no gas reading" in no_gas.reason
    broken = judge_metering(
        [(1.0, b"\x02\x07\x01")], ["electricity"], start=0.0, end=2.0, interval_s=1.0
    )
    assert broken.status is Status.FAIL
    assert "does not decode" in broken.reason


def test_history_must_be_a_get_profile_response() -> None:
    assert judge_history(PROFILE_RESPONSE, 4).status is Status.PASS
    assert judge_history(PROFILE_RESPONSE, 2).status is Status.FAIL
    assert "not a Metering GetProfileResponse" in judge_history(DEMAND_ELECTRICITY, 4).reason
