"""Segmentation and reassembly: exact wire bytes, round trips, every refusal, time, fuzz."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ihd_app.protocol.errors import DecodeError, EncodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.segmentation.reassembler import Reassembler
from ihd_app.protocol.segmentation.segmenter import Segmenter
from ihd_app.protocol.segmentation.wire import (
    MAX_SEGMENTS,
    MAX_UNIT_BYTES,
    MIN_ATT_MTU,
    max_unit_for_mtu,
    parse_segment,
    segment,
    segment_size,
    segments_needed,
)

MTUS = [23, 185, 247, 517]
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def unit_of(length: int, seed: int = 0) -> bytes:
    # Varied bytes so a misplaced slice cannot go unnoticed; reproducible, so not secrets.
    return random.Random(seed).randbytes(length)


def feed_all(reassembler: Reassembler, segments: list[bytes]) -> bytes | None:
    """Feed segments, checking nothing completes before the last one."""
    for piece in segments[:-1]:
        assert reassembler.feed(piece) is None
    return reassembler.feed(segments[-1])


def refused(reassembler: Reassembler, piece: bytes, reason: Reason, match: str = "") -> None:
    with pytest.raises(DecodeError, match=match) as caught:
        reassembler.feed(piece)
    assert caught.value.reason is reason


# --- wire format -------------------------------------------------------------------------------


def test_documented_vectors() -> None:
    assert segment(bytes.fromhex("010203"), 23, 5) == [bytes.fromhex("C50003000102 03")]
    assert segment(b"", 23, 5) == [bytes.fromhex("C5000000")]
    assert segment(bytes.fromhex("0A0B0C0D0E"), 8, 5) == [
        bytes.fromhex("850005000A"),
        bytes.fromhex("05010B0C0D"),
        bytes.fromhex("45020E"),
    ]


def test_parse_segment_reads_the_header() -> None:
    first = parse_segment(bytes.fromhex("8A00 3412 AABB"))
    assert (first.first, first.last, first.transfer_id, first.index) == (True, False, 10, 0)
    assert first.total_length == 0x1234
    assert first.payload == b"\xaa\xbb"
    middle = parse_segment(bytes.fromhex("4A07CC"))
    assert (middle.first, middle.last, middle.index, middle.total_length) == (False, True, 7, None)
    assert middle.payload == b"\xcc"


def test_segment_sizes_respect_the_att_value_limits() -> None:
    assert segment_size(23) == 20
    assert segment_size(247) == 244
    assert segment_size(517) == 512  # capped at the longest attribute value, not 514
    assert segments_needed(2048, 23) == 114
    assert max_unit_for_mtu(23) == 16 + 255 * 18 == 4606
    assert max_unit_for_mtu(517) == 0xFFFF  # the u16 length field binds first


# --- round trips -------------------------------------------------------------------------------


@given(
    unit=st.binary(max_size=2600),
    mtu=st.sampled_from(MTUS),
    transfer_id=st.integers(0, 15),
)
@FAST
def test_round_trip(unit: bytes, mtu: int, transfer_id: int) -> None:
    segments = segment(unit, mtu, transfer_id)
    assert all(len(piece) <= min(mtu - 3, 512) for piece in segments)
    assert len(segments) == segments_needed(len(unit), mtu)
    headers = [parse_segment(piece) for piece in segments]
    assert [h.index for h in headers] == list(range(len(segments)))
    assert {h.transfer_id for h in headers} == {transfer_id}
    assert [h.first for h in headers] == [True] + [False] * (len(segments) - 1)
    assert [h.last for h in headers] == [False] * (len(segments) - 1) + [True]
    assert b"".join(h.payload for h in headers) == unit
    assert feed_all(Reassembler(), segments) == unit


@pytest.mark.parametrize("mtu", MTUS)
@pytest.mark.parametrize("length", [0, 1, 15, 16, 17, 34, 35, 244, 245, 512, 2048, 2049, 4606])
def test_round_trip_at_boundary_lengths(mtu: int, length: int) -> None:
    unit = unit_of(length, seed=length)
    assert feed_all(Reassembler(), segment(unit, mtu, 3)) == unit


def test_two_kib_at_the_default_mtu_takes_many_segments_and_reassembles_exactly() -> None:
    unit = unit_of(2048)
    segments = segment(unit, 23, 0)
    assert len(segments) == 114
    assert all(len(piece) <= 20 for piece in segments)
    reassembler = Reassembler()
    assert feed_all(reassembler, segments) == unit
    stats = reassembler.stats
    assert (stats.units, stats.segments, stats.dropped, stats.error_count) == (1, 114, 0, 0)
    assert reassembler.buffered == 0
    assert not reassembler.in_progress


def test_consecutive_units_reassemble_one_after_another() -> None:
    segmenter = Segmenter(23)
    reassembler = Reassembler()
    units = [unit_of(n, seed=n) for n in (0, 5, 300, 17, 16)]
    for unit in units:
        assert feed_all(reassembler, segmenter.segment(unit)) == unit
    assert reassembler.stats.units == len(units)


# --- sending side refusals ---------------------------------------------------------------------


def test_segment_refuses_a_unit_over_the_limit() -> None:
    with pytest.raises(EncodeError) as caught:
        segment(bytes(MAX_UNIT_BYTES + 1), 517, 0)
    assert caught.value.reason is Reason.OVERSIZE
    with pytest.raises(EncodeError) as caught:
        segment(bytes(101), 247, 0, max_unit_bytes=100)
    assert caught.value.reason is Reason.OVERSIZE
    assert len(segment(bytes(100), 247, 0, max_unit_bytes=100)) == 1


def test_segment_refuses_a_unit_needing_more_than_256_segments() -> None:
    assert len(segment(bytes(4606), 23, 0)) == MAX_SEGMENTS
    with pytest.raises(EncodeError, match="257 segments") as caught:
        segment(bytes(4607), 23, 0)
    assert caught.value.reason is Reason.OVERSIZE


def test_segment_refuses_an_mtu_too_small_for_one_payload_byte() -> None:
    assert MIN_ATT_MTU == 8
    segment(b"x", MIN_ATT_MTU, 0)
    with pytest.raises(EncodeError, match="too small") as caught:
        segment(b"x", MIN_ATT_MTU - 1, 0)
    assert caught.value.reason is Reason.MALFORMED


@pytest.mark.parametrize("transfer_id", [-1, 16, 255])
def test_segment_refuses_a_transfer_id_outside_four_bits(transfer_id: int) -> None:
    with pytest.raises(EncodeError, match="transfer id"):
        segment(b"x", 23, transfer_id)


def test_segmenter_numbers_units_and_wraps() -> None:
    segmenter = Segmenter(23, first_transfer_id=14)
    ids = [parse_segment(segmenter.segment(b"u")[0]).transfer_id for _ in range(4)]
    assert ids == [14, 15, 0, 1]


def test_segmenter_refusal_does_not_use_up_a_transfer_id() -> None:
    segmenter = Segmenter(23, max_unit_bytes=10)
    with pytest.raises(EncodeError):
        segmenter.segment(bytes(11))
    assert segmenter.next_transfer_id == 0


def test_segmenters_are_independent_per_direction() -> None:
    to_ihd, to_meter = Segmenter(), Segmenter()
    to_ihd.segment(b"a")
    to_ihd.segment(b"b")
    assert (to_ihd.next_transfer_id, to_meter.next_transfer_id) == (2, 0)


def test_segmenter_follows_an_mtu_change() -> None:
    segmenter = Segmenter()
    assert len(segmenter.segment(bytes(200))) > 1
    segmenter.mtu = 247
    assert len(segmenter.segment(bytes(200))) == 1
    with pytest.raises(EncodeError):
        segmenter.mtu = 5
    assert segmenter.mtu == 247


# --- receiving side refusals -------------------------------------------------------------------


def test_header_too_short_is_malformed() -> None:
    reassembler = Reassembler()
    refused(reassembler, b"", Reason.MALFORMED, "shorter than")
    refused(reassembler, b"\x80", Reason.MALFORMED, "shorter than")
    refused(reassembler, b"\x80\x00\x05", Reason.MALFORMED, "unit length")


@pytest.mark.parametrize("control", [0xD0, 0xE0, 0xF0, 0x10, 0x20])
def test_reserved_bits_are_malformed(control: int) -> None:
    refused(Reassembler(), bytes((control, 0, 0, 0)), Reason.MALFORMED, "reserved")


def test_first_segment_with_a_nonzero_index_is_malformed() -> None:
    refused(Reassembler(), bytes.fromhex("C0010000"), Reason.MALFORMED, "index 1")


def test_declared_length_over_the_limit_is_refused_before_buffering() -> None:
    reassembler = Reassembler(max_unit_bytes=100)
    refused(reassembler, bytes.fromhex("8000 6500") + bytes(10), Reason.OVERSIZE, "declares 101")
    assert reassembler.buffered == 0
    assert not reassembler.in_progress
    # Exactly the limit is fine.
    assert reassembler.feed(bytes.fromhex("8000 6400") + bytes(10)) is None


def test_first_segment_longer_than_its_declared_length_is_oversize() -> None:
    refused(Reassembler(), bytes.fromhex("C000 0200") + b"abc", Reason.OVERSIZE, "declared 2")
    refused(Reassembler(), bytes.fromhex("8000 0200") + b"abc", Reason.OVERSIZE, "declared 2")


def test_continuation_past_the_declared_length_is_oversize() -> None:
    reassembler = Reassembler()
    assert reassembler.feed(bytes.fromhex("8000 0400") + b"ab") is None
    refused(reassembler, bytes.fromhex("0001") + b"cde", Reason.OVERSIZE, "past its declared 4")
    assert reassembler.buffered == 0


def test_last_segment_short_of_the_declared_length_is_malformed() -> None:
    refused(Reassembler(), bytes.fromhex("C000 0500") + b"abc", Reason.MALFORMED, "3 of")
    reassembler = Reassembler()
    assert reassembler.feed(bytes.fromhex("8000 0500") + b"ab") is None
    refused(reassembler, bytes.fromhex("4001") + b"c", Reason.MALFORMED, "3 of its declared 5")


def test_out_of_sequence_index_is_malformed_and_discards_the_unit() -> None:
    segments = segment(unit_of(100), 23, 2)
    reassembler = Reassembler()
    reassembler.feed(segments[0])
    reassembler.feed(segments[1])
    refused(reassembler, segments[3], Reason.MALFORMED, "out of sequence")
    assert not reassembler.in_progress
    # The rest of the broken unit no longer has a FIRST to continue.
    refused(reassembler, segments[2], Reason.MALFORMED, "never started")


def test_repeated_segment_is_out_of_sequence() -> None:
    segments = segment(unit_of(100), 23, 2)
    reassembler = Reassembler()
    reassembler.feed(segments[0])
    reassembler.feed(segments[1])
    refused(reassembler, segments[1], Reason.MALFORMED, "out of sequence")


def test_continuation_without_first_is_malformed() -> None:
    refused(Reassembler(), bytes.fromhex("0301") + b"abc", Reason.MALFORMED, "never started")
    refused(Reassembler(), bytes.fromhex("4300"), Reason.MALFORMED, "never started")


def test_continuation_of_another_transfer_drops_the_partial_unit() -> None:
    reassembler = Reassembler()
    reassembler.feed(segment(unit_of(100), 23, 1)[0])
    other = segment(unit_of(100), 23, 2)
    refused(reassembler, other[1], Reason.MALFORMED, "transfer 1 was incomplete")
    assert not reassembler.in_progress
    assert reassembler.stats.dropped == 1


def test_first_of_another_transfer_mid_unit_starts_a_new_unit() -> None:
    reassembler = Reassembler()
    reassembler.feed(segment(unit_of(100), 23, 1)[0])
    unit = unit_of(60, seed=9)
    assert feed_all(reassembler, segment(unit, 23, 2)) == unit
    stats = reassembler.stats
    assert (stats.units, stats.dropped, stats.error_count) == (1, 1, 0)


def test_segment_255_that_is_not_last_is_malformed() -> None:
    reassembler = Reassembler()
    # 256 segments of one byte each would make a 256-byte unit: declare more so 255 is not LAST.
    reassembler.feed(bytes.fromhex("8000 0001") + b"x")
    for index in range(1, 255):
        assert reassembler.feed(bytes((0x00, index)) + b"x") is None
    refused(reassembler, bytes((0x00, 255)) + b"x", Reason.MALFORMED, "not LAST")


def test_errors_are_counted_by_reason() -> None:
    reassembler = Reassembler(max_unit_bytes=10)
    for piece in (b"", bytes.fromhex("F0000000"), bytes.fromhex("80000B00")):
        with pytest.raises(DecodeError):
            reassembler.feed(piece)
    stats = reassembler.stats
    assert stats.errors == {Reason.MALFORMED: 2, Reason.OVERSIZE: 1}
    assert stats.error_count == 3
    assert stats.segments == 3


def test_stats_is_a_snapshot() -> None:
    reassembler = Reassembler()
    before = reassembler.stats
    with pytest.raises(DecodeError):
        reassembler.feed(b"")
    assert before.errors == {}
    with pytest.raises(TypeError):
        reassembler.stats.errors[Reason.MALFORMED] = 0  # type: ignore[index]


ERROR_CASES: dict[str, list[bytes]] = {
    "short": [b"\x80"],
    "reserved": [bytes.fromhex("B0000000")],
    "oversize-declared": [bytes.fromhex("8000FFFF")],
    "oversize-accumulated": [bytes.fromhex("80000200") + b"a", bytes.fromhex("0001") + b"bc"],
    "short-last": [bytes.fromhex("80000500") + b"a", bytes.fromhex("4001") + b"b"],
    "gap": [bytes.fromhex("80000500") + b"a", bytes.fromhex("0002") + b"b"],
    "orphan": [bytes.fromhex("0001") + b"b"],
    "other-transfer": [bytes.fromhex("81000500") + b"a", bytes.fromhex("0201") + b"b"],
}


@pytest.mark.parametrize("pieces", ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_the_next_first_segment_starts_cleanly_after_any_error(pieces: list[bytes]) -> None:
    reassembler = Reassembler()
    for piece in pieces[:-1]:
        assert reassembler.feed(piece) is None
    with pytest.raises(DecodeError):
        reassembler.feed(pieces[-1])
    assert not reassembler.in_progress
    unit = unit_of(300)
    assert feed_all(reassembler, segment(unit, 23, 0)) == unit


# --- time --------------------------------------------------------------------------------------


def test_a_slow_unit_within_the_timeout_completes() -> None:
    clock = FakeClock()
    reassembler = Reassembler(timeout_s=5.0, clock=clock)
    unit = unit_of(100)
    segments = segment(unit, 23, 0)
    for piece in segments[:-1]:
        assert reassembler.feed(piece) is None
        clock.now += 0.5
    clock.now = 1005.0  # exactly the timeout is still in time
    assert reassembler.feed(segments[-1]) == unit


def test_continuation_after_the_timeout_is_malformed_and_drops_the_unit() -> None:
    clock = FakeClock()
    reassembler = Reassembler(timeout_s=5.0, clock=clock)
    segments = segment(unit_of(100), 23, 4)
    reassembler.feed(segments[0])
    clock.now += 5.25
    refused(reassembler, segments[1], Reason.MALFORMED, r"timed out after 5\.250 s")
    stats = reassembler.stats
    assert (stats.dropped, stats.timeouts, reassembler.buffered) == (1, 1, 0)
    # Its remaining segments are orphans now.
    refused(reassembler, segments[2], Reason.MALFORMED, "never started")


def test_first_after_the_timeout_starts_fresh_and_counts_the_drop() -> None:
    clock = FakeClock()
    reassembler = Reassembler(timeout_s=5.0, clock=clock)
    reassembler.feed(segment(unit_of(100), 23, 4)[0])
    clock.now += 60
    unit = unit_of(50, seed=1)
    assert feed_all(reassembler, segment(unit, 23, 4)) == unit  # even with the same transfer id
    stats = reassembler.stats
    assert (stats.units, stats.dropped, stats.timeouts, stats.error_count) == (1, 1, 1, 0)


def test_expire_drops_only_a_stale_unit() -> None:
    clock = FakeClock()
    reassembler = Reassembler(timeout_s=2.0, clock=clock)
    assert reassembler.expire() is False
    assert reassembler.expires_at is None
    reassembler.feed(segment(unit_of(100), 23, 0)[0])
    assert reassembler.expires_at == 1002.0
    assert reassembler.expire() is False
    assert reassembler.expire(now=1002.0) is False
    assert reassembler.in_progress
    assert reassembler.expire(now=1002.5) is True
    assert not reassembler.in_progress
    assert (reassembler.stats.dropped, reassembler.stats.timeouts) == (1, 1)


def test_expire_uses_the_injected_clock() -> None:
    clock = FakeClock()
    reassembler = Reassembler(timeout_s=2.0, clock=clock)
    reassembler.feed(segment(unit_of(100), 23, 0)[0])
    clock.now += 3
    assert reassembler.expire() is True


def test_reset_discards_the_partial_unit() -> None:
    reassembler = Reassembler()
    reassembler.feed(segment(unit_of(100), 23, 0)[0])
    assert reassembler.buffered == 16
    reassembler.reset()
    assert (reassembler.in_progress, reassembler.buffered, reassembler.stats.dropped) == (
        False,
        0,
        1,
    )
    reassembler.reset()
    assert reassembler.stats.dropped == 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_unit_bytes": -1}, "max_unit_bytes"),
        ({"max_unit_bytes": 0x10000}, "max_unit_bytes"),
        ({"timeout_s": 0}, "timeout_s"),
        ({"timeout_s": float("nan")}, "timeout_s"),
        ({"timeout_s": float("inf")}, "timeout_s"),
    ],
)
def test_reassembler_refuses_bad_limits(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Reassembler(**kwargs)  # type: ignore[arg-type]


# --- floods and fuzz ---------------------------------------------------------------------------


def test_a_flood_of_truncated_segments_then_a_valid_unit_still_reassembles() -> None:
    rng = random.Random(7)
    reassembler = Reassembler(max_unit_bytes=4096)
    junk_units = [segment(unit_of(n, seed=n), 23, n % 16) for n in range(40, 1400, 37)]
    errors = 0
    for _ in range(2000):
        pieces = rng.choice(junk_units)
        piece = rng.choice(pieces)
        try:
            reassembler.feed(piece[: rng.randrange(len(piece))])
        except DecodeError:
            errors += 1
        assert reassembler.buffered <= 4096
    assert errors > 0
    unit = unit_of(2048, seed=99)
    assert feed_all(reassembler, segment(unit, 23, 9)) == unit


def test_interleaved_units_never_complete_as_a_mixture() -> None:
    reassembler = Reassembler()
    a = segment(unit_of(200, seed=1), 23, 1)
    b = segment(unit_of(200, seed=2), 23, 2)
    completed = []
    for piece_a, piece_b in zip(a, b, strict=True):
        for piece in (piece_a, piece_b):
            try:
                result = reassembler.feed(piece)
            except DecodeError:
                continue
            if result is not None:
                completed.append(result)
    assert completed == []


def check_bounded(reassembler: Reassembler, pieces: list[bytes]) -> None:
    """Feed pieces; anything but DecodeError escapes and fails the test."""
    reasons: set[Reason] = set()
    for piece in pieces:
        try:
            result = reassembler.feed(piece)
        except DecodeError as error:
            reasons.add(error.reason)
        else:
            if result is not None:
                assert len(result) <= reassembler.max_unit_bytes
        assert reassembler.buffered <= reassembler.max_unit_bytes
        assert reassembler.stats.buffered_bytes == reassembler.buffered
    assert reasons <= {Reason.MALFORMED, Reason.OVERSIZE}


@given(
    pieces=st.lists(st.binary(max_size=80), max_size=60),
    max_unit_bytes=st.sampled_from([0, 1, 40, 300, MAX_UNIT_BYTES]),
)
@FAST
def test_fuzz_random_segments_raise_only_decode_errors(
    pieces: list[bytes], max_unit_bytes: int
) -> None:
    check_bounded(Reassembler(max_unit_bytes=max_unit_bytes), pieces)


@st.composite
def mutated_streams(draw: st.DrawFn) -> list[bytes]:
    """Valid segment streams with bytes flipped, segments cut, repeated, dropped or swapped."""
    stream: list[bytes] = []
    for _ in range(draw(st.integers(1, 3))):
        unit = draw(st.binary(max_size=400))
        stream += segment(unit, draw(st.sampled_from([8, 23, 64])), draw(st.integers(0, 15)))
    for _ in range(draw(st.integers(0, 6))):
        position = draw(st.integers(0, len(stream) - 1))
        piece = bytearray(stream[position])
        action = draw(st.sampled_from(["flip", "cut", "repeat", "drop", "swap", "extend"]))
        if action == "flip" and piece:
            offset = draw(st.integers(0, len(piece) - 1))
            piece[offset] ^= draw(st.integers(1, 255))
            stream[position] = bytes(piece)
        elif action == "cut":
            stream[position] = bytes(piece[: draw(st.integers(0, len(piece)))])
        elif action == "repeat":
            stream.insert(position, bytes(piece))
        elif action == "drop" and len(stream) > 1:
            del stream[position]
        elif action == "swap":
            other = draw(st.integers(0, len(stream) - 1))
            stream[position], stream[other] = stream[other], stream[position]
        elif action == "extend":
            stream[position] = bytes(piece) + draw(st.binary(min_size=1, max_size=40))
    return stream


@given(stream=mutated_streams(), max_unit_bytes=st.sampled_from([100, MAX_UNIT_BYTES]))
@FAST
def test_fuzz_mutated_valid_segments_raise_only_decode_errors(
    stream: list[bytes], max_unit_bytes: int
) -> None:
    check_bounded(Reassembler(max_unit_bytes=max_unit_bytes), stream)


@given(stream=mutated_streams())
@FAST
def test_fuzz_with_a_moving_clock_stays_bounded(stream: list[bytes]) -> None:
    clock = FakeClock()
    reassembler = Reassembler(max_unit_bytes=200, timeout_s=1.0, clock=clock)
    for piece in stream:
        clock.now += 0.3
        check_bounded(reassembler, [piece])
