"""Segmentation and reassembly of units that do not fit one ATT value.

A unit (``cluster id | endpoint | ZCL frame``, or a signed envelope carrying one) can be longer
than the ``ATT MTU - 3`` bytes one notification, indication or write can carry, so the sender cuts
it into segments and the receiver joins them again. Reassembly is bounded in size (a declared
length above the limit is refused before anything is buffered) and in time (a unit not finished
within ``timeout_s`` of its first segment is dropped).

Wire format of one segment (every value written to or sent from a segmented characteristic)::

    byte 0     control
                 bit 7     FIRST: this segment starts a unit
                 bit 6     LAST: this segment ends a unit
                 bits 4-5  reserved: sent as 0, a segment with either set is refused (malformed)
                 bits 0-3  transfer id, 0-15: +1 for each unit the sender starts, wrapping 15 -> 0
    byte 1     segment index, 0-255: 0 on the FIRST segment, +1 on each following segment
    bytes 2-3  on the FIRST segment only: total unit length in bytes, u16 little-endian
    then       payload: the next bytes of the unit (may be empty)

A unit that fits in one segment is still sent as a single segment with FIRST and LAST set and the
length, so every value has the same shape. A segment is at most ``min(ATT MTU - 3, 512)`` bytes
(512 is the longest attribute value the Core specification allows), a unit at most 256 segments.
Under ATT MTU 8 not even one payload byte fits beside the 4-byte first header, so it is refused.

Examples, with transfer id 5::

    unit 01 02 03 (any MTU)                 C5 00 03 00 01 02 03
    empty unit                              C5 00 00 00
    unit 0A 0B 0C 0D 0E at ATT MTU 8        85 00 05 00 0A
      (segments of at most 5 bytes)         05 01 0B 0C 0D
                                            45 02 0E

ATT delivers values reliably and in order, so a receiver that sees a gap, an overlap or a broken
header knows the unit in progress can no longer be trusted: every error discards it, and the next
FIRST segment starts cleanly.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ihd_app.protocol.errors import DecodeError, EncodeError
from ihd_app.protocol.gatt_profile import ATT_HEADER, DEFAULT_ATT_MTU, MAX_ATTRIBUTE_VALUE_BYTES
from ihd_app.protocol.reasons import Reason

#: Control bit: the segment starts a unit and carries the unit's length.
FLAG_FIRST = 0x80
#: Control bit: the segment ends a unit.
FLAG_LAST = 0x40
#: Control bits that must be zero.
RESERVED_BITS = 0x30
#: Control bits holding the transfer id.
TRANSFER_ID_MASK = 0x0F
#: Transfer ids count modulo this.
TRANSFER_ID_MODULUS = 16
#: Bytes of control and index at the start of every segment.
HEADER_BYTES = 2
#: Bytes of header on a FIRST segment: control, index and the u16 unit length.
FIRST_HEADER_BYTES = 4
#: The segment index is one byte, so a unit has at most this many segments.
MAX_SEGMENTS = 256
#: Largest unit the layer accepts unless told otherwise: far above any genuine message or history
#: block, small enough that a hostile peer cannot make either side hold much memory.
MAX_UNIT_BYTES = 16384
#: The length field is a u16, so no limit can go above this.
MAX_DECLARABLE_BYTES = 0xFFFF
#: Smallest ATT MTU that carries a FIRST segment with one payload byte.
MIN_ATT_MTU = ATT_HEADER + FIRST_HEADER_BYTES + 1


@dataclass(frozen=True, slots=True)
class Segment:
    """One decoded segment.

    Attributes:
        first: The FIRST flag.
        last: The LAST flag.
        transfer_id: Transfer id, 0-15.
        index: Segment index, 0-255 (always 0 when ``first``).
        total_length: The declared unit length on a FIRST segment, ``None`` otherwise.
        payload: The unit bytes this segment carries.
    """

    first: bool
    last: bool
    transfer_id: int
    index: int
    total_length: int | None
    payload: bytes


@dataclass(frozen=True, slots=True)
class ReassemblyStats:
    """A snapshot of a :class:`Reassembler`'s counters.

    Attributes:
        units: Units completed and returned.
        segments: Segments fed, good or bad.
        dropped: Partial units discarded before completion, for any reason (error, timeout,
            a new FIRST segment, :meth:`Reassembler.reset`).
        timeouts: Of ``dropped``, how many were discarded for being older than the timeout.
        errors: Count of :class:`DecodeError` raised, by reason.
        buffered_bytes: Bytes of the unit in progress held right now.
    """

    units: int
    segments: int
    dropped: int
    timeouts: int
    errors: Mapping[Reason, int]
    buffered_bytes: int

    @property
    def error_count(self) -> int:
        """Total :class:`DecodeError` raised, whatever the reason."""
        return sum(self.errors.values())


def segment_size(mtu: int) -> int:
    """Return the largest segment, in bytes, that one ATT value can carry at this MTU.

    Args:
        mtu: The link's negotiated ATT MTU.

    Returns:
        ``min(mtu - 3, 512)``.

    Raises:
        EncodeError: ``mtu`` is below :data:`MIN_ATT_MTU` (reason ``malformed``).
    """
    if mtu < MIN_ATT_MTU:
        raise EncodeError(
            Reason.MALFORMED,
            f"ATT MTU {mtu} is too small to segment: at least {MIN_ATT_MTU} is needed",
        )
    return min(mtu - ATT_HEADER, MAX_ATTRIBUTE_VALUE_BYTES)


def _count_segments(length: int, size: int) -> int:
    first_room = size - FIRST_HEADER_BYTES
    if length <= first_room:
        return 1
    rest_room = size - HEADER_BYTES
    return 1 + -(-(length - first_room) // rest_room)


def segments_needed(length: int, mtu: int) -> int:
    """Return how many segments a unit of ``length`` bytes takes at this MTU.

    Args:
        length: Unit length in bytes.
        mtu: The link's ATT MTU.

    Returns:
        The number of segments, which may exceed :data:`MAX_SEGMENTS` (such a unit is refused).

    Raises:
        EncodeError: ``mtu`` is too small (reason ``malformed``).
    """
    return _count_segments(length, segment_size(mtu))


def max_unit_for_mtu(mtu: int) -> int:
    """Return the longest unit that fits in :data:`MAX_SEGMENTS` segments at this MTU.

    The result ignores any ``max_unit_bytes`` limit but never exceeds what the u16 length field
    can declare. At the default ATT MTU of 23 it is 4606 bytes.

    Args:
        mtu: The link's ATT MTU.

    Returns:
        The longest segmentable unit, in bytes.

    Raises:
        EncodeError: ``mtu`` is too small (reason ``malformed``).
    """
    size = segment_size(mtu)
    longest = (size - FIRST_HEADER_BYTES) + (MAX_SEGMENTS - 1) * (size - HEADER_BYTES)
    return min(longest, MAX_DECLARABLE_BYTES)


def segment(
    unit: bytes, mtu: int, transfer_id: int, *, max_unit_bytes: int = MAX_UNIT_BYTES
) -> list[bytes]:
    """Cut a unit into segments that each fit one ATT value.

    Args:
        unit: The unit to send.
        mtu: The link's negotiated ATT MTU.
        transfer_id: The sender's transfer id for this unit, 0-15.
        max_unit_bytes: Longest unit to accept (never more than 65535, the u16 length's limit).

    Returns:
        The segments in sending order; one segment (FIRST and LAST) if the unit fits.

    Raises:
        EncodeError: Reason ``oversize`` if the unit is longer than ``max_unit_bytes`` or needs
            more than 256 segments at this MTU; reason ``malformed`` if the MTU is too small or
            the transfer id is outside 0-15.
    """
    if not 0 <= transfer_id <= TRANSFER_ID_MASK:
        raise EncodeError(Reason.MALFORMED, f"transfer id {transfer_id} is outside 0-15")
    size = segment_size(mtu)
    data = bytes(unit)
    length = len(data)
    limit = min(max_unit_bytes, MAX_DECLARABLE_BYTES)
    if length > limit:
        raise EncodeError(Reason.OVERSIZE, f"unit of {length} bytes exceeds the {limit}-byte limit")
    count = _count_segments(length, size)
    if count > MAX_SEGMENTS:
        raise EncodeError(
            Reason.OVERSIZE,
            f"unit of {length} bytes needs {count} segments at ATT MTU {mtu}; "
            f"at most {MAX_SEGMENTS} are possible",
        )

    end = min(length, size - FIRST_HEADER_BYTES)
    control = FLAG_FIRST | transfer_id | (FLAG_LAST if end == length else 0)
    segments = [bytes((control, 0)) + length.to_bytes(2, "little") + data[:end]]
    index = 1
    while end < length:
        start, end = end, min(length, end + size - HEADER_BYTES)
        control = transfer_id | (FLAG_LAST if end == length else 0)
        segments.append(bytes((control, index)) + data[start:end])
        index += 1
    return segments


def parse_segment(data: bytes) -> Segment:
    """Decode one segment's header, checking only what a single segment can show.

    Args:
        data: One ATT value from a segmented characteristic.

    Returns:
        The decoded segment.

    Raises:
        DecodeError: Reason ``malformed`` if the header is short, a reserved bit is set, or a
            FIRST segment lacks its length or has a non-zero index.
    """
    raw = bytes(data)
    if len(raw) < HEADER_BYTES:
        raise DecodeError(
            Reason.MALFORMED,
            f"segment of {len(raw)} byte(s) is shorter than the {HEADER_BYTES}-byte header",
        )
    control, index = raw[0], raw[1]
    if control & RESERVED_BITS:
        raise DecodeError(
            Reason.MALFORMED, f"segment control byte 0x{control:02X} has reserved bits set"
        )
    first = bool(control & FLAG_FIRST)
    last = bool(control & FLAG_LAST)
    transfer_id = control & TRANSFER_ID_MASK
    if not first:
        return Segment(False, last, transfer_id, index, None, raw[HEADER_BYTES:])
    if len(raw) < FIRST_HEADER_BYTES:
        raise DecodeError(
            Reason.MALFORMED,
            f"FIRST segment of transfer {transfer_id} has {len(raw)} byte(s), too short for "
            "the unit length",
        )
    if index != 0:
        raise DecodeError(
            Reason.MALFORMED, f"FIRST segment of transfer {transfer_id} has index {index}, not 0"
        )
    total_length = int.from_bytes(raw[HEADER_BYTES:FIRST_HEADER_BYTES], "little")
    return Segment(True, last, transfer_id, 0, total_length, raw[FIRST_HEADER_BYTES:])


class Segmenter:
    """Segments the units one side sends in one direction, numbering them with transfer ids.

    Keep one instance per direction of a link (the transfer id is per sender); create a new one,
    or keep it, across reconnections: the receiver does not rely on the starting id.

    Args:
        mtu: The link's ATT MTU; update :attr:`mtu` after an MTU exchange.
        max_unit_bytes: Longest unit to accept.
        first_transfer_id: Transfer id of the first unit, 0-15.

    Raises:
        EncodeError: ``mtu`` or ``first_transfer_id`` is out of range (reason ``malformed``).
    """

    def __init__(
        self,
        mtu: int = DEFAULT_ATT_MTU,
        *,
        max_unit_bytes: int = MAX_UNIT_BYTES,
        first_transfer_id: int = 0,
    ) -> None:
        segment_size(mtu)
        if not 0 <= first_transfer_id <= TRANSFER_ID_MASK:
            raise EncodeError(Reason.MALFORMED, f"transfer id {first_transfer_id} is outside 0-15")
        self._mtu = mtu
        self._max_unit_bytes = max_unit_bytes
        self._next_transfer_id = first_transfer_id

    @property
    def mtu(self) -> int:
        """The ATT MTU segments are sized for."""
        return self._mtu

    @mtu.setter
    def mtu(self, value: int) -> None:
        segment_size(value)
        self._mtu = value

    @property
    def max_unit_bytes(self) -> int:
        """Longest unit accepted."""
        return self._max_unit_bytes

    @property
    def next_transfer_id(self) -> int:
        """Transfer id the next unit will carry."""
        return self._next_transfer_id

    def segment(self, unit: bytes) -> list[bytes]:
        """Cut a unit into segments with the next transfer id.

        A refused unit does not use up a transfer id.

        Args:
            unit: The unit to send.

        Returns:
            The segments in sending order.

        Raises:
            EncodeError: As :func:`segment`.
        """
        segments = segment(
            unit, self._mtu, self._next_transfer_id, max_unit_bytes=self._max_unit_bytes
        )
        self._next_transfer_id = (self._next_transfer_id + 1) % TRANSFER_ID_MODULUS
        return segments


@dataclass(slots=True)
class _Partial:
    transfer_id: int
    declared: int
    next_index: int
    started_at: float
    buffer: bytearray


class Reassembler:
    """Joins segments back into units, bounded in memory and in time.

    Feed every value received on one segmented characteristic, in order. Memory never exceeds
    ``max_unit_bytes`` of buffered unit whatever is fed: a FIRST segment declaring more is refused
    before anything is kept, and no segment may take the unit past its declared length.

    Args:
        max_unit_bytes: Longest unit accepted, at most 65535 (the u16 length's limit).
        timeout_s: A partial unit older than this, counted from its FIRST segment, is dropped.
        clock: Monotonic seconds; injectable so tests control time.

    Raises:
        ValueError: ``max_unit_bytes`` is outside 0-65535 or ``timeout_s`` is not a positive
            finite number.
    """

    def __init__(
        self,
        max_unit_bytes: int = MAX_UNIT_BYTES,
        timeout_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 <= max_unit_bytes <= MAX_DECLARABLE_BYTES:
            raise ValueError(f"max_unit_bytes {max_unit_bytes} is outside 0-65535")
        if not (math.isfinite(timeout_s) and timeout_s > 0):
            raise ValueError(f"timeout_s {timeout_s} must be a positive number of seconds")
        self._max_unit_bytes = max_unit_bytes
        self._timeout_s = timeout_s
        self._clock = clock
        self._partial: _Partial | None = None
        self._units = 0
        self._segments = 0
        self._dropped = 0
        self._timeouts = 0
        self._errors: dict[Reason, int] = {}

    @property
    def max_unit_bytes(self) -> int:
        """Longest unit accepted."""
        return self._max_unit_bytes

    @property
    def timeout_s(self) -> float:
        """Seconds a partial unit may live, from its FIRST segment."""
        return self._timeout_s

    @property
    def in_progress(self) -> bool:
        """Whether a unit has started and not finished."""
        return self._partial is not None

    @property
    def buffered(self) -> int:
        """Bytes of the unit in progress held now (never more than :attr:`max_unit_bytes`)."""
        return 0 if self._partial is None else len(self._partial.buffer)

    @property
    def expires_at(self) -> float | None:
        """Clock time after which the unit in progress is stale, or ``None`` if there is none.

        A caller can schedule :meth:`expire` for this moment to free memory on an idle link.
        """
        return None if self._partial is None else self._partial.started_at + self._timeout_s

    @property
    def stats(self) -> ReassemblyStats:
        """A snapshot of the counters."""
        return ReassemblyStats(
            units=self._units,
            segments=self._segments,
            dropped=self._dropped,
            timeouts=self._timeouts,
            errors=MappingProxyType(dict(self._errors)),
            buffered_bytes=self.buffered,
        )

    def reset(self) -> None:
        """Discard any unit in progress (counted as dropped), e.g. when the link goes down."""
        self._discard()

    def expire(self, now: float | None = None) -> bool:
        """Discard the unit in progress if it is older than the timeout.

        Args:
            now: The clock reading to judge by; the injected clock's when ``None``.

        Returns:
            Whether a stale unit was discarded.
        """
        partial = self._partial
        moment = self._clock() if now is None else now
        if partial is None or moment - partial.started_at <= self._timeout_s:
            return False
        self._discard(timed_out=True)
        return True

    def feed(self, segment: bytes) -> bytes | None:
        """Take the next segment received.

        Args:
            segment: One ATT value, exactly as received.

        Returns:
            The complete unit when this segment finishes one, otherwise ``None``.

        Raises:
            DecodeError: The segment is refused; the unit in progress, if any, is discarded.
                Reason ``oversize`` for a declared length above the limit or bytes beyond the
                declared length; ``malformed`` for everything else (a broken header, a gap in
                the indices, a continuation with no FIRST or of another transfer, a LAST
                segment short of the declared length, a unit that timed out).
        """
        now = self._clock()
        self._segments += 1

        # (transfer id, age) of a unit dropped for being stale, to name it in the error.
        stale: tuple[int, float] | None = None
        if self._partial is not None and now - self._partial.started_at > self._timeout_s:
            stale = (self._partial.transfer_id, now - self._partial.started_at)
            self._discard(timed_out=True)

        try:
            parsed = parse_segment(segment)
        except DecodeError as error:
            raise self._fail(error.reason, error.detail) from None

        if parsed.total_length is not None:  # set exactly on FIRST segments
            return self._start(parsed, parsed.total_length, now)

        where = f"segment {parsed.index} of transfer {parsed.transfer_id}"
        if stale is not None:
            raise self._fail(
                Reason.MALFORMED,
                f"unit of transfer {stale[0]} timed out after {stale[1]:.3f} s "
                f"(limit {self._timeout_s:g} s) before {where} arrived; it was dropped",
            )
        partial = self._partial
        if partial is None:
            raise self._fail(Reason.MALFORMED, f"{where} continues a unit that never started")
        if parsed.transfer_id != partial.transfer_id:
            raise self._fail(
                Reason.MALFORMED,
                f"{where} arrived while transfer {partial.transfer_id} was incomplete; "
                "both were dropped",
            )
        if parsed.index != partial.next_index:
            raise self._fail(
                Reason.MALFORMED,
                f"{where} arrived out of sequence (expected index {partial.next_index}); "
                "the unit was dropped",
            )
        total = len(partial.buffer) + len(parsed.payload)
        if total > partial.declared:
            raise self._fail(
                Reason.OVERSIZE,
                f"{where} takes the unit to {total} bytes, past its declared {partial.declared}",
            )
        if parsed.last:
            if total < partial.declared:
                raise self._fail(
                    Reason.MALFORMED,
                    f"{where} ends the unit at {total} of its declared {partial.declared} bytes",
                )
            unit = bytes(partial.buffer) + parsed.payload
            self._partial = None
            self._units += 1
            return unit
        if parsed.index == MAX_SEGMENTS - 1:
            raise self._fail(
                Reason.MALFORMED, f"{where} uses the last possible index but is not LAST"
            )
        partial.buffer += parsed.payload
        partial.next_index += 1
        return None

    def _start(self, parsed: Segment, declared: int, now: float) -> bytes | None:
        # A FIRST segment always begins afresh: the sender has given up on any earlier unit.
        self._discard()
        where = f"FIRST segment of transfer {parsed.transfer_id}"
        if declared > self._max_unit_bytes:
            raise self._fail(
                Reason.OVERSIZE,
                f"{where} declares {declared} bytes; the limit is {self._max_unit_bytes}",
            )
        size = len(parsed.payload)
        if size > declared:
            raise self._fail(
                Reason.OVERSIZE, f"{where} carries {size} bytes, past its declared {declared}"
            )
        if parsed.last:
            if size < declared:
                raise self._fail(
                    Reason.MALFORMED,
                    f"{where} is also LAST but carries {size} of its declared {declared} bytes",
                )
            self._units += 1
            return parsed.payload
        self._partial = _Partial(parsed.transfer_id, declared, 1, now, bytearray(parsed.payload))
        return None

    def _discard(self, *, timed_out: bool = False) -> None:
        if self._partial is None:
            return
        self._partial = None
        self._dropped += 1
        if timed_out:
            self._timeouts += 1

    def _fail(self, reason: Reason, detail: str) -> DecodeError:
        self._discard()
        self._errors[reason] = self._errors.get(reason, 0) + 1
        return DecodeError(reason, detail)
