"""The meter's side of network data (seed use cases 01-07, 11, 13, 16, gas 01): one-off
``netdata.request`` answers and ``netdata.subscribe`` pushes at the operator's interval, each
under the consumer's consent or a licence exemption for the kind's purpose
(:mod:`ihd_app.protocol.network_data`), each signed by the meter and sealed to the requester's
certificate, each told to the household's data-access log.

A request the consent does not cover is refused with the reason and the kinds that party may
ask for; a range the meter holds nothing for is answered ``no-data`` (seed 01-03 3a2, 16 3a2).
Subscriptions and their pushes are :mod:`meter_emulator.operator.network_push`'s; each push is
decided and sealed here like an answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from cryptography import x509

from ihd_app.protocol.consent_terms import Decision, Granularity, decide
from ihd_app.protocol.errors import SealedResponseError
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.network_data import (
    DataKind,
    NetworkDataResponse,
    OpenedNetworkData,
    kind_named,
    kinds_for,
    seal_network_data,
)
from ihd_app.protocol.pki import Identity
from ihd_app.protocol.verification import VerifiedMessage
from meter_emulator.operator.data_requests import AccessRecord
from meter_emulator.operator.network_push import NetworkPushes, Subscription
from meter_emulator.operator.network_readings import HALF_HOUR, NetworkReadings
from meter_emulator.operator.status import MessageRecord
from meter_emulator.state import MeterState

#: The operator's end: role, request key and sealed bytes in, what the role's key opened out.
NetworkOperator = Callable[[str, str, bytes], OpenedNetworkData]


class NetworkDataService:
    """Answers and pushes network data under the consumer's consent.

    Args:
        state: The consumer's consents.
        readings: What the meter holds.
        meter: The meter's identity (signs).
        next_counter: The meter's next originator counter.
        operator: Where sealed answers go (the operator console opens them).
        events: Where events go.
        clock: The wall clock (stamps envelopes, judges consent).
        sim_now: The simulation clock (when pushes fall due).
        recorded: Told of every answer and refusal (the household's data-access log).
        keep: Also given each sealed answer (``--sealed-responses``).
    """

    def __init__(
        self,
        state: MeterState,
        readings: NetworkReadings,
        meter: Identity,
        next_counter: Callable[[], int],
        operator: NetworkOperator,
        *,
        events: EventLog,
        clock: Callable[[], datetime],
        sim_now: Callable[[], datetime],
        recorded: Callable[[AccessRecord], object] | None = None,
        keep: Callable[[str, bytes], None] | None = None,
    ) -> None:
        self._state = state
        self._readings = readings
        self._meter = meter
        self._next_counter = next_counter
        self._operator = operator
        self._events = events
        self._clock = clock
        self._sim_now = sim_now
        self._recorded = recorded
        self._keep = keep
        #: The subscriptions and their pushes.
        self.pushes = NetworkPushes(self, state, events=events, clock=clock, sim_now=sim_now)

    @property
    def subscriptions(self) -> list[Subscription]:
        """The running subscriptions, oldest first."""
        return self.pushes.subscriptions

    def tick(self, now: datetime | None = None) -> int:
        """Send the pushes due by ``now`` (see :meth:`NetworkPushes.tick`)."""
        return self.pushes.tick(now)

    async def run(self, poll_s: float = 1.0) -> None:
        """Push what falls due, checking every ``poll_s`` wall-clock seconds."""
        await self.pushes.run(poll_s)

    def act(self, message: VerifiedMessage, record: MessageRecord, who: str) -> None:
        """Carry out a verified ``netdata.*`` command for ``record``."""
        name = message.message_type.name
        record.carried_out_at = self._clock()
        if name == "netdata.request":
            self._request(message, record, who)
        elif name == "netdata.subscribe":
            self.pushes.subscribe(message, record, who)
        elif name == "netdata.unsubscribe":
            self.pushes.unsubscribe(message, record, who)

    # -- the consent rule for a kind ------------------------------------------------------------

    def decide_kind(
        self, message: VerifiedMessage, record: MessageRecord, who: str
    ) -> tuple[DataKind, Decision] | None:
        """The kind asked for and the consent decision on it, or ``None`` after refusing."""
        details = message.claims.details
        party = message.role.value
        kind = kind_named(details.get("kind"))
        may_ask = ", ".join(k.value for k in kinds_for(party)) or "nothing"
        if kind is None or kind.rule.party != party:
            self.refuse(
                message,
                record,
                who,
                kind.value if kind else str(details.get("kind")),
                f"{party} may ask for: {may_ask} (not {details.get('kind')!r}).",
            )
            return None
        rule = kind.rule
        purpose = str(details.get("purpose") or rule.purpose)
        asked = rule.fixed or _granularity(details.get("granularity"))
        if purpose != rule.purpose or asked is None:
            why = (
                f"{kind.value} is read for {rule.purpose}, not {purpose!r}."
                if purpose != rule.purpose
                else f"{details.get('granularity')!r} is not a granularity the meter knows."
            )
            self.refuse(message, record, who, kind.value, why)
            return None
        decision = decide(self._state.grants, party, purpose, asked, self._clock())
        if decision.given is None:
            if rule.fixed is not None and decision.allowed is not None:
                # Coarser data of a time-stamped kind does not exist: asking for it cannot help.
                said = decision.reason.split(";")[0]
                decision = replace(
                    decision,
                    allowed=None,
                    reason=f"{said}; {rule.title} are time-stamped, so they need the consumer's "
                    f"{rule.fixed.label.lower()} consent for {purpose}.",
                )
            self.refuse(message, record, who, kind.value, decision.reason, decision)
            return None
        return kind, decision

    def refuse(
        self,
        message: VerifiedMessage,
        record: MessageRecord,
        who: str,
        kind: str,
        reason: str,
        decision: Decision | None = None,
    ) -> None:
        party = message.role.value
        record.declined = True
        record.outcome = f"{reason} The meter sent nothing to {who}."
        purpose = str(message.claims.details.get("purpose") or "")
        known = kind_named(kind)
        self._events.emit(
            "netdata.refused",
            key=record.key,
            type=message.message_type.name,
            party=party,
            kind=kind,
            purpose=purpose or (known.rule.purpose if known else ""),
            allowed=decision.allowed.value if decision and decision.allowed else None,
            may_ask=[k.value for k in kinds_for(party)],
            detail=record.outcome,
        )
        now = self._clock()
        self._record(
            AccessRecord(
                key=record.key,
                party=party,
                originator=message.claims.issuer,
                organisation=who,
                purpose=purpose or (known.rule.purpose if known else "unspecified"),
                fuel=_fuel(known),
                asked=decision.asked.value if decision else "half-hourly",
                given=None,
                period_start=now,
                period_end=now,
                values=0,
                reason=f"{kind}: {reason}",
                at=now,
            )
        )

    # -- one-off requests -----------------------------------------------------------------------

    def _request(self, message: VerifiedMessage, record: MessageRecord, who: str) -> None:
        details = message.claims.details
        # The range is on the meter's (household's) clock, as its records are: up to its now
        # unless the request names an end.
        now = self._sim_now()
        periods = details.get("periods", 48)
        end = _moment(details["end"]) if "end" in details else now
        if not isinstance(periods, int) or not 1 <= periods <= 255 or end is None:
            self.refuse(
                message,
                record,
                who,
                str(details.get("kind")),
                "periods must be 1-255 half hours and end an ISO 8601 time with its offset.",
            )
            return
        decided = self.decide_kind(message, record, who)
        if decided is None:
            return
        kind, decision = decided
        assert decision.given is not None
        # Half-hourly kinds are taken to whole half hours by the readings; records are not.
        record.outcome = self.answer(
            message.role.value,
            record.key,
            message.certificate,
            message.claims.issuer,
            who,
            kind,
            decision,
            end - periods * HALF_HOUR,
            end,
            now=now,
            push=0,
        )

    def answer(
        self,
        role: str,
        key: str,
        certificate: x509.Certificate,
        originator: str,
        who: str,
        kind: DataKind,
        decision: Decision,
        start: datetime,
        end: datetime,
        *,
        now: datetime,
        push: int,
    ) -> str:
        """Sign, seal and hand over what the meter holds; one sentence of what was sent."""
        assert decision.given is not None
        holding = self._readings.holding(kind, start, end, decision.given, now)
        response = NetworkDataResponse(
            key,
            kind,
            "data" if holding.rows else "no-data",
            holding.start,
            holding.end,
            decision.given,
            tuple(holding.rows),
            holding.detail,
            push,
        )
        sealed = seal_network_data(
            self._meter,
            certificate,
            response,
            counter=self._next_counter(),
            issued_at=self._clock(),
        )
        if self._keep is not None:
            self._keep(f"{key}-{push}" if push else key, sealed)
        opened: OpenedNetworkData | None = None
        problem = None
        try:
            opened = self._operator(role, key, sealed)
        except SealedResponseError as error:
            problem = str(error)
        self._events.emit(
            "netdata.delivered",
            key=key,
            party=role,
            kind=kind.value,
            status=response.status,
            granularity=decision.given.value,
            basis=decision.basis,
            push=push,
            start=response.start.isoformat(timespec="seconds"),
            end=response.end.isoformat(timespec="seconds"),
            rows=len(response.rows),
            detail=holding.detail,
            sealed_bytes=len(sealed),
            opened_by_operator=opened is not None,
            operator_problem=problem,
            operator_rows=list(opened.response.rows) if opened is not None else None,
        )
        self._record(
            AccessRecord(
                key=key,
                party=role,
                originator=originator,
                organisation=who,
                purpose=kind.rule.purpose,
                fuel=_fuel(kind),
                asked=decision.asked.value,
                given=decision.given.value,
                period_start=response.start,
                period_end=response.end,
                values=len(response.rows),
                reason=f"{kind.value}: {holding.detail} sent to {who}, encrypted to its "
                f"certificate ({decision.basis}).",
                at=now,
            )
        )
        return (
            f"{holding.detail}: sent to {who} encrypted to its certificate "
            f"({len(sealed):,} bytes, {decision.basis})"
        )

    # -- subscriptions --------------------------------------------------------------------------

    def _record(self, access: AccessRecord) -> None:
        self._events.emit("data.access", **access.to_details())
        if self._recorded is not None:
            self._recorded(access)


def _granularity(value: object) -> Granularity | None:
    if value is None:
        return Granularity.HALF_HOURLY
    try:
        return Granularity(str(value))
    except ValueError:
        return None


def _moment(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def _fuel(kind: DataKind | None) -> str:
    return "gas" if kind is DataKind.GAS_DEMAND else "electricity"


__all__ = ["NetworkDataService", "NetworkOperator"]
