"""Little-endian ZCL primitive types: a bounds-checked reader and a range-checked writer.

Every read past the end of the buffer and every out-of-range value becomes a
:class:`~ihd_app.protocol.errors.DecodeError` or :class:`~ihd_app.protocol.errors.EncodeError`
with a reason, so codecs built on these never leak ``IndexError`` or ``struct.error``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ihd_app.protocol.errors import DecodeError, EncodeError
from ihd_app.protocol.reasons import Reason

#: ZCL UTCTime counts seconds from this instant.
ZIGBEE_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
#: Largest length an octet or character string can declare (0xFF means "invalid" in ZCL).
MAX_STRING_BYTES = 254


def utc_to_datetime(seconds: int) -> datetime:
    """Convert a ZCL UTCTime (seconds since 2000-01-01Z) to an aware datetime."""
    return ZIGBEE_EPOCH + timedelta(seconds=seconds)


def datetime_to_utc(moment: datetime) -> int:
    """Convert an aware datetime to a ZCL UTCTime, refusing instants outside its range."""
    if moment.tzinfo is None:
        raise EncodeError(Reason.MALFORMED, "UTCTime needs a timezone-aware datetime")
    seconds = int((moment - ZIGBEE_EPOCH).total_seconds())
    if not 0 <= seconds <= 0xFFFFFFFF:
        raise EncodeError(Reason.MALFORMED, f"{moment.isoformat()} is outside the UTCTime range")
    return seconds


def truncate_utf8(text: str, max_bytes: int) -> bytes:
    """Encode ``text`` as UTF-8, cutting it to at most ``max_bytes`` on a character boundary.

    Raises:
        EncodeError: ``text`` holds a lone surrogate (possible in a ``str`` from a GUI field),
            which UTF-8 cannot carry.
    """
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise EncodeError(
            Reason.MALFORMED, f"text cannot be encoded as UTF-8 ({exc.reason})"
        ) from None
    if len(encoded) <= max_bytes:
        return encoded
    cut = encoded[:max_bytes]
    # A UTF-8 continuation byte is 0b10xxxxxx; drop back to the start of the last whole character.
    end = len(cut)
    while end > 0 and (encoded[end] & 0xC0) == 0x80:
        end -= 1
    return encoded[:end]


class Reader:
    """Sequential little-endian reader over an immutable byte string.

    Args:
        data: The bytes to read.
        context: Names what is being decoded, for error sentences ("DisplayMessage").
    """

    def __init__(self, data: bytes, context: str) -> None:
        self._data = bytes(data)
        self._pos = 0
        self._context = context

    @property
    def remaining(self) -> int:
        """Bytes not read yet."""
        return len(self._data) - self._pos

    def at_end(self) -> bool:
        """Whether every byte has been read."""
        return self._pos >= len(self._data)

    def _take(self, size: int, field: str) -> bytes:
        if self.remaining < size:
            raise DecodeError(
                Reason.MALFORMED,
                f"{self._context}: {field} needs {size} byte(s) at offset {self._pos}, "
                f"only {self.remaining} left",
            )
        chunk = self._data[self._pos : self._pos + size]
        self._pos += size
        return chunk

    def uint(self, size: int, field: str) -> int:
        """Read an unsigned little-endian integer of ``size`` bytes."""
        return int.from_bytes(self._take(size, field), "little")

    def sint(self, size: int, field: str) -> int:
        """Read a two's-complement little-endian integer of ``size`` bytes."""
        return int.from_bytes(self._take(size, field), "little", signed=True)

    def u8(self, field: str) -> int:
        return self.uint(1, field)

    def u16(self, field: str) -> int:
        return self.uint(2, field)

    def u24(self, field: str) -> int:
        return self.uint(3, field)

    def u32(self, field: str) -> int:
        return self.uint(4, field)

    def u48(self, field: str) -> int:
        return self.uint(6, field)

    def s24(self, field: str) -> int:
        return self.sint(3, field)

    def raw(self, size: int, field: str) -> bytes:
        """Read exactly ``size`` bytes."""
        return self._take(size, field)

    def rest(self) -> bytes:
        """Read every remaining byte."""
        chunk = self._data[self._pos :]
        self._pos = len(self._data)
        return chunk

    def octets(self, field: str, max_len: int = MAX_STRING_BYTES) -> bytes:
        """Read a ZCL octet string: a length byte, then that many bytes."""
        length = self.u8(f"{field} length")
        if length == 0xFF:
            raise DecodeError(
                Reason.MALFORMED, f"{self._context}: {field} has the 'invalid' length 0xFF"
            )
        if length > max_len:
            raise DecodeError(
                Reason.MALFORMED,
                f"{self._context}: {field} declares {length} bytes, at most {max_len} allowed",
            )
        return self._take(length, field)

    def text(self, field: str, max_len: int = MAX_STRING_BYTES) -> str:
        """Read a ZCL character string holding UTF-8 bytes."""
        raw = self.octets(field, max_len)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(
                Reason.MALFORMED, f"{self._context}: {field} is not valid UTF-8 ({exc.reason})"
            ) from None

    def expect_end(self) -> None:
        """Refuse trailing bytes the layout does not define."""
        if self.remaining:
            raise DecodeError(
                Reason.MALFORMED,
                f"{self._context}: {self.remaining} unexpected trailing byte(s)",
            )


class Writer:
    """Little-endian writer that refuses values outside their field's range."""

    def __init__(self, context: str) -> None:
        self._parts: list[bytes] = []
        self._context = context

    def getvalue(self) -> bytes:
        """The bytes written so far."""
        return b"".join(self._parts)

    def uint(self, value: int, size: int, field: str) -> Writer:
        if not 0 <= value < (1 << (8 * size)):
            raise EncodeError(
                Reason.MALFORMED,
                f"{self._context}: {field}={value} does not fit an unsigned {8 * size}-bit field",
            )
        self._parts.append(value.to_bytes(size, "little"))
        return self

    def sint(self, value: int, size: int, field: str) -> Writer:
        bound = 1 << (8 * size - 1)
        if not -bound <= value < bound:
            raise EncodeError(
                Reason.MALFORMED,
                f"{self._context}: {field}={value} does not fit a signed {8 * size}-bit field",
            )
        self._parts.append(value.to_bytes(size, "little", signed=True))
        return self

    def u8(self, value: int, field: str) -> Writer:
        return self.uint(value, 1, field)

    def u16(self, value: int, field: str) -> Writer:
        return self.uint(value, 2, field)

    def u24(self, value: int, field: str) -> Writer:
        return self.uint(value, 3, field)

    def u32(self, value: int, field: str) -> Writer:
        return self.uint(value, 4, field)

    def u48(self, value: int, field: str) -> Writer:
        return self.uint(value, 6, field)

    def s24(self, value: int, field: str) -> Writer:
        return self.sint(value, 3, field)

    def raw(self, value: bytes) -> Writer:
        self._parts.append(bytes(value))
        return self

    def octets(self, value: bytes, field: str, max_len: int = MAX_STRING_BYTES) -> Writer:
        """Write a ZCL octet string, refusing values longer than ``max_len``."""
        if len(value) > max_len:
            raise EncodeError(
                Reason.MALFORMED,
                f"{self._context}: {field} is {len(value)} bytes, at most {max_len} allowed",
            )
        self._parts.append(bytes([len(value)]) + bytes(value))
        return self

    def text(self, value: str, field: str, max_len: int = MAX_STRING_BYTES) -> Writer:
        """Write a character string as UTF-8, truncated on a character boundary to ``max_len``."""
        return self.octets(truncate_utf8(value, max_len), field, max_len)
