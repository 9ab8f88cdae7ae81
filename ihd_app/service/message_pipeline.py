"""Every envelope the meter forwards to the display: kept in order until it can be stored,
verified, then either applied (a message to the inbox, a cancellation, a tariff, an entry of the
household's data-access log) in the same
transaction as its replay counter's advance, or refused (security log entry, signed error
notification back to its originator)."""

from __future__ import annotations

import hashlib
import sqlite3
from collections import deque
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from ihd_app.core.data_access import access_from_details
from ihd_app.core.inbox import message_from_verified
from ihd_app.core.model import OutboxKind, SecurityEvent
from ihd_app.core.readings import Fuel
from ihd_app.core.tariff import tariff_from_verified
from ihd_app.core.tou_calendar import CALENDAR_PIECES, TouCalendar
from ihd_app.core.tou_tariff import is_tier_price, tariff_from_calendar
from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.pki import TrustStore
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.verification import Verdict, VerifiedMessage, Verifier
from ihd_app.protocol.zcl import DisplayMessage, PublishPrice, PublishTariffInformation
from ihd_app.service.api import Topic
from ihd_app.service.inbox_keeper import InboxKeeper
from ihd_app.service.replies import ReplySigner
from ihd_app.service.storage_health import StorageHealth
from ihd_app.store.data_access import DataAccessLog
from ihd_app.store.database import Database
from ihd_app.store.outbox import Outbox
from ihd_app.store.replay_counters import SqliteReplayCounters
from ihd_app.store.security_log import SecurityLog
from ihd_app.store.tariffs import TariffRepository
from ihd_app.store.tou_calendars import TouCalendarStore


class MessagePipeline:
    """Verifies, stores and applies (or refuses) the envelopes the meter forwards.

    Args:
        db: The database (one transaction per envelope).
        inbox: The display's inbox.
        tariffs: Where tariffs are stored.
        security_log: Where refusals are logged.
        outbox: Where error notifications wait for delivery.
        trust: Trust store for verification.
        policy: Authorisation policy for verification.
        signer: The display's reply signer, once a meter is known.
        emit: Where DESIGN.md §8 events go.
        notify: Tells listeners what changed (topic, detail).
        wake: Wakes the delivery loop.
        storage: Reports failed writes and the recovery after them.
        clock: Current time.
        meter_certificate: The meter's certificate as the link's last handshake verified it
            (the meter's own envelopes on the link may carry only its key id).
        access_log: Where the meter's ``data.access`` notices are kept (the household's
            data-access log).
        tou_calendars: Where time-of-use calendar pieces are collected (without it, calendar
            pieces are verified but not applied).
        demand: Takes a verified ``demand.event`` (flexibility events).
    """

    def __init__(
        self,
        db: Database,
        inbox: InboxKeeper,
        tariffs: TariffRepository,
        security_log: SecurityLog,
        outbox: Outbox,
        *,
        trust: TrustStore,
        policy: Policy,
        signer: Callable[[], ReplySigner | None],
        emit: Callable[..., Any],
        notify: Callable[[Topic, str], None],
        wake: Callable[[], None],
        storage: StorageHealth,
        clock: Callable[[], datetime],
        meter_certificate: Callable[[], bytes | None] = lambda: None,
        access_log: DataAccessLog | None = None,
        tou_calendars: TouCalendarStore | None = None,
        demand: Callable[[VerifiedMessage, datetime], None] | None = None,
        prepay: Callable[[VerifiedMessage], bool] | None = None,
    ) -> None:
        self._db = db
        self._inbox = inbox
        self._tariffs = tariffs
        self._security_log = security_log
        self._outbox = outbox
        self._trust = trust
        self._policy = policy
        self._signer = signer
        self._emit = emit
        self._notify = notify
        self._wake = wake
        self._storage = storage
        self._clock = clock
        self._meter_certificate = meter_certificate
        self._access_log = access_log
        self._tou_calendars = tou_calendars
        self._demand = demand
        self._prepay = prepay
        self._verifier: Verifier | None = None
        self._early_messages: list[bytes] = []
        #: Verified-or-not envelopes that could not be stored (disk full), oldest first.
        self._unstored: deque[bytes] = deque()

    @property
    def waiting(self) -> int:
        """How many envelopes wait in memory for storage."""
        return len(self._unstored)

    def start(self, targets: Collection[str]) -> None:
        """Verify from now on, beginning with the envelopes that arrived early.

        Args:
            targets: Who envelopes may be addressed to: this display or its meter (operators
                address the meter; it forwards the identical bytes).
        """
        self._verifier = Verifier(
            self._trust,
            self._policy,
            SqliteReplayCounters(self._db),
            targets,
            clock=self._clock,
            message_owner=self._inbox.owner_of,
            session_signers=lambda _kid, _session: self._meter_certificate(),
        )
        early, self._early_messages = self._early_messages, []
        for data in early:
            self.on_message(data)

    def on_message(self, data: bytes) -> None:
        """An envelope from the meter."""
        if self._verifier is None:
            # Indications can arrive between subscribing and reading who the meter is; keep
            # them until the verifier exists rather than confirming and losing them.
            self._early_messages.append(data)
            return
        # In order, behind any waiting for space: stored before an older message of its
        # originator, a newer one would make the older a replay.
        self._unstored.append(data)
        if len(self._unstored) == 1:
            self.store_waiting()

    def store_waiting(self) -> None:
        """Verify and store the envelopes waiting for storage, oldest first, until one fails.

        The replay counter's advance and what the envelope carries commit together: a crash
        (or a full disk) between the two would leave the counter advanced and the message lost
        (the meter's re-delivery refused as a replay). A message that cannot be stored stays in
        memory and is tried again every second, so it is shown once space returns.
        """
        stored = False
        while self._unstored:
            try:
                with self._db.transaction():
                    self._handle_message(self._unstored[0], self._clock())
            except sqlite3.Error as exc:
                # Nothing of it was committed: forget what memory holds of it.
                self._inbox.reload()
                self._storage.failed(exc)
                return
            self._unstored.popleft()
            stored = True
        if stored:
            self._storage.succeeded()

    def _handle_message(self, data: bytes, now: datetime) -> None:
        assert self._verifier is not None
        verdict = self._verifier.verify(data)
        if not verdict.accepted:
            self._refuse(verdict, data, now)
            return
        message = verdict.message
        assert message is not None
        command = message.unit.command if message.unit is not None else None
        self._emit(
            "message.accepted",
            id=getattr(command, "message_id", None),
            type=message.message_type.name,
            role=message.role.value,
            originator=message.signer.entity_id,
            organisation=message.signer.organisation,
            text=getattr(command, "message", None),
        )
        try:
            if isinstance(command, DisplayMessage):
                update = self._inbox.inbox.receive(
                    message_from_verified(message, received_at=now, envelope=data), now
                )
                self._inbox.apply(update)
                self._inbox.display_due(now)
            elif message.message_type.name == "message.cancel":
                self._inbox.apply(self._inbox.inbox.apply_cancel(message, now))
            elif message.message_type.name == "tariff.price":
                self._apply_tariff(message, now)
            elif message.message_type.name == "demand.event" and self._demand is not None:
                self._demand(message, now)
            elif message.message_type.name.startswith("prepay.") and self._prepay is not None:
                self._prepay(message)
            elif message.message_type.name == "data.access" and self._access_log is not None:
                entry = access_from_details(message.claims.details)
                if self._access_log.add(entry):
                    self._emit(
                        "data.access.logged",
                        key=entry.key,
                        party=entry.party,
                        purpose=entry.purpose,
                        granted=entry.granted,
                        given=entry.given,
                    )
                    self._notify(Topic.DATA_ACCESS, entry.party)
        except IhdError as exc:
            # Verified but not applicable (e.g. a cancel for an unknown message): log it.
            self._emit("message.not-applied", type=message.message_type.name, detail=str(exc))

    def _apply_tariff(self, message: VerifiedMessage, now: datetime) -> None:
        """A verified ``tariff.price``: a price, tariff information or a calendar piece."""
        fuel = Fuel.of(message.unit.endpoint) if message.unit else Fuel.ELECTRICITY
        command = message.unit.command if message.unit else None
        current = self._tariffs.current(fuel, self._clock())
        calendars = self._tou_calendars
        calendar = calendars.load(fuel) if calendars else None
        if calendars is not None and (
            isinstance(command, CALENDAR_PIECES)
            or (isinstance(command, PublishPrice) and is_tier_price(command, calendar))
        ):
            assert command is not None
            calendar = (calendar or TouCalendar.empty()).add(command)
            calendars.save(fuel, calendar)
            self._emit("tariff.calendar-piece", fuel=fuel.value, piece=type(command).__name__)
            if not calendar.complete:
                self._notify(Topic.TARIFF, "")
                return
            tariff = tariff_from_calendar(current, calendar, fuel=fuel, received_at=now)
        else:
            tariff = tariff_from_verified(current, message, received_at=now)
            if calendars is not None and isinstance(command, PublishPrice):
                calendars.drop(fuel)  # a flat or banded price replaces the calendar
            elif (
                calendars is not None
                and calendar is not None
                and isinstance(command, PublishTariffInformation)
            ):
                # Matrix prices are scaled by the tariff's PriceTrailingDigit (high nibble).
                digits = command.price_trailing_digit
                calendar = calendar.with_trailing_digits(digits >> 4 if digits > 0x0F else digits)
                calendars.save(fuel, calendar)
        self._tariffs.save(tariff)
        self._emit("tariff.updated", fuel=fuel.value, name=tariff.name)
        self._notify(Topic.TARIFF, "")

    def _refuse(self, verdict: Verdict, data: bytes, now: datetime) -> None:
        assert verdict.reason is not None
        claims = verdict.claims
        signer = self._signer()
        event = SecurityEvent(
            at=now,
            reason=verdict.reason.value,
            detail=verdict.detail,
            explanation=verdict.reason.explanation,
            claimed_originator=claims.issuer if claims else "",
            claimed_type=claims.type if claims else "",
            size=len(data),
            notified=signer is not None,
        )
        self._security_log.append(event)
        self._emit("message.rejected", reason=verdict.reason.value, detail=verdict.detail)
        if signer is not None:
            refers_to = claims.token_id.hex() if claims else hashlib.sha256(data).hexdigest()[:32]
            envelope = signer.error(
                Reason(verdict.reason), refers_to, claims.issuer if claims else ""
            )
            digest = hashlib.sha256(data).hexdigest()
            self._outbox.enqueue(OutboxKind.ERROR, f"error:{digest}", envelope, now)
            self._wake()
        self._notify(Topic.SECURITY_LOG, verdict.reason.value)
