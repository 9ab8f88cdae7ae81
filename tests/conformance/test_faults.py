"""The meter emulator's fault hooks on their own: each breaks exactly its rule."""

from __future__ import annotations

import cbor2
import pytest

from ihd_app.conformance.checks import CHECK_NAMES
from ihd_app.protocol import gatt_profile
from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.segmentation.reassembler import Reassembler
from ihd_app.protocol.segmentation.segmenter import Segmenter
from meter_emulator import faults
from meter_emulator.faults import Fault

NONE: frozenset[Fault] = frozenset()


def test_every_fault_has_a_sentence_and_a_check() -> None:
    for fault in Fault:
        assert fault.description.endswith(".")
        assert fault.check in CHECK_NAMES
    assert faults.parse_fault("no-auth") is Fault.NO_AUTH


def test_without_faults_every_hook_is_the_identity() -> None:
    spec = gatt_profile.characteristic("Messages to IHD")
    assert faults.characteristic_spec(NONE, spec) is spec
    assert faults.meter_info_value(NONE, b"\xa0") == b"\xa0"
    values = Segmenter(23).segment(bytes(100))
    assert faults.segments(NONE, values) == values
    assert faults.advertises_service_uuid(NONE)
    assert faults.indications_per_message(NONE) == 1
    assert not faults.refuses_reply(NONE, "message.receipt")
    assert faults.report_interval_s(NONE, 1.0) == 1.0
    assert faults.answers_history(NONE)


def test_wrong_properties_turns_indicate_into_notify() -> None:
    spec = gatt_profile.characteristic("Messages to IHD")
    broken = faults.characteristic_spec({Fault.WRONG_PROPERTIES}, spec)
    assert broken.properties == {"notify"}
    info = gatt_profile.characteristic("Meter Info")
    assert faults.characteristic_spec({Fault.WRONG_PROPERTIES}, info) is info


def test_bad_meter_info_truncates_the_certificate_hash() -> None:
    value = cbor2.dumps({"meter_id": "x", "certificate_sha256": bytes(32)})
    broken = cbor2.loads(faults.meter_info_value({Fault.BAD_METER_INFO}, value))
    assert len(broken["certificate_sha256"]) == 16


def test_bad_segmentation_leaves_a_gap_the_reassembler_refuses() -> None:
    values = faults.segments({Fault.BAD_SEGMENTATION}, Segmenter(23).segment(bytes(100)))
    reassembler = Reassembler()
    assert reassembler.feed(values[0]) is None
    with pytest.raises(DecodeError, match="out of sequence"):
        reassembler.feed(values[1])
    single = Segmenter(247).segment(b"\x01\x02")
    assert faults.segments({Fault.BAD_SEGMENTATION}, single) == single


def test_reply_faults_refuse_only_their_type() -> None:
    assert faults.refuses_reply({Fault.MISSING_RECEIPT}, "message.receipt")
    assert not faults.refuses_reply({Fault.MISSING_RECEIPT}, "message.confirmation")
    assert faults.refuses_reply({Fault.IGNORE_CONFIRMATION}, "message.confirmation")
    assert not faults.refuses_reply({Fault.IGNORE_CONFIRMATION}, "history.request")
