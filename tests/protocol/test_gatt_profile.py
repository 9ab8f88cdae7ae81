"""The GATT profile declared as data: UUIDs, properties and the constants both sides share."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from ihd_app.protocol import gatt_profile
from ihd_app.protocol.gatt_profile import (
    CHARACTERISTICS,
    SERVICE_UUID,
    CharacteristicSpec,
    characteristic,
    characteristic_by_uuid,
)

#: The characteristics DESIGN.md §5 names, with the properties it gives them.
DESIGN_CHARACTERISTICS = {
    "Meter Info": {"read"},
    "Metering": {"notify"},
    "Messages to IHD": {"indicate"},
    "IHD to Meter": {"write"},
    "History": {"notify"},
}

#: Bluetooth SIG base UUID: 16- and 32-bit UUIDs live here, and ours must not.
SIG_BASE_SUFFIX = "-0000-1000-8000-00805f9b34fb"

ALL_UUIDS = [SERVICE_UUID, *(spec.uuid for spec in CHARACTERISTICS)]


def test_uuids_are_unique() -> None:
    assert len(set(ALL_UUIDS)) == len(ALL_UUIDS) == 6


@pytest.mark.parametrize("value", ALL_UUIDS)
def test_uuids_are_canonical_128_bit_and_outside_the_sig_base(value: str) -> None:
    parsed = uuid.UUID(value)
    assert str(parsed) == value  # lower-case canonical form, as Bumble and bleak print it
    assert parsed.int.bit_length() > 96
    assert not value.endswith(SIG_BASE_SUFFIX)


def test_uuids_share_one_base_and_number_up_from_the_service() -> None:
    bases = {value[:4] + value[8:] for value in ALL_UUIDS}
    assert len(bases) == 1
    assert [int(value[4:8], 16) for value in ALL_UUIDS] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(("name", "properties"), sorted(DESIGN_CHARACTERISTICS.items()))
def test_every_design_characteristic_exists_with_its_properties(
    name: str, properties: set[str]
) -> None:
    spec = characteristic(name)
    assert spec.name == name
    assert spec.properties == properties
    assert spec.description
    assert spec.carries


def test_the_profile_has_exactly_the_design_characteristics() -> None:
    assert {spec.name for spec in CHARACTERISTICS} == set(DESIGN_CHARACTERISTICS)


def test_properties_are_frozen_sets_of_bleak_property_names() -> None:
    for spec in CHARACTERISTICS:
        assert isinstance(spec.properties, frozenset)
        assert spec.properties <= gatt_profile.VALID_PROPERTIES


def test_spec_is_immutable() -> None:
    spec = characteristic("Metering")
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.name = "Other"  # type: ignore[misc]


def test_spec_refuses_unknown_or_missing_properties() -> None:
    with pytest.raises(ValueError, match="invalid GATT properties"):
        CharacteristicSpec("X", SERVICE_UUID, frozenset({"broadcast"}), "d", "c")
    with pytest.raises(ValueError, match="invalid GATT properties"):
        CharacteristicSpec("X", SERVICE_UUID, frozenset(), "d", "c")


def test_unknown_name_raises_key_error_listing_the_profile() -> None:
    with pytest.raises(KeyError, match="Meter Info"):
        characteristic("Meter info")


def test_lookup_by_uuid_ignores_case_and_returns_none_outside_the_profile() -> None:
    for spec in CHARACTERISTICS:
        assert characteristic_by_uuid(spec.uuid.upper()) is spec
    assert characteristic_by_uuid(SERVICE_UUID) is None
    assert characteristic_by_uuid("00002a00" + SIG_BASE_SUFFIX) is None


def test_named_uuid_constants_match_the_table() -> None:
    assert characteristic("Meter Info").uuid == gatt_profile.METER_INFO_UUID
    assert characteristic("Metering").uuid == gatt_profile.METERING_UUID
    assert characteristic("Messages to IHD").uuid == gatt_profile.MESSAGES_TO_IHD_UUID
    assert characteristic("IHD to Meter").uuid == gatt_profile.IHD_TO_METER_UUID
    assert characteristic("History").uuid == gatt_profile.HISTORY_UUID


def test_shared_constants() -> None:
    assert gatt_profile.PROFILE_VERSION == 1
    assert gatt_profile.ADVERTISED_NAME_PREFIX
    assert gatt_profile.DEFAULT_ATT_MTU == 23
    assert gatt_profile.PREFERRED_ATT_MTU == 247
    assert gatt_profile.ATT_HEADER == 3
    assert gatt_profile.MAX_ATTRIBUTE_VALUE_BYTES == 512
    assert gatt_profile.ATT_ERROR_INSUFFICIENT_AUTHENTICATION == 0x05


def test_every_characteristic_requires_an_authenticated_link_and_says_so() -> None:
    assert gatt_profile.REQUIRES_AUTHENTICATION is True
    assert gatt_profile.REQUIRES_ENCRYPTION is True
    doc = gatt_profile.__doc__ or ""
    assert "authenticated, encrypted link" in doc
    assert "Insufficient Authentication" in doc


def test_importing_the_profile_pulls_in_no_ble_stack_or_qt() -> None:
    probe = (
        "import sys, ihd_app.protocol.gatt_profile, ihd_app.protocol.segmentation\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "{'bumble', 'bleak', 'PySide6', 'shiboken6', 'pyqtgraph', 'qasync'}]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
        cwd=Path(__file__).resolve().parents[2],  # the repository root, so ihd_app imports
    )
    assert result.stdout.strip() == ""
