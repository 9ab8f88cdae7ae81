"""Flexibility events on the display: upcoming, running, over; the consumer's opt-out; and the
statuses owed back to each event's originator (ZSE DRLC ReportEventStatus).

Qt-free and storage-free: the service keeps the state (as JSON) and signs the statuses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from ihd_app.protocol.demand_response import FlexibilityEvent
from ihd_app.protocol.envelope.claims import DetailValue
from ihd_app.protocol.zcl.drlc import EventStatus
from ihd_app.protocol.zcl.primitives import datetime_to_utc, utc_to_datetime


class EventPhase(StrEnum):
    """Where an event is, for the consumer."""

    UPCOMING = "upcoming"
    RUNNING = "running"
    COMPLETED = "completed"
    OPTED_OUT = "opted-out"
    CANCELLED = "cancelled"

    @property
    def over(self) -> bool:
        """Whether nothing more happens to it."""
        return self in (EventPhase.COMPLETED, EventPhase.OPTED_OUT, EventPhase.CANCELLED)


@dataclass(frozen=True)
class ShownEvent:
    """An event as the display keeps it.

    Attributes:
        event: What the originator scheduled.
        originator: Its originator's entity id (statuses go back to it).
        organisation: Its originator's name, as shown.
        key: The event envelope's ``cti`` in hex (statuses refer to it).
        phase: Where it is.
        opted_out_at: When the consumer opted out, if they did.
    """

    event: FlexibilityEvent
    originator: str
    organisation: str
    key: str
    phase: EventPhase = EventPhase.UPCOMING
    opted_out_at: datetime | None = None

    def remaining_s(self, now: datetime) -> float:
        """Seconds until it ends (0 once over)."""
        return max(0.0, (self.event.end - now).total_seconds())

    def until_start_s(self, now: datetime) -> float:
        """Seconds until it starts (0 once started)."""
        return max(0.0, (self.event.start - now).total_seconds())

    def to_json(self) -> dict[str, DetailValue]:
        """A JSON form for the settings store."""
        event = self.event
        return {
            "event_id": event.event_id,
            "start": datetime_to_utc(event.start),
            "minutes": event.minutes,
            "reduction_percent": event.reduction_percent,
            "device_class": event.device_class,
            "title": event.title,
            "reward": event.reward,
            "originator": self.originator,
            "organisation": self.organisation,
            "key": self.key,
            "phase": self.phase.value,
            "opted_out_at": None
            if self.opted_out_at is None
            else datetime_to_utc(self.opted_out_at),
        }

    @classmethod
    def from_json(cls, row: dict[str, DetailValue]) -> ShownEvent | None:
        """The event kept as ``row``, or ``None`` if it is not one (skipped, not fatal)."""
        try:
            opted = row.get("opted_out_at")
            return cls(
                event=FlexibilityEvent(
                    event_id=int(str(row["event_id"])),
                    start=utc_to_datetime(int(str(row["start"]))),
                    minutes=int(str(row["minutes"])),
                    reduction_percent=int(str(row["reduction_percent"])),
                    device_class=int(str(row["device_class"])),
                    title=str(row["title"]),
                    reward=str(row["reward"]),
                ),
                originator=str(row["originator"]),
                organisation=str(row["organisation"]),
                key=str(row["key"]),
                phase=EventPhase(str(row["phase"])),
                opted_out_at=None if opted is None else utc_to_datetime(int(str(opted))),
            )
        except (KeyError, ValueError):
            return None


@dataclass(frozen=True)
class StatusDue:
    """A ReportEventStatus owed to an event's originator.

    Attributes:
        shown: The event.
        status: What to report.
        at: When it happened.
    """

    shown: ShownEvent
    status: EventStatus
    at: datetime


class FlexibilityBoard:
    """The display's flexibility events, keyed by (originator, event id)."""

    def __init__(self, events: list[ShownEvent] | None = None) -> None:
        self._events: dict[tuple[str, int], ShownEvent] = {
            (e.originator, e.event.event_id): e for e in events or []
        }

    def all(self) -> list[ShownEvent]:
        """Every event kept, soonest first."""
        return sorted(self._events.values(), key=lambda e: e.event.start)

    def upcoming(self) -> list[ShownEvent]:
        """Events not started yet and not cancelled."""
        return [e for e in self.all() if e.phase is EventPhase.UPCOMING]

    def running(self) -> ShownEvent | None:
        """The event running now that the consumer takes part in, if any."""
        return next((e for e in self.all() if e.phase is EventPhase.RUNNING), None)

    def receive(self, shown: ShownEvent, now: datetime) -> list[StatusDue]:
        """A verified event: kept (replacing one of the same id), and ``received`` owed; an event
        already over when it arrives is refused as expired (ZSE status 0xFB)."""
        if shown.event.end <= now:
            return [StatusDue(shown, EventStatus.REJECTED_EXPIRED, now)]
        old = self._events.get((shown.originator, shown.event.event_id))
        due = [StatusDue(old, EventStatus.SUPERSEDED, now)] if old and not old.phase.over else []
        self._events[(shown.originator, shown.event.event_id)] = shown
        return [*due, StatusDue(shown, EventStatus.RECEIVED, now), *self.tick(now)]

    def cancel(self, originator: str, event_id: int | None, now: datetime) -> list[StatusDue]:
        """The originator withdrew ``event_id`` (``None``: every one of its events)."""
        due = []
        for key, shown in list(self._events.items()):
            if shown.originator != originator or event_id not in (None, shown.event.event_id):
                continue
            if shown.phase.over:
                continue
            self._events[key] = replace(shown, phase=EventPhase.CANCELLED)
            due.append(StatusDue(shown, EventStatus.CANCELLED, now))
        if event_id is not None and not due:
            return [
                StatusDue(
                    ShownEvent(
                        FlexibilityEvent(event_id, now, 1, 0, 0), originator, originator, ""
                    ),
                    EventStatus.REJECTED_UNDEFINED_EVENT,
                    now,
                )
            ]
        return due

    def opt_out(self, originator: str, event_id: int, now: datetime) -> list[StatusDue]:
        """The consumer will not take part (before or during the event)."""
        shown = self._events.get((originator, event_id))
        if shown is None or shown.phase.over:
            return []
        self._events[(originator, event_id)] = replace(
            shown, phase=EventPhase.OPTED_OUT, opted_out_at=now
        )
        return [StatusDue(shown, EventStatus.OPTED_OUT, now)]

    def tick(self, now: datetime) -> list[StatusDue]:
        """Start and complete events as time passes; the statuses owed."""
        due = []
        for key, kept in list(self._events.items()):
            shown = kept
            if shown.phase is EventPhase.UPCOMING and shown.event.start <= now:
                shown = replace(shown, phase=EventPhase.RUNNING)
                due.append(StatusDue(shown, EventStatus.STARTED, shown.event.start))
            if shown.phase is EventPhase.RUNNING and shown.event.end <= now:
                shown = replace(shown, phase=EventPhase.COMPLETED)
                due.append(StatusDue(shown, EventStatus.COMPLETED, shown.event.end))
            self._events[key] = shown
        return due
