"""An operator's data request as the meter answers it: at the finest granularity the consumer's
consent (or a licence exemption) allows, never finer than asked, or refused with the reason;
every answer and refusal recorded for the household's data-access log.

The request is a signed ``data.request`` (ZCL GetProfile) whose details may name a ``purpose``
(default: the party's first, see :data:`ihd_app.protocol.consent_terms.PURPOSES`) and a
``granularity`` (default ``half-hourly``, what GetProfile reads).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.consent_terms import (
    Decision,
    Granularity,
    decide,
    default_purpose,
)
from ihd_app.protocol.data_response import DataResponse
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.verification import VerifiedMessage
from ihd_app.protocol.zcl import Endpoint, GetProfile
from meter_emulator.history import HalfHourHistory
from meter_emulator.operator.data_responses import DataResponses
from meter_emulator.operator.status import MessageRecord
from meter_emulator.state import MeterState

HALF_HOUR = timedelta(minutes=30)
#: How an answer's values are named.
_PLURAL = {
    Granularity.HALF_HOURLY: "half hours",
    Granularity.DAILY: "daily totals",
    Granularity.MONTHLY: "monthly totals",
}


@dataclass(frozen=True)
class Period:
    """One value of an answer: energy over ``[start, end)``.

    Attributes:
        start: Its start (UTC).
        end: Its end.
        wh: Energy in Wh.
    """

    start: datetime
    end: datetime
    wh: int


def aggregate(intervals_wh: list[int], end: datetime, granularity: Granularity) -> list[Period]:
    """Half hours (newest first, the last ending at ``end``) summed to ``granularity``:
    half-hourly as they are, daily per UTC day, monthly per calendar month; newest first."""
    halves = [
        Period(end - (i + 1) * HALF_HOUR, end - i * HALF_HOUR, wh)
        for i, wh in enumerate(intervals_wh)
    ]
    if granularity is Granularity.HALF_HOURLY:
        return halves
    groups: dict[tuple[int, ...], list[Period]] = {}
    for period in halves:
        start = period.start
        key = (
            (start.year, start.month, start.day)
            if granularity is Granularity.DAILY
            else (start.year, start.month)
        )
        groups.setdefault(key, []).append(period)
    return [
        Period(min(p.start for p in group), max(p.end for p in group), sum(p.wh for p in group))
        for group in groups.values()
    ]


@dataclass(frozen=True)
class AccessRecord:
    """One data request as the household's data-access log keeps it.

    Attributes:
        key: The request's row in the status table.
        party: The requesting role.
        originator: Who signed the request.
        organisation: The requester's organisation, as its certificate names it.
        purpose: What for.
        fuel: ``electricity`` or ``gas``.
        asked: The granularity asked for.
        given: The granularity answered at (``None``: refused).
        period_start: The start of the period asked about.
        period_end: Its end.
        values: How many values were sent.
        reason: One sentence: what was sent or why nothing was.
        at: When the meter answered.
    """

    key: str
    party: str
    originator: str
    organisation: str
    purpose: str
    fuel: str
    asked: str
    given: str | None
    period_start: datetime
    period_end: datetime
    values: int
    reason: str
    at: datetime

    @property
    def granted(self) -> bool:
        """Whether any data left the meter."""
        return self.given is not None

    def to_details(self) -> dict[str, Any]:
        """As events and the display's ``data.access`` notice carry it."""
        return {
            "key": self.key,
            "party": self.party,
            "originator": self.originator,
            "organisation": self.organisation,
            "purpose": self.purpose,
            "fuel": self.fuel,
            "asked": self.asked,
            "given": self.given,
            "granted": self.granted,
            "period_start": self.period_start.isoformat(timespec="seconds"),
            "period_end": self.period_end.isoformat(timespec="seconds"),
            "values": self.values,
            "reason": self.reason,
            "at": self.at.isoformat(timespec="seconds"),
        }


class DataRequests:
    """Answers operators' data requests under the consumer's consent.

    Args:
        state: Where the consumer's consents are kept.
        history: The half-hourly history.
        responses: Signs an answer, seals it to the requester's certificate and hands it over
            (household data never leaves the meter in clear).
        events: Where events go.
        clock: The wall clock.
        recorded: Called with every answer or refusal (the household's data-access log).
    """

    def __init__(
        self,
        state: MeterState,
        history: HalfHourHistory,
        responses: DataResponses,
        *,
        events: EventLog,
        clock: Callable[[], datetime],
        recorded: Callable[[AccessRecord], object] | None = None,
    ) -> None:
        self._state = state
        self._history = history
        self._responses = responses
        self._events = events
        self._clock = clock
        self._recorded = recorded

    def answer(self, message: VerifiedMessage, record: MessageRecord, who: str) -> None:
        """Answer (or refuse) the verified ``data.request`` ``message`` for ``record``."""
        unit = message.unit
        assert unit is not None
        command = unit.command
        assert isinstance(command, GetProfile)
        party = message.role.value
        details = message.claims.details
        purpose = str(details.get("purpose") or default_purpose(party))
        asked = _granularity(details.get("granularity"))
        fuel = "gas" if unit.endpoint is Endpoint.GAS else "electricity"
        end = self._history.last_half_hour(command.end_time)
        start = end - command.number_of_periods * HALF_HOUR
        now = self._clock()
        record.carried_out_at = now
        decision = (
            decide(self._state.grants, party, purpose, asked, now)
            if asked is not None
            else Decision(
                Granularity.HALF_HOURLY,
                None,
                None,
                "none",
                f"{details.get('granularity')!r} is not a granularity the meter knows.",
            )
        )
        access = AccessRecord(
            key=record.key,
            party=party,
            originator=message.claims.issuer,
            organisation=who,
            purpose=purpose,
            fuel=fuel,
            asked=decision.asked.value,
            given=decision.given.value if decision.given else None,
            period_start=start,
            period_end=end,
            values=0,
            reason=decision.reason,
            at=now,
        )
        if decision.given is None:
            record.declined = True
            record.outcome = f"{decision.reason} The meter sent nothing to {who}."
            self._events.emit(
                "data.refused",
                party=party,
                purpose=purpose,
                originator=message.claims.issuer,
                key=record.key,
                asked=decision.asked.value,
                allowed=decision.allowed.value if decision.allowed else None,
                detail=record.outcome,
            )
            self._record(access)
            return
        intervals = self._history.energy_wh(fuel, end, command.number_of_periods)
        periods = aggregate(intervals, end, decision.given)
        sent = self._responses.send(
            message,
            DataResponse(record.key, fuel, end, decision.given.value, tuple(p.wh for p in periods)),
        )
        what = _PLURAL[decision.given]
        record.outcome = (
            f"{len(periods)} {what} of {fuel} data sent to {who} ({purpose}), encrypted to its "
            f"certificate ({sent.sealed_bytes:,} bytes)"
        )
        self._events.emit(
            "data.delivered",
            party=party,
            purpose=purpose,
            originator=message.claims.issuer,
            key=record.key,
            fuel=fuel,
            asked=decision.asked.value,
            granularity=decision.given.value,
            basis=decision.basis,
            periods=len(periods),
            end=end.isoformat(timespec="seconds"),
            **sent.event_fields(),
        )
        self._record(replace(access, values=len(periods), reason=record.outcome))

    def _record(self, access: AccessRecord) -> None:
        self._events.emit("data.access", **access.to_details())
        if self._recorded is not None:
            self._recorded(access)


def access_notice(access: AccessRecord) -> MessageRequest:
    """The meter's signed ``data.access`` notice of ``access`` for the household's displays.

    Its message id comes from the request's key, so that two notices never share one (the
    meter's messages of one id supersede each other)."""
    return MessageRequest(
        "data.access",
        message_id=int(access.key[:8], 16) or 1,
        extra_details={"access": access.to_details()},
    )


def _granularity(value: object) -> Granularity | None:
    if value is None:
        return Granularity.HALF_HOURLY
    try:
        return Granularity(str(value))
    except ValueError:
        return None


__all__ = ["AccessRecord", "DataRequests", "Period", "access_notice", "aggregate"]
