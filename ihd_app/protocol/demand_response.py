"""Flexibility events on the wire: what a ``demand.event``, ``demand.status`` and
``demand.agreement`` envelope carry, shared by the display, the meter and the operator console.

A ``demand.event`` carries a DRLC LoadControlEvent (or its cancellation) as its payload and, in
its signed ``details``, what the consumer is told: ``title`` and ``reward`` ("20 % off your next
bill"). The reward travels in the same envelope rather than as a linked DisplayMessage so the
offer and the event are signed together: a reward cannot arrive without its event, be cancelled
apart from it, or be paired with another originator's event.

A ``demand.agreement`` is the householder's agreement (seed §2.3.1) to direct control of named
device classes by a named originator; the meter controls a device only while one is in force.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.envelope.claims import DetailValue
from ihd_app.protocol.errors import EncodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl.drlc import (
    DeviceClass,
    EventStatus,
    LoadControlEvent,
    ReportEventStatus,
)
from ihd_app.protocol.zcl.primitives import datetime_to_utc, utc_to_datetime

#: The device classes a householder can hand over, and how the display names them.
CONTROLLABLE: Mapping[DeviceClass, str] = {
    DeviceClass.ELECTRIC_VEHICLE: "EV charger",
    DeviceClass.WATER_HEATER: "Immersion heater",
    DeviceClass.GENERATION_SYSTEMS: "Solar / micro-generation",
}
_ALIASES = {"EV": "ELECTRIC_VEHICLE", "IMMERSION": "WATER_HEATER", "SOLAR": "GENERATION_SYSTEMS"}
#: ZSE: an event lasts at most a day.
MAX_EVENT_MINUTES = 1440


def device_class_names(device_class: int) -> list[str]:
    """The consumer's names of the controllable classes in ``device_class``."""
    return [name for member, name in CONTROLLABLE.items() if device_class & member]


def parse_device_classes(text: str) -> int:
    """A DeviceClass map from a comma-separated list such as ``"ev,water_heater"``.

    Raises:
        EncodeError: An unknown name; the sentence lists the known ones.
    """
    value = 0
    for raw in (part.strip() for part in text.split(",")):
        if not raw:
            continue
        key = raw.upper().replace("-", "_")
        try:
            value |= DeviceClass[_ALIASES.get(key, key)]
        except KeyError:
            known = ", ".join(str(member.name).lower() for member in DeviceClass)
            raise EncodeError(
                Reason.MALFORMED, f"device class '{raw}' is unknown: use one of {known}"
            ) from None
    return value


@dataclass(frozen=True)
class FlexibilityEvent:
    """A flexibility event as an originator describes it and a consumer sees it.

    Attributes:
        event_id: IssuerEventID.
        start: When it starts.
        minutes: How long it lasts.
        reduction_percent: How much less to use (AverageLoadAdjustmentPercentage, negated).
        device_class: Loads the event is for; the ones in :data:`CONTROLLABLE` are controlled
            directly where the householder agreed.
        title: What the display calls it.
        reward: The offer for taking part, as shown.
    """

    event_id: int
    start: datetime
    minutes: int
    reduction_percent: int
    device_class: int
    title: str = "Flexibility event"
    reward: str = ""

    @property
    def end(self) -> datetime:
        """When it ends."""
        return self.start + timedelta(minutes=self.minutes)

    def command(self) -> LoadControlEvent:
        """The DRLC command.

        Raises:
            EncodeError: Duration or reduction out of range, with the value named.
        """
        if not 1 <= self.minutes <= MAX_EVENT_MINUTES:
            raise EncodeError(
                Reason.MALFORMED,
                f"an event of {self.minutes} minutes is not possible: give 1 to 1440",
            )
        if not 0 <= self.reduction_percent <= 100:
            raise EncodeError(
                Reason.MALFORMED,
                f"a reduction of {self.reduction_percent} % is not possible: give 0 to 100",
            )
        return LoadControlEvent(
            issuer_event_id=self.event_id,
            device_class=self.device_class,
            start_time=datetime_to_utc(self.start),
            duration_in_minutes=self.minutes,
            average_load_adjustment_percentage=-self.reduction_percent,
        )

    def request(self) -> MessageRequest:
        """The ``demand.event`` request that carries it, title and reward in the details."""
        return MessageRequest(
            "demand.event",
            message_id=self.event_id,
            command=self.command(),
            extra_details={"title": self.title, "reward": self.reward},
        )

    @classmethod
    def from_command(
        cls, command: LoadControlEvent, details: Mapping[str, DetailValue], *, now: datetime
    ) -> FlexibilityEvent:
        """The event a verified envelope describes (StartTime 0 means ``now``)."""
        title = details.get("title")
        reward = details.get("reward")
        adjustment = command.average_load_adjustment_percentage
        return cls(
            event_id=command.issuer_event_id,
            start=now if command.start_time == 0 else utc_to_datetime(command.start_time),
            minutes=command.duration_in_minutes,
            reduction_percent=max(0, -adjustment) if adjustment != -0x80 else 0,
            device_class=command.device_class,
            title=title if isinstance(title, str) and title else "Flexibility event",
            reward=reward if isinstance(reward, str) else "",
        )


def status_request(
    event_id: int, status: EventStatus, at: datetime, refers_to: str = ""
) -> MessageRequest:
    """The display's ``demand.status`` for ``event_id`` (signed by the display like its other
    replies; the ZCL signature field is left empty). ``refers_to`` is the event envelope's
    ``cti`` in hex: the meter finds the event's originator by it."""
    return MessageRequest(
        "demand.status",
        message_id=event_id,
        at=at,
        command=ReportEventStatus(
            issuer_event_id=event_id,
            event_status=status,
            event_status_time=datetime_to_utc(at.astimezone(UTC)),
        ),
        extra_details={"status": str(status.name).lower(), "refers_to": refers_to},
    )


@dataclass(frozen=True)
class Agreement:
    """The householder's agreement to direct control.

    Attributes:
        originator: Whose events may control the devices (entity id, e.g. ``dno-demo``).
        device_class: The classes handed over; 0 withdraws every one.
        at: When the householder gave or withdrew it.
    """

    originator: str
    device_class: int
    at: datetime

    def to_details(self) -> dict[str, DetailValue]:
        """The ``agreement`` map a ``demand.agreement`` envelope carries."""
        return {
            "originator": self.originator,
            "device_class": self.device_class,
            "devices": list(device_class_names(self.device_class)),
            "at": self.at.astimezone(UTC).isoformat(timespec="seconds"),
        }

    def request(self) -> MessageRequest:
        """The ``demand.agreement`` request."""
        return MessageRequest(
            "demand.agreement", at=self.at, extra_details={"agreement": self.to_details()}
        )

    @classmethod
    def from_details(cls, details: Mapping[str, DetailValue]) -> Agreement | None:
        """The agreement a verified envelope carries, or ``None`` if it is not well formed."""
        raw = details.get("agreement")
        if not isinstance(raw, dict):
            return None
        originator, device_class, at = raw.get("originator"), raw.get("device_class"), raw.get("at")
        if not isinstance(originator, str) or not isinstance(device_class, int):
            return None
        if isinstance(device_class, bool) or not 0 <= device_class <= 0xFFFF:
            return None
        try:
            moment = datetime.fromisoformat(at) if isinstance(at, str) else None
        except ValueError:
            return None
        if moment is None or moment.tzinfo is None:
            return None
        return cls(originator=originator, device_class=device_class, at=moment)
