"""The IHD service: everything behind the display's screens, without Qt.

It opens the radio, keeps the MeterLink up, and wires together the parts that do the work: the
message pipeline (verify, store, apply or refuse every envelope), the inbox kept durably, the
delivery of signed replies through the outbox, live readings, the history backfill and the
consumer's consent; and it tells listeners (the window, the headless event log) what changed.
The UI and ``ihd --headless`` both drive this one object.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from ihd_app.core.model import (
    PairedMeter,
)
from ihd_app.link.bumble_backend.security import UNPROTECTED, LinkSecurity
from ihd_app.link.meter_link import (
    LinkState,
    ScanResult,
)
from ihd_app.link.pairing import PairingAnswers
from ihd_app.link.radios import display_address
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.history_range import PERIODS_PER_RESPONSE
from ihd_app.protocol.pki import TrustStore, load_identity
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.private_dir import make_private_dir
from ihd_app.protocol.radio_spec import RadioKind
from ihd_app.protocol.resources import default_policy_path
from ihd_app.protocol.set_aside import SET_ASIDE_EVENT
from ihd_app.service import developer
from ihd_app.service.api import (
    BackfillProgress,
    Change,
    ConnectionProblem,
    PairingRequest,
    Topic,
)
from ihd_app.service.backfill import PERIODS_PER_REQUEST, HistoryBackfill
from ihd_app.service.config import ServiceConfig
from ihd_app.service.connection import ConnectionKeeper
from ihd_app.service.consent import ConsentSharing
from ihd_app.service.delivery import OutboxDelivery
from ihd_app.service.developer_panel import DeveloperPanel
from ihd_app.service.flexibility import FlexibilityKeeper
from ihd_app.service.handshake import DisplayHandshake
from ihd_app.service.household_views import HouseholdViews
from ihd_app.service.inbox_keeper import InboxKeeper
from ihd_app.service.live_readings import LiveReadings
from ihd_app.service.message_pipeline import MessagePipeline
from ihd_app.service.meter_time import MeterTime
from ihd_app.service.pairing import InteractivePairing, ReportedAnswers
from ihd_app.service.prepayment import PrepayDisplay
from ihd_app.service.privacy_controls import PrivacyControls
from ihd_app.service.radio_link import RadioLink
from ihd_app.service.reply_signing import ReplySigning
from ihd_app.service.retention_keeper import RetentionKeeper
from ihd_app.service.storage_health import StorageHealth
from ihd_app.service.tasks import BackgroundTasks
from ihd_app.service.ticker import Ticker
from ihd_app.store.consents import ConsentRepository
from ihd_app.store.data_access import DataAccessLog
from ihd_app.store.database import Database
from ihd_app.store.messages import MessageRepository
from ihd_app.store.outbox import Outbox
from ihd_app.store.paired_meter import PairedMeterRepository
from ihd_app.store.readings import ReadingsRepository
from ihd_app.store.retention import Pruned
from ihd_app.store.security_log import SecurityLog
from ihd_app.store.settings import Settings
from ihd_app.store.tariffs import TariffRepository
from ihd_app.store.tou_calendars import TouCalendarStore


class IhdService(HouseholdViews, DeveloperPanel, PrivacyControls):
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
        # The display's time: its own clock, until a handshake proves the meter's differs
        # (:mod:`ihd_app.service.meter_time`); every part below goes by it.
        offset = timedelta(seconds=config.clock_offset_s)
        own_clock = clock

        def local_clock() -> datetime:
            return own_clock() + offset

        self._meter_time = MeterTime(
            local_clock, events.emit, lambda: self._notify(Topic.LINK, "clock")
        )
        clock = self._meter_time.now
        self._clock = clock
        self._listeners: list[Callable[[Change], None]] = []
        self._interactive = InteractivePairing(lambda: self._notify(Topic.PAIRING))
        self._pairing = ReportedAnswers(pairing or self._interactive, events.emit)
        self.identity = load_identity(config.pki_dir, config.identity)
        trust = TrustStore.from_directory(config.trust_dir)
        policy = Policy.from_file(default_policy_path())
        self.db = Database.in_data_dir(make_private_dir(config.data_dir))
        self.messages = MessageRepository(self.db)
        self.outbox = Outbox(self.db)
        self.readings_store = ReadingsRepository(self.db)
        self.security_store = SecurityLog(self.db)
        self.access_store = DataAccessLog(self.db)
        self.tariffs = TariffRepository(self.db)
        self.consent_store = ConsentRepository(self.db)
        self.paired = PairedMeterRepository(self.db)
        self.settings = Settings(self.db)
        self.tou_calendars = TouCalendarStore(self.settings)
        emit = events.emit
        self._signing = ReplySigning(self.identity, self.settings, clock)
        self._tasks = BackgroundTasks(emit)
        self._storage = StorageHealth(emit, lambda: self._pipeline.waiting, self._storage_recovered)
        self._inbox = InboxKeeper(
            self.db,
            self.messages,
            self.outbox,
            self.settings,
            signer=self._signing.current,
            emit=emit,
            changed=lambda: self._notify(Topic.INBOX),
            wake=self.wake_outbox,
            clock=clock,
            auto_ack=config.auto_ack,
        )
        #: Flexibility events and the householder's agreements to direct control.
        self.flexibility = FlexibilityKeeper(
            self.settings,
            self.outbox,
            signer=self._signing.current,
            emit=emit,
            changed=lambda: self._notify(Topic.FLEXIBILITY),
            wake=self.wake_outbox,
            clock=clock,
        )
        #: Prepayment: the meter's credit and the consumer's top-ups (issue M).
        self.prepayment = PrepayDisplay(
            self.outbox,
            signer=self._signing.current,
            emit=emit,
            changed=lambda detail: self._notify(Topic.PREPAY, detail),
            wake=self.wake_outbox,
            clock=clock,
        )
        self._pipeline = MessagePipeline(
            self.db,
            self._inbox,
            self.tariffs,
            self.security_store,
            self.outbox,
            trust=trust,
            policy=policy,
            signer=self._signing.current,
            emit=emit,
            notify=self._notify,
            wake=self.wake_outbox,
            storage=self._storage,
            clock=clock,
            meter_certificate=self._meter_certificate,
            access_log=self.access_store,
            tou_calendars=self.tou_calendars,
            demand=self.flexibility.on_message,
            prepay=self.prepayment.on_verified,
        )
        self._readings = LiveReadings(
            self.readings_store,
            emit=emit,
            changed=lambda fuel: self._notify(Topic.READING, fuel),
            storage=self._storage,
            clock=clock,
        )
        self._backfill = HistoryBackfill(
            self.readings_store,
            enabled=config.backfill,
            connected=self._connected,
            signer=self._signing.current,
            emit=emit,
            changed=lambda: self._notify(Topic.BACKFILL),
            wake=self.wake_outbox,
            storage_failed=self._storage.failed,
            clock=clock,
            # Over the operating system's stack a range's burst of notifications overran BlueZ
            # in the test guest and dropped the link (no flow control on notifications): there
            # the display asks one response at a time, as before ranges.
            range_limit=PERIODS_PER_RESPONSE
            if config.radio.kind is RadioKind.SYSTEM
            else PERIODS_PER_REQUEST,
        )
        self._delivery = OutboxDelivery(
            self.outbox,
            link=lambda: self.link,
            next_request=self._backfill.send_next,
            emit=emit,
            storage_failed=self._storage.failed,
            clock=clock,
        )
        self._retention = RetentionKeeper(
            self.db, emit=emit, pruned=self._pruned, storage_failed=self._storage.failed
        )
        self._ticker = Ticker(
            clock,
            writes=(
                lambda _now: self._pipeline.store_waiting(),
                self._inbox.tick,
                self._backfill.refresh,
                self._retention.check,
                self.flexibility.tick,
            ),
            then=(self._readings.prune,),
            storage_failed=self._tick_failed,
        )
        self._consent = ConsentSharing(
            self.consent_store,
            self.outbox,
            signer=self._signing.current,
            emit=emit,
            changed=lambda: self._notify(Topic.CONSENT),
            wake=self.wake_outbox,
            clock=clock,
        )
        self._radio_link = RadioLink(
            config.radio,
            config.data_dir,
            config.btsnoop,
            config.address,
            pairing=self._pairing,
            paired=self.paired,
            on_metering=self._readings.on_metering,
            on_message=self._pipeline.on_message,
            on_history=self._backfill.on_history,
            emit=emit,
            changed=lambda detail: self._notify(Topic.LINK, detail),
            on_ready=self._link_ready,
            on_connected=self._on_connected,
            problem=lambda: self.keeper.problem,
            clock=clock,
            handshake=DisplayHandshake(
                self.identity,
                trust,
                policy,
                next_counter=self._signing.next_counter,
                pinned=self._pinned_certificate,
                emit=emit,
                clock=local_clock,
                meter_time=self._meter_time.learn,
            ),
            own_address=display_address(self.identity.entity_id),
        )
        self.keeper = ConnectionKeeper(
            self._radio_link,
            events.emit,
            lambda: self._notify(Topic.LINK, "connection problem"),
            str(config.radio),
            search_timeout_s=config.search_timeout_s,
            display_id=self.identity.entity_id,
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
            # A move-out completes once the meter has the withdrawal of every consent.
            self.events.subscribe(self._on_own_event)
            if self.db.set_aside is not None:
                # Told once the window (or --headless) listens: the database opened before.
                self.events.emit(SET_ASIDE_EVENT, **self.db.set_aside.event_fields())
        self._retention.check(self._clock())
        self._signing.resume(self.paired.get())
        self._readings.totals.resume()
        self._tasks.spawn(self._ticker.run(), "inbox-tick")
        self._tasks.spawn(self._delivery.run(), "outbox")
        if self.moving_out:  # stopped while moving out: the withdrawal may be delivered already
            self._tasks.spawn(self.finish_moving_out(), "move-out")
        if self.config.auto_ack:
            self._inbox.acknowledge_displayed()
        if self.config.auto_connect:
            self._tasks.spawn(self.keeper.run(), "keep-connected")
        elif open_now:
            await self._radio_link.open_radio()

    @property
    def connection_problem(self) -> ConnectionProblem | None:
        return self.keeper.problem

    def pair_again(self) -> None:
        self.keeper.pair_again()

    async def close(self) -> None:
        """Stop everything, close the link, the radio and the database."""
        self._radio_link.stop()
        self.keeper.stop()
        await self._tasks.cancel_all()
        await self._radio_link.close_radio()
        self.db.close()

    # -- notifications -----------------------------------------------------------------------

    def subscribe(self, listener: Callable[[Change], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self, topic: Topic, detail: str = "") -> None:
        for listener in list(self._listeners):
            listener(Change(topic, detail))

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

    @property
    def clock_correction_s(self) -> float | None:
        return self._meter_time.correction_s

    @property
    def display_id(self) -> str:
        return self.identity.entity_id

    @property
    def backfill(self) -> BackfillProgress:
        return self._backfill.progress

    @property
    def pairing_request(self) -> PairingRequest | None:
        return self._interactive.request

    # -- actions -----------------------------------------------------------------------------

    async def scan(self, timeout_s: float = 5.0) -> Sequence[ScanResult]:
        """Look for meters.

        Raises:
            LinkError: The radio is not open (with the reason it could not be opened).
        """
        return await self._radio_link.scan(timeout_s)

    async def connect(self, target: ScanResult | str) -> None:
        """Connect to (and if needed pair with) a meter, then start backfill and delivery.

        Raises:
            LinkError: The connection failed; PairingRefusedError if pairing was refused.
        """
        await self._radio_link.connect(target)

    def _pinned_certificate(self) -> str | None:
        """The certificate of the meter this display paired with, which a handshake on its
        bond must show again."""
        known = self.paired.get()
        return known.certificate_sha256.hex() if known is not None else None

    def _meter_certificate(self) -> bytes | None:
        """The meter's certificate as the link's last handshake verified it."""
        link = self.link
        verified = link.verified_meter if link is not None else None
        return verified.certificate_der if verified is not None else None

    def _on_connected(self, meter_id: str, session: str | None) -> None:
        self._signing.address_to(meter_id, session)
        # Messages addressed to this display or to its meter (operators address the meter; it
        # forwards the identical bytes).
        self._pipeline.start({self.identity.entity_id, meter_id})
        self._consent.queue()
        self.flexibility.queue()
        self._delivery.wake()
        self.keeper.connected()
        self._notify(Topic.LINK, "connected")
        self._backfill.begin()

    async def forget_meter(self) -> None:
        meter = self.paired.get()
        if self.link is not None:
            # The address lets the radio delete the bond while the meter is away.
            await self.link.forget(meter.address if meter is not None else None)
        self.paired.forget()
        if meter is not None:
            self.events.emit("link.forgotten", meter_id=meter.meter_id, address=meter.address)
        self._notify(Topic.LINK, "forgotten")

    async def acknowledge(self, key: str) -> None:
        self._inbox.acknowledge(key, self._clock())

    def answer_pairing(self, accepted: bool, passkey: int | None = None) -> None:
        self._interactive.answer(accepted, passkey)

    def _on_own_event(self, event: dict[str, Any]) -> None:
        if event.get("event") == "consent.update.delivered" and self.moving_out:
            self._tasks.spawn(self.finish_moving_out(), "move-out")

    def _tick_failed(self, exc: sqlite3.Error) -> None:
        self._inbox.reload()
        self._storage.failed(exc)

    def _pruned(self, deleted: Pruned) -> None:
        if deleted.messages:
            self._inbox.reload()
            self._notify(Topic.INBOX)
        if deleted.security_events:
            self._notify(Topic.SECURITY_LOG)

    def _connected(self) -> bool:
        link = self.link
        return link is not None and link.state is LinkState.CONNECTED

    def _storage_recovered(self) -> None:
        """Everything waiting is stored again: deliver what waited and resume the backfill."""
        self._delivery.wake()
        self._backfill.resume()

    def wake_outbox(self) -> None:
        """Try delivering pending replies now (after a reconnection)."""
        self._delivery.wake()

    def _link_ready(self) -> None:
        """The link is up (again): replies name the new handshake's session, a backfill cut by
        the drop is planned again, then whatever waited is delivered."""
        link = self.link
        verified = link.verified_meter if link is not None else None
        if verified is not None and self._signing.current() is not None:
            # The link came back by itself: its handshake opened a new session.
            self._signing.address_to(verified.meter_id, verified.session)
        self._backfill.reconnected()
        self._delivery.wake()
