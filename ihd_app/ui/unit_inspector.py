"""The developer panel's raw unit inspector, without Qt: hex in, decoded fields out, and back.

A value pasted from a capture or a board's log may be a whole segment (``C0 00 0C 00 | unit``),
a unit (``cluster id | endpoint | ZCL frame``, what ``ihd frame decode HEX`` reads) or a bare ZCL
frame (what ``ihd frame decode HEX --cluster ID`` reads, e.g. the GBCS vectors). ``Auto`` tries
them in that order. The decoded form lists every field; the simple ones (numbers, text, flags)
can be edited, and :meth:`Inspection.encode` gives the bytes of the edited form.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from enum import StrEnum

from ihd_app.protocol.errors import DecodeError, EncodeError, ProtocolError
from ihd_app.protocol.gatt_profile import MAX_ATT_MTU
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.segmentation.wire import (
    FIRST_HEADER_BYTES,
    FLAG_FIRST,
    FLAG_LAST,
    RESERVED_BITS,
    Segment,
    parse_segment,
    segment,
)
from ihd_app.protocol.zcl import (
    CLUSTER_NAMES,
    MESSAGING,
    METERING,
    PRICE,
    Endpoint,
    Frame,
    Unit,
    decode_frame,
    decode_unit,
)


class ReadAs(StrEnum):
    """How to read the bytes."""

    AUTO = "auto"
    SEGMENT = "segment"
    UNIT = "unit"
    MESSAGING = "frame-0703"
    PRICE = "frame-0700"
    METERING = "frame-0702"

    @property
    def label(self) -> str:
        """How the choice is named on screen."""
        return {
            ReadAs.AUTO: "Auto (segment, unit, then bare frame)",
            ReadAs.SEGMENT: "One segment (header + unit)",
            ReadAs.UNIT: "Unit (cluster | endpoint | ZCL frame)",
            ReadAs.MESSAGING: "Bare ZCL frame, Messaging 0x0703",
            ReadAs.PRICE: "Bare ZCL frame, Price 0x0700",
            ReadAs.METERING: "Bare ZCL frame, Metering 0x0702",
        }[self]


_FRAME_CLUSTERS = {ReadAs.MESSAGING: MESSAGING, ReadAs.PRICE: PRICE, ReadAs.METERING: METERING}


class Part(StrEnum):
    """Which layer a field belongs to."""

    SEGMENT = "Segment"
    UNIT = "Unit"
    HEADER = "ZCL header"
    COMMAND = "Command"


@dataclass(frozen=True)
class Field:
    """One row of the decoded form.

    Attributes:
        part: Its layer.
        name: The field's name (as in ``ihd frame decode``'s JSON).
        value: Its value as shown.
        editable: Whether an edit re-encodes (numbers, text and flags).
    """

    part: Part
    name: str
    value: str
    editable: bool = False


def parse_hex(text: str) -> bytes:
    """Bytes from hex text: spaces, colons, dashes and a ``0x`` prefix are ignored.

    Raises:
        ValueError: Not hexadecimal, or an odd number of digits, said in one sentence.
    """
    cleaned = "".join(text.split()).replace(":", "").replace("-", "")
    cleaned = cleaned.removeprefix("0x").removeprefix("0X")
    if not cleaned:
        raise ValueError("Nothing to decode: paste the bytes in hexadecimal.")
    bad = sorted({c for c in cleaned if c not in "0123456789abcdefABCDEF"})
    if bad:
        shown = " ".join(repr(c) for c in bad[:5])
        raise ValueError(f"Not hexadecimal: {shown} cannot be part of a hex byte string.")
    if len(cleaned) % 2:
        raise ValueError(f"Odd number of hex digits ({len(cleaned)}): each byte takes two.")
    return bytes.fromhex(cleaned)


def _hex(value: int, width: int = 4) -> str:
    return f"0x{value:0{width}X}"


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{int(value)} ({_hex(int(value), 2)})" if value > 9 else str(int(value))
    if isinstance(value, str):
        return value
    if value is None:
        return "–"
    if isinstance(value, bytes):
        return value.hex(" ").upper() or "(empty)"
    return json.dumps(value, ensure_ascii=False, default=str)


def _simple(value: object) -> bool:
    """Editable in one cell: plain numbers, text and flags (not enums nor structures)."""
    return type(value) in (int, str, bool)


def _parse_value(current: object, text: str) -> object:
    """``text`` as a value of ``current``'s type.

    Raises:
        ValueError: ``text`` does not read as one.
    """
    if isinstance(current, bool):
        lowered = text.strip().lower()
        if lowered in ("true", "1", "yes", "on"):
            return True
        if lowered in ("false", "0", "no", "off"):
            return False
        raise ValueError(f"{text!r} is not true or false")
    if isinstance(current, int):
        token = text.strip().split(" ", 1)[0] if text.strip() else ""
        try:
            return int(token, 0)
        except ValueError:
            raise ValueError(f"{text!r} is not a number (decimal, or hex as 0x1F)") from None
    return text


@dataclass(frozen=True)
class Inspection:
    """What the bytes decoded to (or why they did not).

    Attributes:
        data: The bytes inspected.
        read_as: How they were read, in words (``unit``, ``bare ZCL frame of 0x0703``...).
        segment: The segment header, when the bytes were one segment.
        decoded: The unit or bare frame, ``None`` when decoding failed.
        error: Why decoding failed.
    """

    data: bytes
    read_as: str
    segment: Segment | None = None
    decoded: Unit | Frame | None = None
    error: ProtocolError | None = None

    @property
    def ok(self) -> bool:
        """Whether the bytes decoded."""
        return self.decoded is not None

    @property
    def summary(self) -> str:
        """One line: the command and how it was read, or the reason code and its sentence."""
        if self.decoded is None:
            assert self.error is not None
            return f"{self.error.reason.value}: {self.error.reason.explanation}"
        command = type(self.decoded.command).__name__
        cluster = self.decoded.cluster_id
        name = CLUSTER_NAMES.get(cluster, "?").capitalize()
        direction = self.decoded.header.direction.name.lower().replace("_", " ")
        return f"{command} ({name} {_hex(cluster)}, {direction}), read as {self.read_as}"

    def fields(self) -> list[Field]:
        """Every field, layer by layer."""
        rows: list[Field] = []
        if self.segment is not None:
            seg = self.segment
            rows += [
                Field(Part.SEGMENT, "first", _show(seg.first)),
                Field(Part.SEGMENT, "last", _show(seg.last)),
                Field(Part.SEGMENT, "transfer_id", _show(seg.transfer_id), editable=True),
                Field(Part.SEGMENT, "index", _show(seg.index)),
                Field(Part.SEGMENT, "total_length", _show(seg.total_length)),
            ]
        decoded = self.decoded
        if decoded is None:
            return rows
        cluster = decoded.cluster_id
        where = "" if isinstance(decoded, Unit) else ", given: not in a bare frame"
        rows.append(
            Field(Part.UNIT, "cluster_id", f"{_hex(cluster)} ({CLUSTER_NAMES[cluster]}{where})")
        )
        if isinstance(decoded, Unit):
            endpoint = decoded.endpoint
            rows.append(
                Field(Part.UNIT, "endpoint", f"{int(endpoint)} ({endpoint.name.lower()})", True)
            )
        header = decoded.header
        manufacturer = header.manufacturer_code
        rows += [
            Field(Part.HEADER, "frame_type", header.frame_type.name.lower()),
            Field(Part.HEADER, "direction", header.direction.name.lower()),
            Field(
                Part.HEADER,
                "manufacturer_code",
                "–" if manufacturer is None else _hex(manufacturer),
            ),
            Field(Part.HEADER, "tsn", _show(header.tsn), editable=True),
            Field(Part.HEADER, "command_id", _hex(header.command_id, 2)),
            Field(
                Part.HEADER,
                "disable_default_response",
                _show(header.disable_default_response),
                editable=True,
            ),
        ]
        command = decoded.command
        shown = command.to_dict()
        for item in dataclasses.fields(command):
            value = getattr(command, item.name)
            display = _show(value) if _simple(value) else _show(shown.get(item.name, value))
            rows.append(Field(Part.COMMAND, item.name, display, editable=_simple(value)))
        return rows

    def encode(self) -> bytes:
        """The bytes of the (possibly edited) decoded form, in the shape read (a segment stays
        a segment).

        Raises:
            EncodeError: A field is out of range, or nothing was decoded.
        """
        if self.decoded is None:
            raise EncodeError(Reason.MALFORMED, "nothing decoded to encode")
        body = self.decoded.encode()
        if self.segment is None:
            return body
        return b"".join(segment(body, MAX_ATT_MTU, self.segment.transfer_id))

    def with_field(self, part: Part, name: str, text: str) -> Inspection:
        """A copy with field ``name`` of ``part`` set from ``text``.

        Raises:
            ValueError: Not an editable field, or ``text`` does not read as its type.
        """
        decoded = self.decoded
        if decoded is None:
            raise ValueError("nothing decoded to edit")
        if part is Part.SEGMENT and name == "transfer_id" and self.segment is not None:
            value = _parse_value(0, text)
            assert isinstance(value, int)
            return dataclasses.replace(
                self, segment=dataclasses.replace(self.segment, transfer_id=value)
            )
        if part is Part.UNIT and name == "endpoint" and isinstance(decoded, Unit):
            number = _parse_value(0, text)
            if number not in tuple(Endpoint):
                raise ValueError(f"endpoint {number} is neither 1 (electricity) nor 2 (gas)")
            assert isinstance(number, int)
            unit = dataclasses.replace(decoded, endpoint=Endpoint(number))
            return dataclasses.replace(self, decoded=unit)
        if part is Part.HEADER and name in ("tsn", "disable_default_response"):
            header = decoded.header
            value = _parse_value(getattr(header, name), text)
            if name == "tsn":
                assert isinstance(value, int)
                header = dataclasses.replace(header, tsn=value)
            else:
                header = dataclasses.replace(header, disable_default_response=bool(value))
            return dataclasses.replace(self, decoded=dataclasses.replace(decoded, header=header))
        if part is Part.COMMAND:
            command = decoded.command
            current = getattr(command, name, None)
            if not _simple(current):
                raise ValueError(f"{name} is not a simple field: it cannot be edited here")
            value = _parse_value(current, text)
            changed_command = dataclasses.replace(command, **{name: value})  # type: ignore[arg-type]
            return dataclasses.replace(
                self, decoded=dataclasses.replace(decoded, command=changed_command)
            )
        raise ValueError(f"{part.value} field {name} cannot be edited")


def _single_segment(data: bytes) -> Segment | None:
    """The segment header, if ``data`` looks like one whole segment (FIRST and LAST, the
    declared length matching what follows)."""
    if len(data) < FIRST_HEADER_BYTES or data[0] & RESERVED_BITS:
        return None
    if data[0] & (FLAG_FIRST | FLAG_LAST) != FLAG_FIRST | FLAG_LAST or data[1] != 0:
        return None
    parsed = parse_segment(data)
    return parsed if parsed.total_length == len(parsed.payload) else None


def inspect(data: bytes, read_as: ReadAs = ReadAs.AUTO) -> Inspection:
    """Decode ``data`` as ``read_as`` says (``AUTO``: segment, unit, then each bare frame)."""
    if read_as in _FRAME_CLUSTERS:
        cluster = _FRAME_CLUSTERS[read_as]
        what = f"a bare ZCL frame of cluster {_hex(cluster)}"
        try:
            return Inspection(data, what, decoded=decode_frame(data, cluster))
        except DecodeError as exc:
            return Inspection(data, what, error=exc)
    if read_as is ReadAs.SEGMENT:
        try:
            parsed = parse_segment(data)
        except DecodeError as exc:
            return Inspection(data, "one segment", error=exc)
        if not (parsed.first and parsed.last) or parsed.total_length != len(parsed.payload):
            error = DecodeError(
                Reason.MALFORMED,
                f"not one whole segment: FIRST={parsed.first}, LAST={parsed.last}, declared "
                f"{parsed.total_length} byte(s), {len(parsed.payload)} present",
            )
            return Inspection(data, "one segment", segment=parsed, error=error)
        return _unit(parsed.payload, "one segment carrying a unit", parsed, data)
    if read_as is ReadAs.UNIT:
        return _unit(data, "a unit", None, data)
    # Auto: the most specific shape first; the unit's error is the one reported.
    seg = _single_segment(data)
    if seg is not None:
        found = _unit(seg.payload, "one segment carrying a unit (auto)", seg, data)
        if found.ok:
            return found
    as_unit = _unit(data, "a unit", None, data)
    if as_unit.ok:
        return as_unit
    for cluster in _FRAME_CLUSTERS.values():
        try:
            frame = decode_frame(data, cluster)
        except DecodeError:
            continue
        what = f"a bare ZCL frame of cluster {_hex(cluster)} (guessed: no unit header)"
        return Inspection(data, what, decoded=frame)
    return as_unit


def _unit(body: bytes, what: str, seg: Segment | None, data: bytes) -> Inspection:
    try:
        return Inspection(data, what, segment=seg, decoded=decode_unit(body))
    except DecodeError as exc:
        return Inspection(data, what, segment=seg, error=exc)
