"""Network data pushed at the interval the operator set (seed 01 scenario 1, 04, 05): a signed
``netdata.subscribe`` starts it, ``netdata.unsubscribe`` from the same originator ends it, and
so does the consumer's consent once it no longer allows the data (checked before every push).
Each push carries the half hours completed since the one before, sealed like an answer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from cryptography import x509

from ihd_app.protocol.consent_terms import Decision, Granularity, decide
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.network_data import MAX_INTERVAL_MIN, MIN_INTERVAL_MIN, DataKind
from ihd_app.protocol.verification import VerifiedMessage
from meter_emulator.operator.status import MessageRecord
from meter_emulator.state import MeterState


class Answering(Protocol):
    """What pushes need of :class:`~meter_emulator.operator.network_data.NetworkDataService`."""

    def decide_kind(
        self, message: VerifiedMessage, record: MessageRecord, who: str
    ) -> tuple[DataKind, Decision] | None: ...

    def refuse(
        self,
        message: VerifiedMessage,
        record: MessageRecord,
        who: str,
        kind: str,
        reason: str,
        decision: Decision | None = None,
    ) -> None: ...

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
    ) -> str: ...


#: At most this many pushes catch up at once after the simulation jumps ahead.
MAX_CATCH_UP = 48


@dataclass
class Subscription:
    """A periodic push the operator set up.

    Attributes:
        key: The ``netdata.subscribe`` request's key.
        role: Who subscribed.
        originator: Its signer.
        organisation: As its certificate names it.
        certificate: What every push is sealed to.
        kind: What is pushed.
        purpose: What for.
        granularity: How finely.
        interval: How often (simulation time).
        since: The end of what has been pushed so far.
        next_due: When the next push is due.
        pushes: How many were sent.
    """

    key: str
    role: str
    originator: str
    organisation: str
    certificate: x509.Certificate
    kind: DataKind
    purpose: str
    granularity: Granularity
    interval: timedelta
    since: datetime
    next_due: datetime
    pushes: int = 0


class NetworkPushes:
    """The running subscriptions.

    Args:
        service: Decides, refuses and answers (seals and hands over).
        state: The consumer's consents (checked before every push).
        events: Where events go.
        clock: The wall clock (judges consent).
        sim_now: The simulation clock (when pushes fall due).
    """

    def __init__(
        self,
        service: Answering,
        state: MeterState,
        *,
        events: EventLog,
        clock: Callable[[], datetime],
        sim_now: Callable[[], datetime],
    ) -> None:
        self._service = service
        self._state = state
        self._events = events
        self._clock = clock
        self._sim_now = sim_now
        self._subscriptions: dict[str, Subscription] = {}

    @property
    def subscriptions(self) -> list[Subscription]:
        """The running subscriptions, oldest first."""
        return list(self._subscriptions.values())

    def subscribe(self, message: VerifiedMessage, record: MessageRecord, who: str) -> None:
        interval = message.claims.details.get("interval_min")
        if (
            not isinstance(interval, int)
            or isinstance(interval, bool)
            or not MIN_INTERVAL_MIN <= interval <= MAX_INTERVAL_MIN
            or interval % 30
        ):
            self._service.refuse(
                message,
                record,
                who,
                str(message.claims.details.get("kind")),
                f"interval_min must be whole half hours from {MIN_INTERVAL_MIN} to "
                f"{MAX_INTERVAL_MIN} minutes, not {interval!r}.",
            )
            return
        decided = self._service.decide_kind(message, record, who)
        if decided is None:
            return
        kind, decision = decided
        assert decision.given is not None
        now = self._sim_now()
        subscription = Subscription(
            record.key,
            message.role.value,
            message.claims.issuer,
            who,
            message.certificate,
            kind,
            kind.rule.purpose,
            decision.given,
            timedelta(minutes=interval),
            now,
            now + timedelta(minutes=interval),
        )
        self._subscriptions[record.key] = subscription
        record.outcome = f"{kind.value} pushed to {who} every {interval} minutes"
        self._events.emit(
            "netdata.subscribed",
            key=record.key,
            party=subscription.role,
            kind=kind.value,
            interval_min=interval,
            granularity=decision.given.value,
            next_due=subscription.next_due.isoformat(timespec="seconds"),
        )

    def unsubscribe(self, message: VerifiedMessage, record: MessageRecord, who: str) -> None:
        key = message.claims.details.get("subscription")
        subscription = self._subscriptions.get(key) if isinstance(key, str) else None
        if subscription is None or subscription.originator != message.claims.issuer:
            record.declined = True
            record.outcome = (
                f"No subscription {key!r} of {message.claims.issuer} runs on this meter."
            )
            self._events.emit(
                "netdata.refused",
                key=record.key,
                type=message.message_type.name,
                party=message.role.value,
                kind="",
                detail=record.outcome,
            )
            return
        self._stop(subscription, f"cancelled by {who}")
        record.outcome = f"the {subscription.kind.value} subscription is cancelled"

    def _stop(self, subscription: Subscription, why: str) -> None:
        del self._subscriptions[subscription.key]
        self._events.emit(
            "netdata.push-stopped",
            key=subscription.key,
            party=subscription.role,
            kind=subscription.kind.value,
            pushes=subscription.pushes,
            reason=why,
        )

    def tick(self, now: datetime | None = None) -> int:
        """Send every push due by ``now`` (simulation time; default: the simulation clock's
        now), each after checking the consent again.

        Returns:
            How many pushes were sent.
        """
        now = now or self._sim_now()
        sent = 0
        for subscription in self.subscriptions:
            caught_up = 0
            while subscription.next_due <= now and caught_up < MAX_CATCH_UP:
                decision = decide(
                    self._state.grants,
                    subscription.role,
                    subscription.purpose,
                    subscription.granularity,
                    self._clock(),
                )
                if decision.given is None:
                    self._stop(subscription, decision.reason)
                    break
                due = subscription.next_due
                subscription.pushes += 1
                self._service.answer(
                    subscription.role,
                    subscription.key,
                    subscription.certificate,
                    subscription.originator,
                    subscription.organisation,
                    subscription.kind,
                    decision,
                    subscription.since,
                    due,
                    now=due,
                    push=subscription.pushes,
                )
                subscription.since = due
                subscription.next_due = due + subscription.interval
                sent += 1
                caught_up += 1
        return sent

    async def run(self, poll_s: float = 1.0) -> None:
        """Push what falls due, checking every ``poll_s`` wall-clock seconds."""
        while True:
            await asyncio.sleep(poll_s)
            self.tick()


__all__ = ["MAX_CATCH_UP", "Answering", "NetworkPushes", "Subscription"]
