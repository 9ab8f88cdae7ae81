"""The IHD service: everything behind the display's screens, without Qt.

It opens the radio, keeps the MeterLink up, verifies every envelope, stores messages and their
history, runs the inbox state machine, signs and delivers replies through the durable outbox,
keeps readings and history, and tells listeners (the window, the headless event log) what
changed. The UI and ``ihd --headless`` both drive this one object.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import sqlite3
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ihd_app.core.aggregation import Period, PeriodKind, aggregate, intervals_from_readings
from ihd_app.core.inbox import Inbox, InboxUpdate, PendingCancelAll, message_from_verified
from ihd_app.core.model import (
    Consent,
    InboxMessage,
    Interval,
    OutboxItem,
    OutboxKind,
    PairedMeter,
    SecurityEvent,
    Tariff,
)
from ihd_app.core.readings import Fuel, Reading, ReadingTracker
from ihd_app.core.tariff import cost_pence, tariff_from_verified
from ihd_app.link.bumble_backend.security import UNPROTECTED, LinkSecurity
from ihd_app.link.meter_link import (
    LinkError,
    LinkState,
    MeterLink,
    PairingRefusedError,
    ReconnectPolicy,
    ScanResult,
    raise_if_cancelled,
)
from ihd_app.link.pairing import PairingAnswers
from ihd_app.link.radios import OpenRadio, open_radio, set_aside_damaged_bonds
from ihd_app.protocol.errors import DecodeError, IhdError
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import TrustStore, load_identity
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.private_dir import make_private_dir
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.resources import default_policy_path, demo_pki_dir, demo_trust_dir
from ihd_app.protocol.set_aside import SET_ASIDE_EVENT
from ihd_app.protocol.verification import Verdict, Verifier
from ihd_app.protocol.zcl import (
    DisplayMessage,
    Endpoint,
    GetProfileResponse,
    ReportAttributes,
    decode_unit,
)
from ihd_app.protocol.zcl.primitives import utc_to_datetime
from ihd_app.service import developer
from ihd_app.service.api import (
    BackfillProgress,
    Change,
    ConnectionProblem,
    PairingRequest,
    Topic,
    UsageRange,
)
from ihd_app.service.connection import ConnectionKeeper
from ihd_app.service.live_totals import HALF_HOUR, LiveTotals, half_hour_floor
from ihd_app.service.pairing import InteractivePairing, ReportedAnswers
from ihd_app.service.replies import ReplySigner
from ihd_app.store.consents import ConsentRepository
from ihd_app.store.database import Database
from ihd_app.store.messages import MessageRepository
from ihd_app.store.outbox import Outbox
from ihd_app.store.paired_meter import PairedMeterRepository
from ihd_app.store.readings import ReadingsRepository, retention_cutoff
from ihd_app.store.replay_counters import SqliteReplayCounters
from ihd_app.store.security_log import SecurityLog
from ihd_app.store.settings import JsonValue, Settings
from ihd_app.store.tariffs import TariffRepository
from ihd_app.store.wipe import wipe_personal_data

logger = logging.getLogger(__name__)

LIVE_WINDOW = timedelta(minutes=10)
#: 13 months of half hours, the history a new display asks its meter for.
BACKFILL_PERIODS = 13 * 31 * 48
#: GetProfile's NumberOfPeriods is a u8.
PERIODS_PER_REQUEST = 255
GAS_WH_PER_DM3 = 1.02264 * 39.5 / 3.6
COUNTER_SETTING = "ihd.reply_counter"
PENDING_CANCELS_SETTING = "inbox.pending_cancellations"
#: Who may ask the meter for half-hourly data, each only with the consumer's consent.
CONSENT_PARTIES = ("dno", "gdn", "supplier")


@dataclass
class ServiceConfig:
    """How the service runs.

    Attributes:
        radio: Which radio.
        data_dir: Database and bonds.
        trust_dir: Trust store.
        pki_dir: Where the display's identity is.
        auto_ack: Acknowledge every displayed message that asks for it (headless tests).
        accept_pairing: Headless: confirm pairing automatically; ``None``: ask the UI.
        address: Connect to this meter instead of the first heard.
        btsnoop: HCI capture.
        backfill: Ask for 13 months of history after pairing.
        auto_connect: After start, keep connected by itself (:class:`ConnectionKeeper`):
            open the radio whenever it is there, connect to the paired meter, else to
            ``address``, else to the first meter heard (pairing then asks the consumer),
            reconnect when the radio comes back; a refused pairing waits for
            :meth:`IhdService.pair_again`.
        search_timeout_s: How long one scan for a meter lasts before scanning again.
    """

    radio: RadioSpec
    data_dir: Path
    trust_dir: Path = field(default_factory=demo_trust_dir)
    pki_dir: Path = field(default_factory=demo_pki_dir)
    auto_ack: bool = False
    accept_pairing: bool | None = None
    address: str | None = None
    btsnoop: Path | None = None
    backfill: bool = True
    auto_connect: bool = False
    search_timeout_s: float = 10.0


class IhdService:
    """The display's application service (implements :class:`IhdServiceApi`).

    Args:
        config: How to run.
        events: Where DESIGN.md §8 events go.
        pairing: Who answers pairing questions; ``None`` asks through :attr:`pairing_request`.
        clock: Current time.
    """

    def __init__(
        self,
        config: ServiceConfig,
        events: EventLog,
        *,
        pairing: PairingAnswers | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.events = events
        self._clock = clock
        self._listeners: list[Callable[[Change], None]] = []
        self._interactive = InteractivePairing(lambda: self._notify(Topic.PAIRING))
        self._pairing = ReportedAnswers(pairing or self._interactive, events.emit)
        self.identity = load_identity(config.pki_dir, "ihd")
        self._trust = TrustStore.from_directory(config.trust_dir)
        self._policy = Policy.from_file(default_policy_path())
        self.db = Database.in_data_dir(make_private_dir(config.data_dir))
        self.messages = MessageRepository(self.db)
        self.outbox = Outbox(self.db)
        self.readings_store = ReadingsRepository(self.db)
        self.security_store = SecurityLog(self.db)
        self.tariffs = TariffRepository(self.db)
        self.consent_store = ConsentRepository(self.db)
        self.paired = PairedMeterRepository(self.db)
        self.settings = Settings(self.db)
        self.inbox = self._stored_inbox()
        self._tracker = ReadingTracker()
        self._live: dict[Fuel, deque[Reading]] = {fuel: deque() for fuel in Fuel}
        self._radio: OpenRadio | None = None
        self.link: MeterLink | None = None
        self._verifier: Verifier | None = None
        self._signer: ReplySigner | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._outbox_wakeup = asyncio.Event()
        self._backfill = BackfillProgress(0, 0, False)
        self._backfill_received: dict[Fuel, int] = {}
        self._history_plan: deque[tuple[Fuel, datetime, int]] = deque()
        #: Verified-or-not envelopes that could not be stored (disk full), oldest first.
        self._unstored: deque[bytes] = deque()
        self._storage_error: str | None = None
        self._early_messages: list[bytes] = []
        self.live_totals = LiveTotals(self.readings_store)
        self._next_history_refresh: datetime | None = None
        self._stopping = False
        self.keeper = ConnectionKeeper(
            self,
            events.emit,
            lambda: self._notify(Topic.LINK, "connection problem"),
            str(config.radio),
            search_timeout_s=config.search_timeout_s,
        )

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self, *, open_now: bool = True) -> None:
        """Start the background work; with ``auto_connect`` keep the display connected (the
        radio may not be there yet), otherwise open the radio (not the connection: see
        connect) unless ``open_now`` is false (the caller runs :attr:`keeper` itself).

        Raises:
            IhdError: Without ``auto_connect``: the radio cannot be opened.
        """
        if not hasattr(self, "_recent_events"):
            # The developer panel's event log shows what happened before it was opened.
            self._recent_events = developer.recent_events_buffer()
            self.events.subscribe(self._recent_events.append)
            if self.db.set_aside is not None:
                # Told once the window (or --headless) listens: the database opened before.
                self.events.emit(SET_ASIDE_EVENT, **self.db.set_aside.event_fields())
        self.readings_store.maintain(self._clock())
        self._resume_signer()
        self.live_totals.resume()
        self._spawn(self._tick_loop(), "inbox-tick")
        self._spawn(self._outbox_loop(), "outbox")
        if self.config.auto_ack:
            self._acknowledge_displayed()
        if self.config.auto_connect:
            self._spawn(self.keeper.run(), "keep-connected")
        elif open_now:
            await self.open_radio()

    def radio_is_open(self) -> bool:
        """Whether the radio is open (there is a MeterLink to use)."""
        return self.link is not None

    @property
    def connection_problem(self) -> ConnectionProblem | None:
        return self.keeper.problem

    def pair_again(self) -> None:
        self.keeper.pair_again()

    async def connect_until_connected(self, search_timeout_s: float = 10.0) -> None:
        """Connect to the paired meter, else ``config.address``, else the first meter heard,
        retrying with backoff until connected.

        Raises:
            PairingRefusedError: Pairing was refused; retrying would not help until someone acts.
        """
        link = self.link
        assert link is not None
        backoff = ReconnectPolicy(initial_s=0.5, max_s=10.0)
        rng = random.Random()  # noqa: S311 - jitter, not a secret
        attempt = 0
        while link.state is not LinkState.CONNECTED:
            # A cancellation swallowed by an inner wait_for (Python 3.11) must still end this.
            raise_if_cancelled()
            if self._stopping:
                raise asyncio.CancelledError
            known = self.paired.get()
            target: ScanResult | str | None = known.address if known else self.config.address
            try:
                if target is None:
                    self.events.emit("link.searching", radio=str(self.config.radio))
                    try:
                        target = await link.find_meter(search_timeout_s)
                    except LinkError as exc:
                        self.events.emit("link.not-found", detail=str(exc))
                        continue  # scanning again is the backoff: it lasts search_timeout_s
                    self.events.emit(
                        "link.found", name=target.name, address=target.address, rssi=target.rssi
                    )
                await self.connect(target)
            except PairingRefusedError:
                raise
            except LinkError as exc:
                delay = backoff.delay(min(attempt, 6), rng)
                attempt += 1
                self.events.emit("link.connect-failed", detail=str(exc), retry_in_s=delay)
                self._notify(Topic.LINK, "connect failed")
                await asyncio.sleep(delay)  # backoff between attempts

    async def open_radio(self) -> None:
        """(Re)open the radio and make a new MeterLink on it.

        The rest of the display keeps working while the radio is away: messages start, show,
        expire and are acknowledged, and replies wait in the outbox.

        Raises:
            IhdError: The radio cannot be opened.
        """
        damaged = set_aside_damaged_bonds(self.config.data_dir)
        if damaged is not None:
            self.events.emit(SET_ASIDE_EVENT, **damaged.event_fields())
        self._radio = await open_radio(
            self.config.radio,
            data_dir=self.config.data_dir,
            pairing=self._pairing,
            btsnoop=self.config.btsnoop,
        )
        self.link = MeterLink(
            self._radio.backend,
            emit=self._link_event,
            on_metering=self._on_metering,
            on_message=self._on_message,
            on_history=self._on_history,
        )

    async def close_radio(self) -> None:
        """Close the link and the radio (after the radio was lost, or before reopening it)."""
        link, self.link = self.link, None
        radio, self._radio = self._radio, None
        if link is not None:
            await link.close()
        if radio is not None:
            await radio.close()
        self._notify(Topic.LINK, "radio closed")

    def _spawn(self, coroutine: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            logger.error("service task %s failed", task.get_name(), exc_info=error)
            self.events.emit("service.error", task=task.get_name(), error=str(error))

    async def close(self) -> None:
        """Stop everything, close the link, the radio and the database."""
        self._stopping = True
        self.keeper.stop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.close_radio()
        self.db.close()

    async def radio_lost(self) -> None:
        """Return when the radio goes away."""
        assert self._radio is not None
        await self._radio.lost()

    # -- notifications -----------------------------------------------------------------------

    def subscribe(self, listener: Callable[[Change], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self, topic: Topic, detail: str = "") -> None:
        for listener in list(self._listeners):
            listener(Change(topic, detail))

    def _link_event(self, event: str, **fields: Any) -> None:
        self.events.emit(event, **fields)
        if event == "link.ready":
            self._outbox_wakeup.set()  # deliver what waited while the link was down
        self._notify(Topic.LINK, event)

    # -- state -------------------------------------------------------------------------------

    @property
    def link_state(self) -> LinkState:
        return self.link.state if self.link is not None else LinkState.IDLE

    @property
    def security(self) -> LinkSecurity:
        return self.link.security if self.link is not None else UNPROTECTED

    @property
    def paired_meter(self) -> PairedMeter | None:
        return self.paired.get()

    def latest_reading(self, fuel: Fuel) -> Reading | None:
        return self._tracker.latest(fuel)

    def live_readings(self, fuel: Fuel) -> Sequence[Reading]:
        return list(self._live[fuel])

    def current_messages(self) -> Sequence[InboxMessage]:
        return self.inbox.current()

    def past_messages(self) -> Sequence[InboxMessage]:
        return self.inbox.past()

    def takeover_message(self) -> InboxMessage | None:
        return self.inbox.takeover()

    def security_log(self) -> Sequence[SecurityEvent]:
        return self.security_store.events()

    def tariff(self, fuel: Fuel) -> Tariff | None:
        return self.tariffs.current(fuel, self._clock())

    def consents(self) -> Sequence[Consent]:
        """Every party's consent; parties never asked are listed as not allowed."""
        stored = {c.party: c for c in self.consent_store.all()}
        never = datetime.fromtimestamp(0, UTC)
        for party in CONSENT_PARTIES:
            stored.setdefault(party, Consent(party, False, never))
        return sorted(stored.values(), key=lambda c: c.party)

    @property
    def backfill(self) -> BackfillProgress:
        return self._backfill

    @property
    def pairing_request(self) -> PairingRequest | None:
        return self._interactive.request

    def usage(self, fuel: Fuel, span: UsageRange, end: datetime) -> Sequence[Interval]:
        if span is UsageRange.LIVE:
            return intervals_from_readings(self._live[fuel])
        kind = {
            UsageRange.DAY: PeriodKind.DAY,
            UsageRange.WEEK: PeriodKind.WEEK,
            UsageRange.MONTH: PeriodKind.MONTH,
            UsageRange.YEAR: PeriodKind.YEAR,
        }[span]
        # ``end`` is exclusive (the UI passes the midnight after today): the period is the one
        # holding the instant just before it.
        period = Period.containing(kind, end - timedelta(microseconds=1))
        raw = self.readings_store.intervals(fuel, period.start, period.end)
        return aggregate(raw, period, fuel)

    def cost_pence(self, fuel: Fuel, intervals: Sequence[Interval]) -> float:
        tariff = self.tariff(fuel)
        return 0.0 if tariff is None else cost_pence(tariff, intervals)

    # -- actions -----------------------------------------------------------------------------

    async def scan(self, timeout_s: float = 5.0) -> Sequence[ScanResult]:
        """Look for meters.

        Raises:
            LinkError: The radio is not open (with the reason it could not be opened).
        """
        return await self._open_link().scan(timeout_s)

    def _open_link(self) -> MeterLink:
        if self.link is None:
            problem = self.keeper.problem
            raise LinkError(
                "the radio is not open yet"
                + (f" ({problem.detail})" if problem is not None else "")
                + "; the display keeps trying and connects when the meter appears"
            )
        return self.link

    async def connect(self, target: ScanResult | str) -> None:
        """Connect to (and if needed pair with) a meter, then start backfill and delivery.

        Raises:
            LinkError: The connection failed; PairingRefusedError if pairing was refused.
        """
        device = target.device if isinstance(target, ScanResult) else target
        await self._open_link().connect(device)
        self._on_connected()

    def _on_connected(self) -> None:
        assert self.link is not None
        info = self.link.meter_info
        assert info is not None
        now = self._clock()
        known = self.paired.get()
        client_address = self.link.address or ""
        if known is None or known.meter_id != info.meter_id:
            self.paired.save(
                PairedMeter(
                    address=client_address,
                    meter_id=info.meter_id,
                    name=info.name,
                    certificate_sha256=info.certificate_sha256,
                    paired_at=now,
                    last_seen=now,
                )
            )
        else:
            self.paired.touch(now)
        # Messages addressed to this display or to its meter (operators address the meter; it
        # forwards the identical bytes).
        self._verifier = Verifier(
            self._trust,
            self._policy,
            SqliteReplayCounters(self.db),
            {self.identity.entity_id, info.meter_id},
            clock=self._clock,
            message_owner=self._owner_of,
        )
        self._signer = self._reply_signer(info.meter_id)
        early, self._early_messages = self._early_messages, []
        for data in early:
            self._on_message(data)
        self._queue_consent()
        self._outbox_wakeup.set()
        self.keeper.connected()
        self._notify(Topic.LINK, "connected")
        if self.config.backfill:
            self._plan_backfill()

    def _reply_signer(self, meter_id: str) -> ReplySigner:
        return ReplySigner(
            self.identity,
            meter_id,
            lambda: _int_or_none(self.settings.get(COUNTER_SETTING)),
            lambda counter: self.settings.set(COUNTER_SETTING, counter),
            self._clock,
        )

    def _resume_signer(self) -> None:
        """Sign replies for the paired meter from the start, before it is in range: an
        acknowledgement given while the meter is away waits in the outbox instead of being
        dropped for want of someone to address it to."""
        known = self.paired.get()
        if known is not None and self._signer is None:
            self._signer = self._reply_signer(known.meter_id)

    def _owner_of(self, message_id: int) -> str | None:
        # Ask the inbox as it is when the cancel arrives: it is replaced on every change.
        return self.inbox.owner_of(message_id)

    async def forget_meter(self) -> None:
        if self.link is not None:
            await self.link.forget()
        self.paired.forget()
        self._notify(Topic.LINK, "forgotten")

    async def acknowledge(self, key: str) -> None:
        now = self._clock()
        update = self.inbox.acknowledge(key, now)
        self._apply(update)

    def answer_pairing(self, accepted: bool, passkey: int | None = None) -> None:
        self._interactive.answer(accepted, passkey)

    async def set_consent(self, party: str, allowed: bool) -> None:
        now = self._clock()
        self.consent_store.save(Consent(party, allowed, now))
        self._queue_consent()
        self.events.emit("consent.changed", party=party, allowed=allowed)
        self._notify(Topic.CONSENT)

    def _queue_consent(self) -> None:
        """Queue the consumer's choices for the meter, once per change.

        Called on every change and on every connection: a choice made while no meter was known
        (no signer yet) or while the link was down still reaches the meter, which enforces it.
        """
        choices = self.consent_store.all()
        if self._signer is None or not choices:
            return
        key = f"consent:{max(c.changed_at for c in choices).isoformat()}"
        if self.outbox.get(key) is not None:
            return  # this state of the choices is queued or delivered already
        envelope = self._signer.consent({c.party: c.allowed for c in choices})
        self.outbox.enqueue(OutboxKind.CONSENT, key, envelope, self._clock())
        self._outbox_wakeup.set()

    async def wipe_local_data(self) -> None:
        counts = wipe_personal_data(self.db)
        self.inbox = self._stored_inbox()
        for fuel in Fuel:
            self._live[fuel].clear()
        self.events.emit("privacy.wiped", rows=sum(counts.values()))
        for topic in (Topic.INBOX, Topic.SECURITY_LOG, Topic.READING, Topic.CONSENT, Topic.LINK):
            self._notify(topic)

    # -- the message pipeline ----------------------------------------------------------------

    def _on_message(self, data: bytes) -> None:
        if self._verifier is None:
            # Indications can arrive between subscribing and reading who the meter is; keep
            # them until the verifier exists rather than confirming and losing them.
            self._early_messages.append(data)
            return
        # In order, behind any waiting for space: stored before an older message of its
        # originator, a newer one would make the older a replay.
        self._unstored.append(data)
        if len(self._unstored) == 1:
            self._store_unstored()

    def _store_unstored(self) -> None:
        """Verify and store the envelopes waiting for storage, oldest first, until one fails.

        The replay counter's advance and what the envelope carries commit together: a crash
        (or a full disk) between the two would leave the counter advanced and the message lost
        (the meter's re-delivery refused as a replay). A message that cannot be stored stays in
        memory and is tried again every second, so it is shown once space returns.
        """
        stored = False
        while self._unstored:
            try:
                with self.db.transaction():
                    self._handle_message(self._unstored[0], self._clock())
            except sqlite3.Error as exc:
                # Nothing of it was committed: forget what memory holds of it.
                self.inbox = self._stored_inbox()
                self._storage_failed(exc)
                return
            self._unstored.popleft()
            stored = True
        if stored:
            self._storage_recovered()

    def _storage_failed(self, exc: sqlite3.Error) -> None:
        """Report a failed write once per failure (``storage.error``); nothing crashes."""
        full = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
        reason = "disk-full" if full else "storage-error"
        if self._storage_error == reason:
            return
        self._storage_error = reason
        logger.error("cannot write the database: %s", exc)
        self.events.emit(
            "storage.error",
            reason=reason,
            detail=str(exc),
            waiting=len(self._unstored),
            explanation=(
                "The display's storage is full: messages are kept in memory and shown once "
                "space is freed."
                if full
                else "The display cannot write its database; it keeps trying."
            ),
        )

    def _storage_recovered(self) -> None:
        """After a failure: everything waiting is stored; say so and resume the backfill."""
        if self._storage_error is None or self._unstored:
            return
        self._storage_error = None
        self.events.emit("storage.recovered")
        self._outbox_wakeup.set()
        link = self.link
        if self.config.backfill and link is not None and link.state is LinkState.CONNECTED:
            self._plan_backfill()

    def _handle_message(self, data: bytes, now: datetime) -> None:
        assert self._verifier is not None
        verdict = self._verifier.verify(data)
        if not verdict.accepted:
            self._refuse(verdict, data, now)
            return
        message = verdict.message
        assert message is not None
        command = message.unit.command if message.unit is not None else None
        self.events.emit(
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
                update = self.inbox.receive(
                    message_from_verified(message, received_at=now, envelope=data), now
                )
                self._apply(update)
                self._display_due(now)
            elif message.message_type.name == "message.cancel":
                self._apply(self.inbox.apply_cancel(message, now))
            elif message.message_type.name == "tariff.price":
                fuel = Fuel.of(message.unit.endpoint) if message.unit else Fuel.ELECTRICITY
                tariff = tariff_from_verified(self.tariff(fuel), message, received_at=now)
                self.tariffs.save(tariff)
                self.events.emit("tariff.updated", fuel=fuel.value, name=tariff.name)
                self._notify(Topic.TARIFF)
        except IhdError as exc:
            # Verified but not applicable (e.g. a cancel for an unknown message): log it.
            self.events.emit("message.not-applied", type=message.message_type.name, detail=str(exc))

    def _refuse(self, verdict: Verdict, data: bytes, now: datetime) -> None:
        assert verdict.reason is not None
        claims = verdict.claims
        event = SecurityEvent(
            at=now,
            reason=verdict.reason.value,
            detail=verdict.detail,
            explanation=verdict.reason.explanation,
            claimed_originator=claims.issuer if claims else "",
            claimed_type=claims.type if claims else "",
            size=len(data),
            notified=self._signer is not None,
        )
        self.security_store.append(event)
        self.events.emit("message.rejected", reason=verdict.reason.value, detail=verdict.detail)
        if self._signer is not None:
            refers_to = claims.token_id.hex() if claims else hashlib.sha256(data).hexdigest()[:32]
            envelope = self._signer.error(
                Reason(verdict.reason), refers_to, claims.issuer if claims else ""
            )
            digest = hashlib.sha256(data).hexdigest()
            self.outbox.enqueue(OutboxKind.ERROR, f"error:{digest}", envelope, now)
            self._outbox_wakeup.set()
        self._notify(Topic.SECURITY_LOG, verdict.reason.value)

    def _display_due(self, now: datetime) -> None:
        """Show every message that is ready (the screen is always on)."""
        for message in list(self.inbox.current()):
            if message.state.value == "received":
                self._apply(self.inbox.mark_displayed(message.key, now))

    def _stored_inbox(self) -> Inbox:
        """The inbox as stored: messages, and cancellations waiting for their time."""
        saved = self.settings.get(PENDING_CANCELS_SETTING, [])
        pending = [_pending_from_json(p) for p in saved] if isinstance(saved, list) else []
        return Inbox(self.messages.all(), [p for p in pending if p is not None])

    def _apply(self, update: InboxUpdate) -> None:
        """Persist an inbox update and queue its replies, atomically; then tell everyone."""
        pending = update.inbox.pending_cancellations
        if pending != self.inbox.pending_cancellations:
            # A CancelAllMessages waiting for its ImplementationTime must survive a restart.
            self.settings.set(PENDING_CANCELS_SETTING, [_pending_to_json(p) for p in pending])
        if update.empty:
            self.inbox = update.inbox
            return
        with self.db.transaction():
            for message in update.changed:
                self.messages.upsert(message)
            for reply in update.replies:
                if self._signer is None:
                    continue
                envelope = self._signer.sign(reply.request())
                self.outbox.enqueue(reply.kind, reply.dedupe_key, envelope, reply.at)
        self.inbox = update.inbox
        for event in update.events:
            self.events.emit(event.name, **event.to_event())
        if update.replies:
            self._outbox_wakeup.set()
        self._notify(Topic.INBOX)
        if self.config.auto_ack:
            for event in update.events:
                message = event.message
                if event.name == "message.displayed" and message.confirmation_required:
                    self._apply(self.inbox.acknowledge(message.key, self._clock()))

    def _acknowledge_displayed(self) -> None:
        """``--auto-ack`` at start: acknowledge what was left on display unacknowledged."""
        for message in list(self.inbox.current()):
            if message.state.value == "displayed" and message.confirmation_required:
                self._apply(self.inbox.acknowledge(message.key, self._clock()))

    async def _tick_loop(self) -> None:
        while True:
            # A timer: messages start and expire on the clock.
            await asyncio.sleep(1.0)
            now = self._clock()
            try:
                if self._unstored:
                    self._store_unstored()
                self._apply(self.inbox.tick(now))
                self._display_due(now)
                self._refresh_history(now)
            except sqlite3.Error as exc:
                self.inbox = self._stored_inbox()
                self._storage_failed(exc)
            cutoff = now - LIVE_WINDOW
            for readings in self._live.values():
                while readings and readings[0].at < cutoff:
                    readings.popleft()

    # -- delivery ----------------------------------------------------------------------------

    async def _outbox_loop(self) -> None:
        while True:
            await self._outbox_wakeup.wait()
            self._outbox_wakeup.clear()
            link = self.link
            if link is None or link.state is not LinkState.CONNECTED:
                continue
            try:
                await self._deliver(link)
            except sqlite3.Error as exc:
                self._storage_failed(exc)  # woken again once storage recovers

    async def _deliver(self, link: MeterLink) -> None:
        """Send pending replies, then the backfill's requests, until none is left or the link
        fails."""
        while True:
            # Replies owed to originators go before history requests, so an
            # acknowledgement never waits behind a backfill; re-read after every send.
            pending = self._pending_replies()
            if not pending:
                if await self._send_history_request(link):
                    continue
                break
            item = pending[0]
            try:
                await link.send(item.envelope)
            except LinkError as exc:
                self.outbox.mark_attempt(item.id, str(exc))
                break  # the link will reconnect and wake the loop again
            # The ATT write response is the meter's confirmation that it holds the reply.
            delivered = self.outbox.mark_delivered(item.id, self._clock())
            if delivered and item.kind is not OutboxKind.HISTORY_REQUEST:
                name = (
                    "ack.delivered"
                    if item.kind is OutboxKind.CONFIRMATION
                    else f"{item.kind.value}.delivered"
                )
                self.events.emit(name, key=item.dedupe_key.split(":", 1)[-1])

    def _pending_replies(self) -> list[OutboxItem]:
        """The outbox's pending replies, oldest first.

        History requests queued in the outbox by an earlier version were signed when planned,
        so a reply sent since carries a higher counter and the meter would refuse them as
        replays; they are dropped, and the backfill plans the missing half hours itself.
        """
        pending = self.outbox.pending()
        for stale in (i for i in pending if i.kind is OutboxKind.HISTORY_REQUEST):
            self.outbox.mark_delivered(stale.id, self._clock())
        return [i for i in pending if i.kind is not OutboxKind.HISTORY_REQUEST]

    def wake_outbox(self) -> None:
        """Try delivering pending replies now (after a reconnection)."""
        self._outbox_wakeup.set()

    # -- readings and history ----------------------------------------------------------------

    def _on_metering(self, data: bytes) -> None:
        try:
            unit = decode_unit(data)
        except DecodeError as exc:
            self.events.emit("reading.rejected", reason=exc.reason.value, detail=exc.detail)
            return
        if not isinstance(unit.command, ReportAttributes):
            return
        reading = self._tracker.apply(unit.endpoint, unit.command, self._clock())
        if reading is None:
            return
        self._live[reading.fuel].append(reading)
        try:
            self.readings_store.save_latest(reading)
            self.live_totals.add(reading)
        except sqlite3.Error as exc:
            self._storage_failed(exc)  # shown live, not kept; history fills the gap later
        else:
            self._storage_recovered()
        self.events.emit("reading", **reading.to_event())
        self._notify(Topic.READING, reading.fuel.value)

    def _refresh_history(self, now: datetime) -> None:
        """A few minutes after each half hour, ask the meter for the half hours it has closed."""
        due = self._next_history_refresh
        if due is None:
            self._next_history_refresh = _next_refresh(now)
            return
        if now < due:
            return
        self._next_history_refresh = _next_refresh(now)
        link = self.link
        if (
            self.config.backfill
            and not self._backfill.running
            and link is not None
            and link.state is LinkState.CONNECTED
        ):
            self._plan_backfill()

    def _plan_backfill(self) -> None:
        """Plan requests for every half hour of the last 13 months not stored yet, per fuel.

        The plan is made again from what is stored on every connection (and every half hour),
        so a backfill cut by a dropped link or a crash resumes without gaps, whatever was in
        flight when it stopped. A request is signed only when it is sent, after the replies owed
        to originators: signed earlier, it would carry a counter below that of a reply that
        overtook it, and the meter would refuse it as a replay.
        """
        now = self._clock()
        end = half_hour_floor(now)
        # Nothing older than the store keeps: it would be pruned, then asked for again.
        kept = retention_cutoff(now)
        oldest = half_hour_floor(kept)
        if oldest < kept:
            oldest += HALF_HOUR
        start = max(end - HALF_HOUR * BACKFILL_PERIODS, oldest)
        plan: list[tuple[Fuel, datetime, int]] = []
        for fuel in Fuel:
            stored = {i.start for i in self.readings_store.intervals(fuel, start, end, "history")}
            cursor = end
            while cursor > start:
                while cursor > start and cursor - HALF_HOUR in stored:
                    cursor -= HALF_HOUR
                run_end, periods = cursor, 0
                while (
                    cursor > start
                    and cursor - HALF_HOUR not in stored
                    and periods < PERIODS_PER_REQUEST
                ):
                    cursor -= HALF_HOUR
                    periods += 1
                if periods:
                    plan.append((fuel, run_end, periods))
        self._history_plan = deque(plan)
        total = sum(p for _, _, p in plan)
        if total == 0:
            return
        self._backfill_received = {fuel: 0 for fuel in Fuel}
        self._backfill = BackfillProgress(0, total, True)
        self.events.emit("history.progress", done=0, total=total)
        self._notify(Topic.BACKFILL)
        self._outbox_wakeup.set()

    async def _send_history_request(self, link: MeterLink) -> bool:
        """Sign and send the backfill's next request; whether one was sent."""
        if not self._history_plan or self._signer is None:
            return False
        fuel, cursor, periods = self._history_plan[0]
        endpoint = Endpoint.GAS if fuel is Fuel.GAS else Endpoint.ELECTRICITY
        envelope = self._signer.history_request(endpoint, cursor, periods)
        try:
            await link.send(envelope)
        except LinkError:
            return False  # the next connection plans the backfill again
        self._history_plan.popleft()
        return True

    def _on_history(self, data: bytes) -> None:
        try:
            unit = decode_unit(data)
        except DecodeError as exc:
            self.events.emit("history.rejected", reason=exc.reason.value, detail=exc.detail)
            return
        response = unit.command
        if not isinstance(response, GetProfileResponse):
            return
        fuel = Fuel.of(unit.endpoint)
        end = utc_to_datetime(response.end_time)
        scale = GAS_WH_PER_DM3 if fuel is Fuel.GAS else 1.0
        # Newest first (ZSE order), each ending where the previous one began.
        kwh = [value * scale / 1000 for value in response.intervals]
        progress = self._backfill
        try:
            self.readings_store.add_profile(fuel, end, HALF_HOUR, kwh, "history")
        except sqlite3.Error as exc:
            # Planned again from what is stored once storage recovers.
            self._backfill = BackfillProgress(progress.done, progress.total, False)
            self._storage_failed(exc)
            return
        done = min(progress.total, progress.done + len(kwh))
        running = done < progress.total
        self._backfill = BackfillProgress(done, progress.total, running)
        self.events.emit("history.progress", done=done, total=progress.total)
        if not running and progress.running:
            self.events.emit("history.done", intervals=done)
        self._notify(Topic.BACKFILL)

    # -- developer panel (read-only GATT, event records, HCI capture) -------------------------

    async def gatt_table(self) -> Sequence[developer.GattServiceInfo]:
        return await developer.gatt_table(self.link)

    async def read_characteristic(self, uuid: str) -> developer.CharacteristicValue:
        return await developer.read_characteristic(self.link, uuid)

    def recent_events(self) -> Sequence[dict[str, Any]]:
        return developer.snapshot(getattr(self, "_recent_events", None))

    def subscribe_events(self, listener: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        return self.events.subscribe(listener)

    @property
    def capture(self) -> developer.CaptureState:
        return developer.capture_state(self.config.radio, self._radio, self.config.data_dir)

    def start_capture(self, path: Path) -> None:
        developer.start_capture(self.config.radio, self._radio, path)
        self.events.emit("capture.started", path=str(path))

    def stop_capture(self) -> None:
        path = developer.stop_capture(self._radio)
        if path is not None:
            size = path.stat().st_size if path.exists() else 0
            self.events.emit("capture.stopped", path=str(path), bytes=size)


def _next_refresh(now: datetime) -> datetime:
    """Two minutes after the next half-hour boundary (the meter has closed the interval)."""
    boundary = now.replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0)
    return boundary + HALF_HOUR + timedelta(minutes=2)


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _pending_to_json(pending: PendingCancelAll) -> JsonValue:
    return {
        "originator_id": pending.originator_id,
        "originator_name": pending.originator_name,
        "at": pending.at.isoformat(),
        "issued_at": pending.issued_at.isoformat(),
    }


def _pending_from_json(value: object) -> PendingCancelAll | None:
    if not isinstance(value, dict):
        return None
    try:
        return PendingCancelAll(
            str(value["originator_id"]),
            str(value["originator_name"]),
            datetime.fromisoformat(str(value["at"])),
            datetime.fromisoformat(str(value["issued_at"])),
        )
    except (KeyError, ValueError):
        return None  # written by a newer or broken version: the cancellation is not applied
