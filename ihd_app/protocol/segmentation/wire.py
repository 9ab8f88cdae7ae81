"""The segment wire format: what one segmented ATT value looks like, and how a unit is cut into
segments and one segment decoded.

A unit (``cluster id | endpoint | ZCL frame``, or a signed envelope carrying one) can be longer
than the ``ATT MTU - 3`` bytes one notification, indication or write can carry, so the sender cuts
it into segments and the receiver joins them again.

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

The sender's side is :class:`~ihd_app.protocol.segmentation.segmenter.Segmenter`, the
receiver's :class:`~ihd_app.protocol.segmentation.reassembler.Reassembler`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ihd_app.protocol.errors import DecodeError, EncodeError
from ihd_app.protocol.gatt_profile import ATT_HEADER, MAX_ATTRIBUTE_VALUE_BYTES
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
