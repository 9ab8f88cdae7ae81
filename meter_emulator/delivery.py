"""Store and forward: envelopes on their way to the IHD, kept on disk until indicated.

Everything the meter indicates on Messages to IHD (forwarded operator messages, the meter's own
alerts, attack-console forgeries, ``--send`` files) goes through one :class:`StoreAndForward`
queue, in order. While no IHD is connected and subscribed the queue grows, and survives a
restart of the emulator (seed use case 12: the meter holds a message for a display that is
away); when an IHD subscribes, it is indicated in the order it arrived.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from ihd_app.protocol.envelope import parse_envelope
from ihd_app.protocol.errors import DecodeError


class Origin(StrEnum):
    """Who put an envelope in the queue."""

    OPERATOR = "operator"
    """An operator's message, verified by the meter and forwarded byte for byte."""
    METER = "meter"
    """The meter's own alert, signed by the meter."""
    ATTACK = "attack"
    """A forgery from the attack console, injected without the meter's verification."""
    FILE = "file"
    """An envelope file given with ``--send`` (not verified: it may be a test vector)."""


def envelope_key(envelope: bytes) -> str:
    """How the IHD names an envelope in its replies (``refers_to``): the ``cti`` in hex, or for
    bytes it cannot parse the first 32 hex digits of their SHA-256."""
    try:
        return parse_envelope(envelope).claims.token_id.hex()
    except DecodeError:
        return digest_key(envelope)


def digest_key(envelope: bytes) -> str:
    """The IHD's name for an envelope it could not read claims from."""
    return hashlib.sha256(envelope).hexdigest()[:32]


@dataclass(frozen=True)
class Outgoing:
    """One envelope waiting to be indicated.

    Attributes:
        seq: Position in the queue (increasing).
        envelope: The bytes, exactly as they will be indicated.
        origin: Who queued it.
        label: What it is, for the log (message type, attack name, file name).
        key: How the IHD will refer to it (:func:`envelope_key`).
        queued_at: Wall-clock ISO time it was queued.
        persist: Whether it survives a restart (``--send`` files are queued again instead).
    """

    seq: int
    envelope: bytes
    origin: Origin
    label: str
    key: str
    queued_at: str
    persist: bool = True

    def to_json(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "envelope": self.envelope.hex(),
            "origin": self.origin.value,
            "label": self.label,
            "key": self.key,
            "queued_at": self.queued_at,
        }

    @classmethod
    def from_json(cls, item: dict[str, object]) -> Outgoing:
        return cls(
            seq=int(str(item["seq"])),
            envelope=bytes.fromhex(str(item["envelope"])),
            origin=Origin(str(item["origin"])),
            label=str(item["label"]),
            key=str(item["key"]),
            queued_at=str(item["queued_at"]),
        )


class StoreAndForward:
    """An ordered queue of envelopes for the IHD, persisted as JSON (written atomically).

    Args:
        path: The queue file (``None``: memory only).
    """

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._items: list[Outgoing] = []
        if path is not None and path.exists():
            document = json.loads(path.read_text(encoding="utf-8"))
            self._items = [Outgoing.from_json(item) for item in document.get("pending", [])]
        self._next = max((item.seq for item in self._items), default=0) + 1

    def __len__(self) -> int:
        return len(self._items)

    def pending(self) -> list[Outgoing]:
        """Everything waiting, oldest first."""
        return list(self._items)

    def head(self) -> Outgoing | None:
        """The next envelope to indicate."""
        return self._items[0] if self._items else None

    def put(
        self,
        envelope: bytes,
        origin: Origin,
        label: str,
        queued_at: str,
        *,
        persist: bool = True,
    ) -> Outgoing:
        """Queue ``envelope`` behind everything already waiting."""
        item = Outgoing(
            self._next, bytes(envelope), origin, label, envelope_key(envelope), queued_at, persist
        )
        self._next += 1
        self._items.append(item)
        if persist:
            self._save()
        return item

    def remove(self, seq: int) -> None:
        """Drop the envelope ``seq`` (it was indicated)."""
        before = len(self._items)
        removed = [item for item in self._items if item.seq == seq]
        self._items = [item for item in self._items if item.seq != seq]
        if len(self._items) != before and any(item.persist for item in removed):
            self._save()

    def _save(self) -> None:
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_suffix(".tmp")
        document = {"pending": [item.to_json() for item in self._items if item.persist]}
        temporary.write_text(json.dumps(document), encoding="utf-8")
        # Rename is atomic: a crash leaves the queue before or after the change, never half.
        os.replace(temporary, self._path)
