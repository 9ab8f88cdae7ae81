"""How far one message got on each display of the home.

A meter serves every display on its HAN device log, and each display sends its own signed
receipt, "displayed" and acknowledgement (or error notification). The status table keeps one
:class:`DisplayDelivery` per display a message reached, beside the message's overall status
(the first display to reach each step; one acknowledgement is enough for the originator).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class DisplayStep(StrEnum):
    """The furthest a message got on one display."""

    QUEUED = "queued"
    """Owed to the display, which has not had it yet (it is away)."""
    FORWARDED = "forwarded"
    """Indicated to it (ATT-confirmed)."""
    RECEIVED = "received"
    """Its signed delivery receipt came back."""
    DISPLAYED = "displayed"
    """It reported the message on screen."""
    ACKNOWLEDGED = "acknowledged"
    """The consumer acknowledged it there."""
    REJECTED = "rejected"
    """It refused the message (an error notification with a reason came back)."""


def short_id(ihd_id: str) -> str:
    """A display's EUI-64 as a person tells two apart: ``00-…-01-02`` (other ids as they are)."""
    parts = ihd_id.split("-")
    if len(parts) != 8:
        return ihd_id
    return f"{parts[0]}-…-{parts[-2]}-{parts[-1]}"


@dataclass
class DisplayDelivery:
    """One message on one display.

    Attributes:
        ihd_id: The display's entity id.
        forwarded_at: When the meter indicated it to this display.
        receipt_at: When this display's delivery receipt arrived.
        displayed_at: When its "message displayed" arrived.
        acknowledged_at: When its consumer's acknowledgement arrived (the time it gave).
        acknowledged_answer: The consumer's answer there (``True``: yes).
        rejected_reason: Its reason code, if it refused the message.
        rejected_detail: Its explanation.
    """

    ihd_id: str
    forwarded_at: datetime | None = None
    receipt_at: datetime | None = None
    displayed_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_answer: bool | None = None
    rejected_reason: str | None = None
    rejected_detail: str | None = None

    @property
    def step(self) -> DisplayStep:
        """The furthest it got on this display."""
        if self.rejected_reason is not None:
            return DisplayStep.REJECTED
        if self.acknowledged_at is not None:
            return DisplayStep.ACKNOWLEDGED
        if self.displayed_at is not None:
            return DisplayStep.DISPLAYED
        if self.receipt_at is not None:
            return DisplayStep.RECEIVED
        if self.forwarded_at is not None:
            return DisplayStep.FORWARDED
        return DisplayStep.QUEUED

    @property
    def accepted(self) -> bool:
        """Whether this display verified and kept it (a receipt or later reply came back)."""
        return any(
            moment is not None
            for moment in (self.receipt_at, self.displayed_at, self.acknowledged_at)
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form (inside a ``status`` event's ``displays``)."""

        def iso(moment: datetime | None) -> str | None:
            return None if moment is None else moment.isoformat(timespec="seconds")

        return {
            "status": self.step.value,
            "forwarded_at": iso(self.forwarded_at),
            "receipt_at": iso(self.receipt_at),
            "displayed_at": iso(self.displayed_at),
            "acknowledged_at": iso(self.acknowledged_at),
            "acknowledged_answer": self.acknowledged_answer,
            "rejected_reason": self.rejected_reason,
            "rejected_detail": self.rejected_detail,
        }
