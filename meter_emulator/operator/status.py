"""Where each message sent to the IHD has got to, from the IHD's signed replies.

Seed use case 12 step 5: the originator learns that its message was delivered ("delivery
receipt") and shown ("message displayed"); use case 08/09 steps 7 and 4a 4: the consumer
acknowledged it; use case 12 alternative 2a: an error notification with a reason and a
timestamp when it was refused. The IHD's replies carry ``refers_to`` = the original envelope's
``cti`` in hex, which is the key of this table.

With several displays each row also keeps how far the message got on each display
(:mod:`meter_emulator.operator.display_status`); the row's own status is the furthest any display
got, so the first acknowledgement acknowledges the message for its originator.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from meter_emulator.operator.display_status import DisplayDelivery


class DeliveryStatus(StrEnum):
    """The furthest a message got (final outcomes first)."""

    REFUSED = "refused"
    """The meter's own verification refused it: it never reached the IHD."""
    CARRIED_OUT = "carried-out"
    """A command for the meter (threshold, data request) that the meter carried out."""
    DECLINED = "declined"
    """A verified command the meter would not carry out (a data request without consent)."""
    QUEUED = "queued"
    """Waiting in the meter for the IHD (store and forward)."""
    FORWARDED = "forwarded"
    """Indicated to the IHD (ATT-confirmed)."""
    RECEIVED = "received"
    """The IHD's signed delivery receipt came back."""
    DISPLAYED = "displayed"
    """The IHD reported it on screen."""
    ACKNOWLEDGED = "acknowledged"
    """The consumer acknowledged it."""
    REJECTED = "rejected"
    """The IHD refused it (an error notification with a reason came back)."""
    CANCELLED = "cancelled"
    """Its originator withdrew it."""
    SUPERSEDED = "superseded"
    """Its originator replaced it with a newer message of the same id."""


#: Statuses after which a row never changes on a new message.
FINAL = frozenset(
    {"refused", "rejected", "acknowledged", "cancelled", "superseded", "carried-out", "declined"}
)


@dataclass
class MessageRecord:
    """One message's row in the status table.

    Attributes:
        key: The envelope's ``cti`` in hex.
        origin: ``operator`` or ``meter``.
        role: The originator's role (dno, gdn, supplier, meter).
        originator: The originator's entity id.
        type: The message type.
        message_id: ZCL MessageID (display, cancel and price messages).
        text: The text shown (display messages).
        created_at: When it was signed (wall clock).
        queued_at: When the meter queued it for the IHD.
        forwarded_at: When it was indicated.
        receipt_at: When the delivery receipt arrived.
        displayed_at: When "message displayed" arrived.
        acknowledged_at: When the consumer's acknowledgement arrived.
        acknowledged_answer: The consumer's answer (``True``: yes).
        rejected_reason: The IHD's reason code, if it refused the message.
        rejected_detail: The IHD's explanation.
        rejected_at: The timestamp in the IHD's error notification.
        refused_reason: The meter's reason code, if its own verification refused it.
        refused_detail: The meter's sentence.
        cancelled_at: When a cancellation was sent for it.
        superseded_by: The key of the message that replaced it.
        carried_out_at: When the meter carried out (or declined) a command for itself.
        outcome: What the meter did with a command for itself, in a sentence.
        declined: The meter verified the command but would not carry it out.
        needs_ack: The consumer must acknowledge it (a display message's confirmation flag).
        envelope: The signed bytes.
        displays: How far it got on each display it is owed to or reached, by entity id.
        event_status: A flexibility event's last ReportEventStatus, e.g. ``"<ihd id>:
            opted_out"`` (``demand.event`` only).
    """

    key: str
    origin: str
    role: str
    originator: str
    type: str
    message_id: int | None
    text: str
    created_at: datetime
    queued_at: datetime | None = None
    forwarded_at: datetime | None = None
    receipt_at: datetime | None = None
    displayed_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_answer: bool | None = None
    rejected_reason: str | None = None
    rejected_detail: str | None = None
    rejected_at: str | None = None
    refused_reason: str | None = None
    refused_detail: str | None = None
    cancelled_at: datetime | None = None
    superseded_by: str | None = None
    carried_out_at: datetime | None = None
    outcome: str | None = None
    declined: bool = False
    needs_ack: bool = False
    envelope: bytes = field(default=b"", repr=False)
    displays: dict[str, DisplayDelivery] = field(default_factory=dict)
    event_status: str | None = None

    def display(self, ihd_id: str) -> DisplayDelivery:
        """How far it got on display ``ihd_id`` (a new entry the first time)."""
        return self.displays.setdefault(ihd_id, DisplayDelivery(ihd_id))

    @property
    def status(self) -> DeliveryStatus:
        """The furthest it got."""
        if self.refused_reason is not None:
            return DeliveryStatus.REFUSED
        if self.rejected_reason is not None:
            return DeliveryStatus.REJECTED
        if self.carried_out_at is not None:
            return DeliveryStatus.DECLINED if self.declined else DeliveryStatus.CARRIED_OUT
        if self.acknowledged_at is not None:
            return DeliveryStatus.ACKNOWLEDGED
        if self.cancelled_at is not None:
            return DeliveryStatus.CANCELLED
        if self.superseded_by is not None:
            return DeliveryStatus.SUPERSEDED
        if self.displayed_at is not None:
            return DeliveryStatus.DISPLAYED
        if self.receipt_at is not None:
            return DeliveryStatus.RECEIVED
        if self.forwarded_at is not None:
            return DeliveryStatus.FORWARDED
        return DeliveryStatus.QUEUED

    @property
    def accepted_by_ihd(self) -> bool:
        """Whether the IHD verified and kept it (a receipt or later reply came back)."""
        return any(
            moment is not None
            for moment in (self.receipt_at, self.displayed_at, self.acknowledged_at)
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form (a row of the GUI's table; ``status`` events)."""

        def iso(moment: datetime | None) -> str | None:
            return None if moment is None else moment.isoformat(timespec="seconds")

        return {
            "key": self.key,
            "origin": self.origin,
            "role": self.role,
            "originator": self.originator,
            "type": self.type,
            "message_id": self.message_id,
            "text": self.text,
            "status": self.status.value,
            "created_at": iso(self.created_at),
            "queued_at": iso(self.queued_at),
            "forwarded_at": iso(self.forwarded_at),
            "receipt_at": iso(self.receipt_at),
            "displayed_at": iso(self.displayed_at),
            "acknowledged_at": iso(self.acknowledged_at),
            "acknowledged_answer": self.acknowledged_answer,
            "rejected_reason": self.rejected_reason,
            "rejected_detail": self.rejected_detail,
            "rejected_at": self.rejected_at,
            "refused_reason": self.refused_reason,
            "refused_detail": self.refused_detail,
            "cancelled_at": iso(self.cancelled_at),
            "superseded_by": self.superseded_by,
            "carried_out_at": iso(self.carried_out_at),
            "outcome": self.outcome,
            "needs_ack": self.needs_ack,
            "displays": {ihd_id: d.to_dict() for ihd_id, d in sorted(self.displays.items())},
            "event_status": self.event_status,
        }


class StatusTable:
    """Every message the meter sent or refused on an originator's behalf, by key."""

    def __init__(self) -> None:
        self._records: dict[str, MessageRecord] = {}

    def __iter__(self) -> Iterator[MessageRecord]:
        return iter(self._records.values())

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, key: object) -> bool:
        return key in self._records

    def add(self, record: MessageRecord) -> MessageRecord:
        """Add a row (a new key)."""
        self._records[record.key] = record
        return record

    def get(self, key: str) -> MessageRecord | None:
        """The row for ``key``, if any."""
        return self._records.get(key)

    def rows(self, origin: str | None = None) -> list[MessageRecord]:
        """Rows in the order they were added, optionally of one origin only."""
        return [r for r in self._records.values() if origin is None or r.origin == origin]

    def latest(self, originator: str, message_id: int) -> MessageRecord | None:
        """The newest row from ``originator`` with ``message_id``."""
        found = [
            r
            for r in self._records.values()
            if r.originator == originator and r.message_id == message_id
        ]
        return found[-1] if found else None
