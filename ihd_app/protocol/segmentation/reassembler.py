"""The receiving side of segmentation: a :class:`Reassembler` joins the segments of one
characteristic back into units, bounded in size (a declared length above the limit is refused
before anything is buffered) and in time (a unit not finished within ``timeout_s`` of its first
segment is dropped).

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

from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.segmentation.wire import (
    MAX_DECLARABLE_BYTES,
    MAX_SEGMENTS,
    MAX_UNIT_BYTES,
    Segment,
    parse_segment,
)


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


__all__ = ["Reassembler", "ReassemblyStats"]
