"""The running meter: its radio side (:mod:`meter_emulator.meter_air`) and the parts that do the
work.

``meter-emulator --headless`` runs one of these until interrupted; the GUI drives the same
object. It owns every task it starts and stops them all in :meth:`MeterRuntime.close`.

Its parts: live readings (:mod:`meter_emulator.live_reports`), the half-hourly history
(:mod:`meter_emulator.history`), store and forward to the IHD
(:mod:`meter_emulator.ihd_delivery`), the IHD's replies (:mod:`meter_emulator.ihd_replies`)
operators' messages verified and acted on (:mod:`meter_emulator.operator.forwarding`),
prepayment (:mod:`meter_emulator.behaviour.prepayment`), network data and the operators' inbox
(:mod:`meter_emulator.operator`).
Besides the radio side it holds the meter's behaviour (:attr:`MeterRuntime.behaviour`: power
threshold, outages, voltage, safety, gas valve), the operator console
(:attr:`MeterRuntime.operator`), the attack console (:attr:`MeterRuntime.attacks`), the status
table of every message sent to the IHD (:attr:`MeterRuntime.status`) and the store-and-forward
queue (:attr:`MeterRuntime.outbox`). Two clocks: the wall clock stamps and checks envelopes (the
IHD runs on real time); the simulation clock (:attr:`MeterRuntime.sim`, ``--speed``) drives the
household's load and the threshold's grace period.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from ihd_app.protocol.events import EventLog
from ihd_app.protocol.message_types import Flow
from ihd_app.protocol.pki import Identity, TrustStore, load_identity
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.private_dir import make_private_dir
from ihd_app.protocol.resources import default_policy_path
from ihd_app.protocol.session import HANDSHAKE_CLOCK_SKEW_S, FreshByChallenge
from ihd_app.protocol.set_aside import (
    SET_ASIDE_EVENT,
    SetAside,
    open_or_set_aside,
)
from ihd_app.protocol.verification import Verdict, Verifier
from meter_emulator import faults as fault_hooks
from meter_emulator.attacks.console import AttackConsole
from meter_emulator.attacks.supply_attacks import SupplyAttacks
from meter_emulator.behaviour.load_control import LoadControl
from meter_emulator.behaviour.meter import MeterBehaviour
from meter_emulator.behaviour.prepay_commands import PrepayCommands
from meter_emulator.behaviour.prepayment import Prepayment
from meter_emulator.config import MeterConfig
from meter_emulator.delivery import Origin, Outgoing, StoreAndForward
from meter_emulator.device_log import DEVICE_LOG_FILE, DeviceLog, first_display
from meter_emulator.gatt import (
    MeterGattServer,
)
from meter_emulator.gatt.pairing_window import PairingWindow
from meter_emulator.han_devices import HanDevices
from meter_emulator.history import HalfHourHistory
from meter_emulator.ihd_delivery import MESSAGES, IhdDelivery
from meter_emulator.ihd_replies import IhdReplies
from meter_emulator.link_sessions import LinkSessions
from meter_emulator.live_reports import LiveReports
from meter_emulator.meter_air import MeterAir
from meter_emulator.meter_messages import MeterMessages
from meter_emulator.occupancy import ChangeOfOccupier
from meter_emulator.operator.alerts import AlertRaiser, operator_ids
from meter_emulator.operator.console import OperatorConsole
from meter_emulator.operator.data_requests import access_notice
from meter_emulator.operator.data_responses import DataResponses, kept_in
from meter_emulator.operator.forwarding import OperatorForwarding
from meter_emulator.operator.inbox import OperatorInbox
from meter_emulator.operator.network_data import NetworkDataService
from meter_emulator.operator.network_readings import NetworkReadings, OutageRecords
from meter_emulator.operator.status import StatusTable
from meter_emulator.radio.meter_radio import MeterRadio
from meter_emulator.simulation.clock import SimClock
from meter_emulator.simulation.household import Household
from meter_emulator.simulation.premises import Premises
from meter_emulator.snapshot import MeterSnapshot, snapshot_of
from meter_emulator.state import MeterState

logger = logging.getLogger(__name__)

_DataFile = TypeVar("_DataFile")
#: The file the store-and-forward queue is kept in, in the data dir.
OUTBOX_FILE = "store-and-forward.json"
#: The householder's agreements to direct control of flexible loads.
DEMAND_AGREEMENTS_FILE = "demand-agreements.json"


class MeterRuntime:
    """One running meter emulator.

    Args:
        config: How to run.
        events: Where events go.
        clock: The wall clock (envelopes are stamped and checked with it).
        sim: The simulation clock (default: ``config.speed`` from ``config.sim_start``).
    """

    def __init__(
        self,
        config: MeterConfig,
        events: EventLog,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sim: SimClock | None = None,
    ) -> None:
        self.config = config
        self.events = events
        self._clock = clock
        self.sim = sim or SimClock(config.speed, config.sim_start, wall=clock)
        self.identity: Identity = load_identity(config.pki_dir, "meter")
        self._identities: dict[str, Identity] = {"meter": self.identity}
        self.household = Household(
            seed=config.seed, solar_peak_w=config.solar_kw * 1000, kind=config.household
        )
        self.premises = Premises(self.household)
        #: Damaged data files renamed out of the way, told when the meter starts.
        self._set_aside: list[SetAside] = []
        self.state = self._open_data_file(
            MeterState,
            make_private_dir(config.data_dir) / "meter-state.json",
            "the meter carries on without its saved replay counters, consent answers and "
            "power threshold",
        )
        trust = TrustStore.from_directory(config.trust_dir)
        policy = Policy.from_file(default_policy_path())
        self._verifier = Verifier(
            trust,
            policy,
            self.state,
            {self.identity.entity_id},
            flows=tuple(f for f in Flow if f is not Flow.TO_OPERATOR),  # alerts: operators only
            clock=clock,
            # A display's reply must name a session the handshake opened with that display.
            sessions=self.state.has_session,
            # ... and may carry the key id alone of the certificate that handshake verified.
            session_signers=self.state.session_certificate,
        )
        #: When a new display may pair (:mod:`meter_emulator.gatt.pairing_window`).
        self.pairing_window = PairingWindow(events.emit)
        #: The radio, the peripheral and the GATT server, once started.
        self.air = MeterAir(config, self.meter_id, self.identity.kid, self.pairing_window, events)
        self._tasks: set[asyncio.Task[None]] = set()
        self.status = StatusTable()
        self.outbox = self._open_data_file(
            StoreAndForward,
            config.data_dir / OUTBOX_FILE,
            "the meter carries on with no messages waiting for the display (they stay in the "
            "kept file)",
        )
        # The parts read the clock through wall_now: a test may set the meter's clock.
        self._delivery = IhdDelivery(
            self.outbox,
            self._server,
            self.status,
            events,
            config.faults,
            self.wall_now,
            displays=lambda: frozenset(device.ihd_id for device in self.han.devices),
        )
        self._meter_messages = MeterMessages(
            self.identity,
            lambda: self.ihd_id,
            self.next_counter,
            self.status,
            self._delivery,
            events,
            self.wall_now,
        )
        self.behaviour = MeterBehaviour(
            self.premises, self.sim, events, self.state, self._meter_messages.send
        )
        #: Prepayment (credit mode until the supplier's ChangePaymentMode says otherwise).
        self.prepayment = Prepayment.for_meter(
            self.identity, self.premises, events, self._meter_messages.send, self.wall_now,
            config.data_dir,
        )  # fmt: skip
        self.behaviour.sample_listeners.append(self.prepayment.on_sample)
        prepay_commands = PrepayCommands(self.prepayment)
        self._reports = LiveReports(self._server, self.behaviour, self.premises, self.sim)
        self._history = HalfHourHistory(
            self.household,
            self._server,
            self.wall_now,
            emit=events.emit,
            moved_in=lambda: self.state.moved_in,
        )
        #: The HAN device log: the displays this meter serves.
        self.han = HanDevices(
            self._open_data_file(
                lambda path: DeviceLog(path, first_display(self.identity_of, self.wall_now)),
                config.data_dir / DEVICE_LOG_FILE,
                "the meter starts again from the display of its own PKI only; the damaged log "
                "is kept",
            ),
            self._server,
            self.air.drop,
            self._spawn,
            events,
            self.wall_now,
        )
        self.operator = OperatorConsole(self)
        #: Network data for the DNO and GDN: answers, and pushes at their interval.
        self.network_data = NetworkDataService(
            self.state,
            NetworkReadings(self.premises, OutageRecords(events), lambda: self.state.moved_in),
            self.identity,
            lambda: self.next_counter(self.identity),
            self.operator.network_data.receive,
            events=events,
            clock=self.wall_now,
            sim_now=self.sim.now,
            recorded=lambda access: self._meter_messages.send(access_notice(access)),
            keep=kept_in(config.sealed_responses, events.emit),
        )
        self.load_control = LoadControl(
            self.premises.flexible,
            events,
            self.sim.now,
            config.data_dir / DEMAND_AGREEMENTS_FILE,
            to_meter_time=lambda moment: (
                self.sim.now() + (moment - self.wall_now()) * self.sim.speed
            ),
        )
        self._forwarding = OperatorForwarding(
            self._verifier,
            self.status,
            self.behaviour,
            self.state,
            self._history,
            self._delivery,
            self.han,
            events=events,
            clock=self.wall_now,
            # Every answer and refusal reaches the household's displays, signed by the meter.
            access_log=lambda access: self._meter_messages.send(access_notice(access)),
            occupancy=ChangeOfOccupier(
                self.state, self._delivery, self.air.forget_household_links, self._spawn, events
            ),
            data_responses=DataResponses(
                self.identity,
                lambda: self.next_counter(self.identity),
                self.wall_now,
                # The operator console plays the operators: it opens what was sealed to them.
                self.operator.receive_data_response,
                keep=kept_in(config.sealed_responses, events.emit),
            ),
            network_data=self.network_data,
            load_control=self.load_control,
            prepay=prepay_commands,
        )
        #: The operators' inbox: the meter's alerts, verified by their operator; overdue receipts.
        self.inbox = OperatorInbox(
            trust, policy, operator_ids(self.identity_of), self.wall_now, events, self.status,
            receipt_timeout_s=config.receipt_timeout_s, alerts_out=config.alerts_out,
        )  # fmt: skip
        raiser = AlertRaiser(
            self.identity, lambda role: self.identity_of(role).entity_id,
            lambda: self.next_counter(self.identity), self.wall_now, self.inbox.receive,
        )  # fmt: skip
        events.subscribe(raiser.on_event)
        self.attacks = AttackConsole(self)
        #: Attacks on the supply switch, sent through the meter's verification.
        self.supply_attacks = SupplyAttacks(self)
        self._replies = IhdReplies(
            self.state,
            self._verifier,
            self.status,
            self.attacks,
            events,
            config.faults,
            history_requested=self._history.request,
            clock=self.wall_now,
            load_control=self.load_control,
            prepay=prepay_commands.from_display,
        )
        self.sessions = LinkSessions(
            self.identity,
            Verifier(
                trust,
                policy,
                FreshByChallenge(),
                # The id Meter Info gives: the display addresses its hello to it.
                {self.meter_id},
                flows=(Flow.FROM_IHD,),
                clock=clock,
                clock_skew_s=HANDSHAKE_CLOCK_SKEW_S,
            ),
            self.state,
            self._server,
            events,
            next_counter=lambda: self.next_counter(self.identity),
            spawn=self._spawn,
            drop=self.air.drop,
            established=self._display_established,
            replies=self._replies.on_unit_from_ihd,
            clock=self.wall_now,
            admit=self.han.admit,
        )
        for name in config.commission:
            display = self.identity_of(name)
            self.han.commission(display.entity_id, display.kid.hex(), "--commission")
        for path in config.send:
            self._delivery.queue_file(path)

    @property
    def radio(self) -> MeterRadio | None:
        """The meter's radio once started (its virtual air, for the virtual radio)."""
        return self.air.radio

    @property
    def server(self) -> MeterGattServer | None:
        """The meter's GATT server once started."""
        return self.air.server

    @property
    def meter_id(self) -> str:
        """The meter's EUI-64."""
        return self.identity.entity_id

    @property
    def address(self) -> str | None:
        """The meter's Bluetooth address, once started."""
        return self.air.address

    async def start(self) -> None:
        """Open the radio, start advertising and reporting.

        Raises:
            IhdError: The radio cannot be opened (port in use, no dongle, ...).
        """
        config = self.config
        for kept in self._set_aside:
            self.events.emit(SET_ASIDE_EVENT, **kept.event_fields())
        self._set_aside.clear()
        name = await self.air.open(
            self.sessions.route, self._replies.on_segment_error, self._on_link_event
        )
        self.events.emit(
            "meter.started", meter_id=self.meter_id, name=name, radio=str(config.radio)
        )
        for fault in sorted(config.faults):
            self.events.emit("meter.fault", fault=fault.value, description=fault.description)
        interval = fault_hooks.report_interval_s(config.faults, config.report_interval_s)
        self._spawn(self._reports.run(interval), "live-readings")
        self._spawn(self._history.run(), "history")
        self._spawn(self._delivery.run(), "store-and-forward")
        self._spawn(self.network_data.run(), "network-data-push")
        self._spawn(self.inbox.watch(), "overdue-receipts")
        if len(self.outbox):
            self.events.emit("queued.restored", pending=len(self.outbox))

    def _spawn(self, coroutine: Awaitable[None], name: str) -> None:
        assert asyncio.iscoroutine(coroutine)
        task: asyncio.Task[None] = asyncio.create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("meter task %s failed", task.get_name(), exc_info=task.exception())
            self.events.emit("meter.error", task=task.get_name(), error=str(task.exception()))

    def _on_link_event(self, name: str, /, **fields: object) -> None:
        if name == "link.disconnected":
            self._reports.link_dropped()
            self._history.link_dropped()
        self.events.emit(name, **fields)
        if fields.get("characteristic") == MESSAGES or name == "link.disconnected":
            # Bumble reports a subscription before the server has recorded it: look once the
            # CCCD write has been handled.
            asyncio.get_running_loop().call_soon(self._delivery.refresh_listening)

    def _server(self) -> MeterGattServer | None:
        return self.air.server

    def _display_established(self, _ihd_id: str) -> None:
        """A display proved who it is: what it is owed is sent."""
        self._delivery.refresh_listening()

    # -- identities and counters ----------------------------------------------------------------

    def identity_of(self, name: str) -> Identity:
        """``identities/<name>`` of the meter's PKI (dno, gdn, supplier, rogue-dno, ...).

        Raises:
            ConfigurationError: There is no such identity.
        """
        if name not in self._identities:
            self._identities[name] = load_identity(self.config.pki_dir, name)
        return self._identities[name]

    def _open_data_file(
        self, opener: Callable[[Path], _DataFile], path: Path, consequence: str
    ) -> _DataFile:
        opened, damaged = open_or_set_aside(path, opener, consequence)
        if damaged is not None:
            self._set_aside.append(damaged)
        return opened

    def next_counter(self, identity: Identity) -> int:
        """The next originator counter to sign with as ``identity`` (persisted)."""
        return self.state.next_issued(identity.entity_id)

    @property
    def ihd_id(self) -> str:
        """Who the meter's own messages are addressed to (``aud``): the meter itself, so that
        each display of the home accepts the one envelope, unless the config names one."""
        return self.config.ihd_id or self.meter_id

    def wall_now(self) -> datetime:
        """The wall clock's now."""
        return self._clock()

    @property
    def trust(self) -> TrustStore:
        """The roots and revocations the meter verifies with (the operators' too, here)."""
        return self._verifier.trust

    # -- store and forward ----------------------------------------------------------------------

    @property
    def ihd_listening(self) -> bool:
        """Whether an IHD on a secure link has indications of Messages to IHD enabled."""
        return self._delivery.ihd_listening

    async def wait_for_ihd(self) -> None:
        """Return once an IHD listens for messages."""
        await self._delivery.wait_for_ihd()

    async def flush(self, timeout_s: float) -> bool:
        """Wait until everything queued was indicated, while an IHD listens (at most
        ``timeout_s``); whether the queue is empty."""
        return await self._delivery.flush(timeout_s)

    def inject(self, envelope: bytes, label: str) -> Outgoing:
        """Queue ``envelope`` for the IHD without verifying it (the attack console's path)."""
        return self._delivery.enqueue(envelope, Origin.ATTACK, label)

    # -- forwarding operator messages -----------------------------------------------------------

    def forward(self, envelope: bytes, *, text: str | None = None) -> Verdict:
        """Verify an operator's envelope and act on it: see :meth:`OperatorForwarding.forward`.

        Returns:
            The meter's verdict. The status table has a row for the envelope either way.
        """
        return self._forwarding.forward(envelope, text=text)

    def supply_state(self) -> tuple[str, tuple[str, ...]]:
        """The electricity supply's status and why it is off (what an attack must not change)."""
        status = self.premises.supply_status(True).name.lower()
        return status, tuple(sorted(c.value for c in self.premises.off_causes))

    def snapshot(self) -> MeterSnapshot:
        """The meter's state now (no side effects)."""
        return snapshot_of(
            self.sim,
            self.premises,
            self.behaviour,
            self._reports.registers_wh,
            pending=len(self.outbox),
            ihd_listening=self.ihd_listening,
            grants=self.state.grants,
        )

    async def drop_link(self) -> None:
        """Disconnect the IHD as radio interference would (the IHD should reconnect by itself)."""
        await self.air.drop_link()

    async def send_envelope(self, envelope: bytes) -> None:
        """Indicate an envelope on Messages to IHD now, bypassing the queue and the meter's
        verification (waits for every confirmation).

        Raises:
            IhdError: No IHD subscribed, or the link dropped.
        """
        assert self.server is not None
        await self.server.indicate_message(envelope)

    async def close(self) -> None:
        """Stop reporting, disconnect, close the radio."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        # The balance as the last sample left it (between statuses it is saved every few s).
        self.prepayment.save()
        await self.air.close()
        self.events.emit("meter.stopped")
