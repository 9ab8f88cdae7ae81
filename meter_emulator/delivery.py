"""Store and forward: envelopes on their way to the displays, kept on disk until indicated to
each.

Everything the meter indicates on Messages to IHD (forwarded operator messages, the meter's own
alerts, attack-console forgeries, ``--send`` files) goes through one :class:`StoreAndForward`
queue, in order. Each envelope is owed to every display commissioned when it was queued (its
``due`` displays) and stays until each of them has had it once: a display that is away has its
messages held, across a restart of the emulator too (seed use case 12: the meter holds a
message for a display that is away), and indicated in the order they arrived when it listens
again, while the displays that are there get them at once.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, replace
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
        due: The displays still owed it, by entity id; ``None`` until it is addressed (queued
            while no display was commissioned, or kept by an emulator that served one display).
    """

    seq: int
    envelope: bytes
    origin: Origin
    label: str
    key: str
    queued_at: str
    persist: bool = True
    due: frozenset[str] | None = None

    def is_due_to(self, ihd_id: str) -> bool:
        """Whether display ``ihd_id`` is still owed it (once addressed)."""
        return self.due is not None and ihd_id in self.due

    def to_json(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "envelope": self.envelope.hex(),
            "origin": self.origin.value,
            "label": self.label,
            "key": self.key,
            "queued_at": self.queued_at,
            "due": None if self.due is None else sorted(self.due),
        }

    @classmethod
    def from_json(cls, item: dict[str, object]) -> Outgoing:
        due = item.get("due")
        return cls(
            seq=int(str(item["seq"])),
            envelope=bytes.fromhex(str(item["envelope"])),
            origin=Origin(str(item["origin"])),
            label=str(item["label"]),
            key=str(item["key"]),
            queued_at=str(item["queued_at"]),
            due=frozenset(str(d) for d in due) if isinstance(due, list) else None,
        )


class StoreAndForward:
    """An ordered queue of envelopes for the displays, persisted as JSON (written atomically).

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
        """The oldest envelope waiting."""
        return self._items[0] if self._items else None

    def due_to(self, ihd_id: str) -> list[Outgoing]:
        """What display ``ihd_id`` is owed, oldest first."""
        return [item for item in self._items if item.is_due_to(ihd_id)]

    def put(
        self,
        envelope: bytes,
        origin: Origin,
        label: str,
        queued_at: str,
        *,
        persist: bool = True,
        due: frozenset[str] | None = None,
    ) -> Outgoing:
        """Queue ``envelope`` behind everything already waiting, owed to the ``due`` displays
        (``None``: addressed later, :meth:`address`)."""
        item = Outgoing(
            self._next,
            bytes(envelope),
            origin,
            label,
            envelope_key(envelope),
            queued_at,
            persist,
            None if due is None else frozenset(due),
        )
        self._next += 1
        self._items.append(item)
        if persist:
            self._save()
        return item

    def address(self, displays: frozenset[str]) -> list[Outgoing]:
        """Owe each envelope not yet addressed to ``displays`` (when some display is
        commissioned), and forget displays taken off the device log; returns the envelopes
        dropped because no display they were owed to is left."""
        if not displays:
            return []
        changed = False
        dropped: list[Outgoing] = []
        kept: list[Outgoing] = []
        for item in self._items:
            due = displays if item.due is None else item.due & displays
            changed = changed or (due != item.due and item.persist)
            (kept if due else dropped).append(replace(item, due=due))
        self._items = kept
        if changed:
            self._save()
        return dropped

    def delivered(self, seq: int, ihd_id: str) -> bool:
        """Envelope ``seq`` was indicated to display ``ihd_id``; whether every display it was
        owed to has had it now (it is then dropped from the queue)."""
        for index, item in enumerate(self._items):
            if item.seq != seq:
                continue
            due = (item.due or frozenset()) - {ihd_id}
            if due:
                self._items[index] = replace(item, due=due)
                if item.persist:
                    self._save()
                return False
            self.remove(seq)
            return True
        return True

    def remove(self, seq: int) -> None:
        """Drop the envelope ``seq`` (indicated to every display owed it, or undeliverable)."""
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
