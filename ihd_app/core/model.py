"""The IHD's domain values, shared by the store, the core logic, the service and the UI.

Plain frozen dataclasses with no behaviour beyond derived properties: the inbox state machine,
costs and aggregation live in their own modules and return new values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any

from ihd_app.core.readings import Fuel


class MessageState(StrEnum):
    """Where a message is in its life (DESIGN.md §7)."""

    #: Verified and stored; its start time is in the future, so not shown yet.
    SCHEDULED = "scheduled"
    #: Verified and stored, about to be shown.
    RECEIVED = "received"
    #: On screen (in the inbox, or full screen when high or critical).
    DISPLAYED = "displayed"
    #: The consumer acknowledged it (only messages that require confirmation).
    ACKNOWLEDGED = "acknowledged"
    #: Its duration ran out.
    EXPIRED = "expired"
    #: A newer message from the same originator with the same message id replaced it.
    SUPERSEDED = "superseded"
    #: Its originator withdrew it (CancelMessage / CancelAllMessages).
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        """No further change can happen."""
        return self in FINAL_STATES

    @property
    def is_current(self) -> bool:
        """Shown as a current message (not past)."""
        return self in (MessageState.RECEIVED, MessageState.DISPLAYED)


FINAL_STATES = frozenset(
    {
        MessageState.ACKNOWLEDGED,
        MessageState.EXPIRED,
        MessageState.SUPERSEDED,
        MessageState.CANCELLED,
    }
)


class Importance(StrEnum):
    """ZCL MessageControl importance, in increasing order."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for low to 3 for critical."""
        return list(Importance).index(self)

    @property
    def takes_over_screen(self) -> bool:
        """High and critical messages are shown full screen until acknowledged."""
        return self in (Importance.HIGH, Importance.CRITICAL)


@dataclass(frozen=True)
class StateChange:
    """One step of a message's history.

    Attributes:
        state: The state entered.
        at: When.
        note: Why, in a few words ("acknowledged by the consumer", "cancelled by the DNO").
    """

    state: MessageState
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class InboxMessage:
    """A verified message as the display keeps it.

    Attributes:
        key: Unique key: the envelope's ``cti`` in hex.
        message_id: ZCL MessageID (what acknowledgements and cancellations refer to).
        type: Message type (``outage.planned``...).
        title: The type's title for people ("Planned power cut").
        text: The message text.
        importance: How important.
        confirmation_required: The consumer must acknowledge it.
        originator_id: Verified originator entity id (from the certificate).
        originator_name: Verified organisation name.
        role: Verified role of the originator.
        fuel: Electricity or gas.
        received_at: When it was verified.
        start_at: When it starts showing.
        end_at: When it expires (``None``: until changed).
        state: Current state.
        history: Every state change, oldest first.
        details: Structured details from the envelope (outage window, threshold...).
        envelope: The envelope bytes as received (evidence).
    """

    key: str
    message_id: int
    type: str
    title: str
    text: str
    importance: Importance
    confirmation_required: bool
    originator_id: str
    originator_name: str
    role: str
    fuel: Fuel
    received_at: datetime
    start_at: datetime
    end_at: datetime | None
    state: MessageState
    history: tuple[StateChange, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)
    envelope: bytes = b""

    @property
    def takes_over_screen(self) -> bool:
        """Shown full screen until acknowledged (high or critical, not yet acknowledged)."""
        return self.importance.takes_over_screen and self.state.is_current


class OutboxKind(StrEnum):
    """What the display sends back to the meter (and through it to the originator)."""

    RECEIPT = "message.receipt"
    DISPLAYED = "message.displayed"
    CONFIRMATION = "message.confirmation"
    ERROR = "error.notification"
    CONSENT = "consent.update"
    HISTORY_REQUEST = "history.request"
    DEMAND_STATUS = "demand.status"
    DEMAND_AGREEMENT = "demand.agreement"
    PREPAY = "prepay"
    """A prepayment action of the consumer: top-up code, emergency credit, restore."""


@dataclass(frozen=True)
class OutboxItem:
    """An IHD-signed envelope waiting for (or done with) delivery to the meter.

    Attributes:
        id: Row id (delivery order).
        kind: What it is.
        dedupe_key: Unique per logical item (e.g. ``confirmation:<message key>``), so the same
            acknowledgement can never be queued twice.
        envelope: The signed bytes (resent identically until delivered).
        created_at: When it was queued.
        attempts: Delivery attempts so far.
        delivered_at: When the meter confirmed it (``None`` while pending).
        last_error: Why the last attempt failed.
    """

    id: int
    kind: OutboxKind
    dedupe_key: str
    envelope: bytes
    created_at: datetime
    attempts: int = 0
    delivered_at: datetime | None = None
    last_error: str = ""


@dataclass(frozen=True)
class SecurityEvent:
    """A refused envelope or unit, for the security log.

    Attributes:
        at: When.
        reason: Reason code.
        detail: Precise sentence from the verifier.
        explanation: Plain-language sentence for the consumer.
        claimed_originator: ``iss`` as claimed (unverified), if readable.
        claimed_type: ``type`` as claimed (unverified), if readable.
        size: Bytes received.
        notified: An error notification was queued back toward the originator.
    """

    at: datetime
    reason: str
    detail: str
    explanation: str
    claimed_originator: str = ""
    claimed_type: str = ""
    size: int = 0
    notified: bool = False


@dataclass(frozen=True)
class RateBand:
    """A time-of-use band: a unit rate that applies between two times of day.

    Attributes:
        name: "Peak", "Off-peak"...
        start: Local time the band starts (inclusive).
        end: Local time it ends (exclusive); ``time(0)`` means midnight at the end of the day.
        pence_per_kwh: Unit rate.
    """

    name: str
    start: time
    end: time
    pence_per_kwh: float


@dataclass(frozen=True)
class Tariff:
    """What a fuel costs.

    Attributes:
        fuel: Electricity or gas.
        name: Tariff name.
        bands: Unit rates by time of day; one band covering the whole day for a flat tariff.
        standing_charge_pence_per_day: Daily standing charge.
        effective_from: When it applies from.
    """

    fuel: Fuel
    name: str
    bands: tuple[RateBand, ...]
    standing_charge_pence_per_day: float
    effective_from: datetime


@dataclass(frozen=True)
class Interval:
    """Energy used in one interval (a half hour from history, or a live accumulation).

    Attributes:
        fuel: Electricity or gas.
        start: Interval start (UTC).
        duration: Its length.
        kwh: Energy in kWh (gas converted from volume).
    """

    fuel: Fuel
    start: datetime
    duration: timedelta
    kwh: float


@dataclass(frozen=True)
class PairedMeter:
    """The meter this display is paired with.

    Attributes:
        address: Bluetooth address.
        meter_id: EUI-64 from Meter Info.
        name: Its name.
        certificate_sha256: Fingerprint of its certificate, pinned at pairing.
        paired_at: When it was first paired.
        last_seen: Last connection.
    """

    address: str
    meter_id: str
    name: str
    certificate_sha256: bytes
    paired_at: datetime
    last_seen: datetime
