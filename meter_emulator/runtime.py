"""The running meter: radio, peripheral, GATT server, live readings and the IHD's replies.

``meter-emulator --headless`` runs one of these until interrupted; the GUI will drive the same
object. It owns every task it starts and stops them all in :meth:`MeterRuntime.close`.

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
import contextlib
import hashlib
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import parse_envelope, sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.errors import DecodeError, IhdError
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.message_types import Flow
from ihd_app.protocol.pki import Identity, Role, TrustStore, load_identity
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.private_dir import make_private_dir
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.resources import default_policy_path, demo_pki_dir, demo_trust_dir
from ihd_app.protocol.set_aside import (
    SET_ASIDE_EVENT,
    SetAside,
    check_bond_file,
    open_or_set_aside,
)
from ihd_app.protocol.verification import Verdict, VerifiedMessage, Verifier
from ihd_app.protocol.zcl import (
    METERING,
    CancelAllMessages,
    CancelMessage,
    DisplayMessage,
    Endpoint,
    GetProfile,
    GetProfileResponse,
    MessageConfirmation,
    ProfileIntervalPeriod,
    ProfileStatus,
    ReportAttributes,
    SupplyStatus,
    Unit,
    UnitOfMeasure,
    formatting_report,
    metering_record,
)
from ihd_app.protocol.zcl.clusters import MeteringAttribute
from ihd_app.protocol.zcl.primitives import datetime_to_utc, utc_to_datetime
from ihd_app.protocol.zcl.unit import decode_unit
from meter_emulator import faults as fault_hooks
from meter_emulator.attacks.console import AttackConsole
from meter_emulator.behaviour.meter import MeterBehaviour
from meter_emulator.delivery import Origin, Outgoing, StoreAndForward, digest_key
from meter_emulator.faults import Fault, FaultRefusalError
from meter_emulator.gatt import (
    AutoAcceptPolicy,
    MeterGattServer,
    MeterInfo,
    MeterPeripheral,
    PairingMode,
    PairingPolicy,
    advertised_name,
)
from meter_emulator.gatt.errors import LinkError
from meter_emulator.operator.console import OperatorConsole
from meter_emulator.operator.status import MessageRecord, StatusTable
from meter_emulator.radio.meter_radio import MeterRadio, open_meter_radio
from meter_emulator.simulation.clock import SimClock
from meter_emulator.simulation.household import SLOT, Household, interval_energy_wh
from meter_emulator.simulation.premises import Premises
from meter_emulator.state import MeterState

logger = logging.getLogger(__name__)

_DataFile = TypeVar("_DataFile")
#: Demand and register are reported in thousandths of a kWh (W and Wh) for electricity and in
#: dm3 (litres) for gas, as ZSE meters commonly do.
DIVISOR = 1000
#: Gas: kWh of heat per m3 (GB volume correction x calorific value / 3.6).
GAS_KWH_PER_M3 = 1.02264 * 39.5 / 3.6
#: The characteristic the IHD receives messages on.
MESSAGES = "Messages to IHD"
#: How long the meter's own messages stay valid (a display away for a day still gets them).
METER_MESSAGE_VALIDITY = timedelta(hours=24)
#: The file the store-and-forward queue is kept in, in the data dir.
OUTBOX_FILE = "store-and-forward.json"
#: Reply types of the IHD and the event the meter logs for each.
REPLY_EVENTS: Mapping[str, str] = {
    "message.receipt": "receipt",
    "message.displayed": "displayed",
    "message.confirmation": "ack.received",
    "error.notification": "error.received",
    "consent.update": "consent.received",
    "history.request": "history.requested",
}


@dataclass
class MeterConfig:
    """How to run the meter.

    Attributes:
        radio: Which radio.
        data_dir: Where bonds are kept.
        pki_dir: Whose identity the meter has (and signs with).
        trust_dir: Trust store for verifying what the IHD sends.
        btsnoop: Capture file, if any.
        pairing_mode: Numeric comparison or passkey display.
        pairing_policy: Who answers pairing questions (GUI, or auto-accept when headless).
        seed: The household's seed.
        solar_kw: Peak of the household's solar panels (exported at midday as negative
            demand); 0 for none.
        report_interval_s: Seconds between live readings.
        send: Envelope files to indicate to the IHD, in order, once it has subscribed (signed
            with ``meter-emulator sign``; CBOR or hex text). They are not verified (they may be
            test vectors the IHD must refuse).
        speed: Simulated seconds per wall-clock second (``--speed``).
        sim_start: The simulated instant at start (default: now).
        ihd_id: The IHD's entity id for ``aud`` of the meter's own messages (default: learnt
            from the IHD's first verified reply; until then the meter's own id, which the IHD
            accepts too).
        faults: Rules this meter deliberately breaks (``--fault``, :mod:`meter_emulator.faults`).
    """

    radio: RadioSpec
    data_dir: Path
    pki_dir: Path = field(default_factory=demo_pki_dir)
    trust_dir: Path = field(default_factory=demo_trust_dir)
    btsnoop: Path | None = None
    pairing_mode: PairingMode = PairingMode.NUMERIC_COMPARISON
    pairing_policy: PairingPolicy | None = None
    seed: int = 1
    solar_kw: float = 0.0
    report_interval_s: float = 1.0
    send: tuple[Path, ...] = ()
    speed: float = 1.0
    sim_start: datetime | None = None
    ihd_id: str | None = None
    faults: frozenset[Fault] = frozenset()


@dataclass(frozen=True)
class MeterSnapshot:
    """The meter's state at a glance (for the GUI's meter panel).

    Attributes:
        sim_time: The simulated now.
        speed: Simulation speed.
        electricity_w: Electricity demand through the meter.
        gas_w: Gas demand (W of heat).
        voltage_v: Supply voltage (0 in an outage).
        electricity_supply: SupplyStatus of electricity.
        off_causes: Why the electricity supply is off.
        gas_supply: SupplyStatus of gas.
        threshold_kw: The maximum power threshold, if set.
        grace_s: Its grace period (simulated seconds).
        threshold_state: normal, warning or interrupted.
        appliances: Appliances forced on (``True``) or off (``False``).
        electricity_register_wh: CurrentSummationDelivered of electricity, in Wh.
        gas_register_wh: CurrentSummationDelivered of gas, in Wh of heat.
        pending: Envelopes waiting for the IHD.
        ihd_listening: Whether an IHD is subscribed to Messages to IHD.
        consent: Party -> whether it may read half-hourly data.
    """

    sim_time: datetime
    speed: float
    electricity_w: float
    gas_w: float
    voltage_v: float
    electricity_supply: SupplyStatus
    off_causes: tuple[str, ...]
    gas_supply: SupplyStatus
    threshold_kw: float | None
    grace_s: float | None
    threshold_state: str
    appliances: Mapping[str, bool]
    electricity_register_wh: float
    gas_register_wh: float
    pending: int
    ihd_listening: bool
    consent: Mapping[str, bool]


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
        self.household = Household(seed=config.seed, solar_peak_w=config.solar_kw * 1000)
        self.premises = Premises(self.household)
        #: Damaged data files renamed out of the way, told when the meter starts.
        self._set_aside: list[SetAside] = []
        self.state = self._open_data_file(
            MeterState,
            make_private_dir(config.data_dir) / "meter-state.json",
            "the meter carries on without its saved replay counters, consent answers and "
            "power threshold",
        )
        self._verifier = Verifier(
            TrustStore.from_directory(config.trust_dir),
            Policy.from_file(default_policy_path()),
            self.state,
            {self.identity.entity_id},
            flows=tuple(Flow),
            clock=clock,
        )
        self._radio: MeterRadio | None = None
        self._peripheral: MeterPeripheral | None = None
        self.server: MeterGattServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._registers_wh = {Endpoint.ELECTRICITY: 4_215_300.0, Endpoint.GAS: 18_450_000.0}
        self._formatting_sent = False
        self._last_sample_at: datetime | None = None
        self._history_requests: asyncio.Queue[tuple[Endpoint, int, int]] = asyncio.Queue()
        self._ihd_id = config.ihd_id
        self.status = StatusTable()
        self.outbox = self._open_data_file(
            StoreAndForward,
            config.data_dir / OUTBOX_FILE,
            "the meter carries on with no messages waiting for the display (they stay in the "
            "kept file)",
        )
        self._wake = asyncio.Event()
        self._listening = asyncio.Event()
        self._delivered = asyncio.Event()
        self._waiting_since: dict[int, datetime] = {}
        self.behaviour = MeterBehaviour(
            self.premises, self.sim, events, self.state, self.send_meter_message
        )
        self.operator = OperatorConsole(self)
        self.attacks = AttackConsole(self)
        for path in config.send:
            self._queue_file(path)

    @property
    def radio(self) -> MeterRadio | None:
        """The meter's radio once started (its virtual air, for the virtual radio)."""
        return self._radio

    @property
    def meter_id(self) -> str:
        """The meter's EUI-64."""
        return self.identity.entity_id

    async def start(self) -> None:
        """Open the radio, start advertising and reporting.

        Raises:
            IhdError: The radio cannot be opened (port in use, no dongle, ...).
        """
        config = self.config
        for kept in self._set_aside:
            self.events.emit(SET_ASIDE_EVENT, **kept.event_fields())
        self._set_aside.clear()
        self._radio = await open_meter_radio(config.radio, btsnoop=config.btsnoop)
        name = advertised_name(self.meter_id)
        device = self._radio.create_device(name)
        bonds_file = config.data_dir / "bonds.json"
        damaged = check_bond_file(bonds_file, "the meter")
        if damaged is not None:
            self.events.emit(SET_ASIDE_EVENT, **damaged.event_fields())
        self._peripheral = MeterPeripheral(
            device,
            policy=config.pairing_policy or AutoAcceptPolicy(),
            keystore_path=bonds_file,
            mode=config.pairing_mode,
            on_event=self._on_link_event,
            advertise_service_uuid=fault_hooks.advertises_service_uuid(config.faults),
        )
        self.server = MeterGattServer(
            device,
            MeterInfo(
                meter_id=self.meter_id,
                name="Smart meter (electricity and gas)",
                certificate_sha256=self.identity.kid,
            ),
            self._on_unit_from_ihd,
            on_error=self._on_segment_error,
            security=self._peripheral.security,
            require_authentication=Fault.NO_AUTH not in config.faults,
            faults=config.faults,
        )
        await self._peripheral.start()
        self.events.emit(
            "meter.started", meter_id=self.meter_id, name=name, radio=str(config.radio)
        )
        for fault in sorted(config.faults):
            self.events.emit("meter.fault", fault=fault.value, description=fault.description)
        self._spawn(self._report_loop(), "live-readings")
        self._spawn(self._history_loop(), "history")
        self._spawn(self._delivery_loop(), "store-and-forward")
        if len(self.outbox):
            self.events.emit("queued.restored", pending=len(self.outbox))

    def _spawn(self, coroutine: object, name: str) -> None:
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
            self._formatting_sent = False
        self.events.emit(name, **fields)
        if fields.get("characteristic") == MESSAGES or name == "link.disconnected":
            # Bumble reports a subscription before the server has recorded it: look once the
            # CCCD write has been handled.
            asyncio.get_running_loop().call_soon(self._refresh_listening)

    def _refresh_listening(self) -> None:
        if self.ihd_listening:
            self._listening.set()
            self._wake.set()
        else:
            self._listening.clear()

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
        """Who the meter's own messages are addressed to (``aud``)."""
        return self._ihd_id or self.meter_id

    def wall_now(self) -> datetime:
        """The wall clock's now."""
        return self._clock()

    # -- store and forward ----------------------------------------------------------------------

    @property
    def ihd_listening(self) -> bool:
        """Whether an IHD on a secure link has indications of Messages to IHD enabled."""
        return self.server is not None and self.server.is_subscribed(MESSAGES)

    async def wait_for_ihd(self) -> None:
        """Return once an IHD listens for messages."""
        await self._listening.wait()

    def _queue_file(self, path: Path) -> None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.events.emit("send.failed", file=path.name, detail=exc.strerror or str(exc))
            return
        text = data.strip()
        if text and all(chr(b) in "0123456789abcdefABCDEF" for b in text):
            data = bytes.fromhex(text.decode("ascii"))
        self._enqueue(data, Origin.FILE, path.name, persist=False)

    def _enqueue(
        self,
        envelope: bytes,
        origin: Origin,
        label: str,
        *,
        persist: bool = True,
        record: MessageRecord | None = None,
    ) -> Outgoing:
        now = self._clock()
        item = self.outbox.put(envelope, origin, label, now.isoformat(), persist=persist)
        self._waiting_since[item.seq] = now
        if record is not None:
            record.queued_at = now
        if not self.ihd_listening:
            self.events.emit(
                "queued", key=item.key, origin=origin.value, label=label, pending=len(self.outbox)
            )
        self._wake.set()
        return item

    async def flush(self, timeout_s: float) -> bool:
        """Wait until everything queued was indicated, while an IHD listens (at most
        ``timeout_s``); whether the queue is empty."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                while len(self.outbox) and self.ihd_listening:
                    self._delivered.clear()
                    await self._delivered.wait()
        return not len(self.outbox)

    def inject(self, envelope: bytes, label: str) -> Outgoing:
        """Queue ``envelope`` for the IHD without verifying it (the attack console's path)."""
        return self._enqueue(envelope, Origin.ATTACK, label)

    async def _delivery_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while (item := self.outbox.head()) is not None and self.ihd_listening:
                assert self.server is not None
                try:
                    for _ in range(fault_hooks.indications_per_message(self.config.faults)):
                        await self.server.indicate_message(item.envelope)
                except LinkError as exc:
                    # Kept at the head of the queue; the next subscription wakes the loop.
                    if not self.ihd_listening:
                        self._listening.clear()
                    self.events.emit(
                        "send.deferred", key=item.key, label=item.label, detail=str(exc)
                    )
                    break
                except IhdError as exc:
                    self.outbox.remove(item.seq)
                    self.events.emit("send.failed", key=item.key, label=item.label, detail=str(exc))
                    continue
                self.outbox.remove(item.seq)
                self._sent(item)
                self._delivered.set()

    def _sent(self, item: Outgoing) -> None:
        now = self._clock()
        queued = self._waiting_since.pop(item.seq, None)
        fields: dict[str, object] = {
            "key": item.key,
            "origin": item.origin.value,
            "label": item.label,
            "bytes": len(item.envelope),
        }
        if queued is not None:
            fields["waited_s"] = round((now - queued).total_seconds(), 3)
        if item.origin is Origin.FILE:
            fields["file"] = item.label
        record = self.status.get(item.key) if item.origin is not Origin.ATTACK else None
        if record is not None:
            record.forwarded_at = now
            fields.update(type=record.type, role=record.role, message_id=record.message_id)
        self.events.emit("sent", **fields)

    def _on_segment_error(self, reason: str, detail: str) -> None:
        self.events.emit("ihd.segment-error", reason=reason, detail=detail)

    def _on_unit_from_ihd(self, data: bytes) -> None:
        with self.state.reply():
            self._handle_unit_from_ihd(data)

    def _handle_unit_from_ihd(self, data: bytes) -> None:
        digest = hashlib.sha256(data).hexdigest()
        if self.state.handled(digest):
            # The IHD re-sent a reply it could not be sure was delivered (crash, dropped link):
            # it was handled once, and handling it again would count it twice.
            self.events.emit("duplicate", digest=digest[:16])
            return
        verdict = self._verifier.verify(data)
        if not verdict.accepted:
            self.events.emit(
                "ihd.rejected",
                reason=verdict.reason.value if verdict.reason else None,
                detail=verdict.detail,
            )
            return
        message = verdict.message
        assert message is not None
        if fault_hooks.refuses_reply(self.config.faults, message.message_type.name):
            raise FaultRefusalError(
                f"{message.message_type.name} refused on purpose (--fault); not confirmed"
            )
        self.state.remember(digest)
        if message.role is Role.IHD and self._ihd_id is None:
            self._ihd_id = message.claims.issuer
        command = message.unit.command if message.unit is not None else None
        details = dict(message.claims.details)
        name = message.message_type.name
        refers_to = details.get("refers_to")
        fields: dict[str, object] = {
            "originator": message.claims.issuer,
            "message_id": getattr(command, "message_id", None),
            "details": details,
        }
        record = None
        if isinstance(refers_to, str):
            fields["refers_to"] = refers_to
            record = self.status.get(refers_to)
            if record is not None:
                fields.update(subject_type=record.type, subject_role=record.role)
        self.events.emit(REPLY_EVENTS.get(name, name), **fields)
        if isinstance(refers_to, str):
            at = (
                utc_to_datetime(command.confirmation_time)
                if isinstance(command, MessageConfirmation)
                else None
            )
            self._on_reply(name, refers_to, details, at, command, record)
        if name == "consent.update":
            self._on_consent(details)
        if (
            isinstance(command, GetProfile)
            and message.unit is not None
            and fault_hooks.answers_history(self.config.faults)
        ):
            self._history_requests.put_nowait(
                (message.unit.endpoint, command.end_time, command.number_of_periods)
            )

    def _on_reply(
        self,
        name: str,
        refers_to: str,
        details: Mapping[str, object],
        at: datetime | None,
        command: object,
        record: MessageRecord | None,
    ) -> None:
        """Move the message ``refers_to`` on in the status table (or the attack console)."""
        if self.attacks.on_reply(name, refers_to, details):
            return
        if record is None:
            return
        when = at or self._clock()
        if name == "message.receipt":
            record.receipt_at = record.receipt_at or when
        elif name == "message.displayed":
            record.displayed_at = record.displayed_at or when
        elif name == "message.confirmation":
            record.acknowledged_at = record.acknowledged_at or when
            control = getattr(command, "confirmation_control", None)
            record.acknowledged_answer = control != 0x01
        elif name == "error.notification":
            if record.accepted_by_ihd:
                # About a second copy of an accepted message (a replay): the message stands.
                return
            reason = details.get("reason")
            record.rejected_reason = str(reason) if reason is not None else "unknown"
            record.rejected_detail = str(details.get("explanation", ""))
            record.rejected_at = str(details.get("at", ""))
        self.events.emit("status", **record.to_dict())

    def _on_consent(self, details: Mapping[str, object]) -> None:
        consent = details.get("consent")
        if not isinstance(consent, Mapping):
            return
        choices = {str(k): v for k, v in consent.items() if isinstance(v, bool)}
        self.state.set_consent(choices)
        self.events.emit("consent.stored", consent=dict(self.state.consent))

    # -- forwarding operator messages -----------------------------------------------------------

    def forward(self, envelope: bytes, *, text: str | None = None) -> Verdict:
        """Verify an operator's envelope and act on it (seed: "the Smart Metering System
        validates the request"): a message for the IHD is queued for it byte for byte; a
        command for the meter (threshold, data request) is carried out. A refusal is logged as
        ``operator.error`` with the reason code, the detail and a timestamp: the error
        notification back to the operator.

        Args:
            envelope: The signed envelope.
            text: What the message says (for the status table), if the caller knows it.

        Returns:
            The meter's verdict. The status table has a row for the envelope either way.
        """
        verdict = self._verifier.verify(envelope)
        now = self._clock()
        record = self._record_for(envelope, verdict, now, text)
        if not verdict.accepted:
            assert verdict.reason is not None
            record.refused_reason = verdict.reason.value
            record.refused_detail = verdict.detail
            self.events.emit(
                "operator.error",
                reason=verdict.reason.value,
                detail=verdict.detail,
                explanation=verdict.reason.explanation,
                at=now.isoformat(timespec="seconds"),
                key=record.key,
                type=record.type or None,
                claimed_originator=record.originator or None,
            )
            return verdict
        message = verdict.message
        assert message is not None
        flow = message.message_type.flow
        if flow is Flow.TO_IHD:
            self._track_replacements(message, record, now)
            self._enqueue(envelope, Origin.OPERATOR, message.message_type.name, record=record)
            if message.message_type.name == "gas.supply-disabled":
                self.behaviour.close_gas_valve(message.signer.organisation or record.originator)
                self._confirm(message, record, "the gas valve is closed")
        elif flow is Flow.TO_METER:
            self._act(message, record)
        else:
            # Policy gives these types to the IHD only, so this is a misconfigured policy.
            record.refused_reason = "unknown-command"
            record.refused_detail = f"'{record.type}' is a reply of the IHD, not for forwarding"
            self.events.emit(
                "operator.error",
                reason="unknown-command",
                detail=record.refused_detail,
                explanation="The meter does not forward this kind of message.",
                at=now.isoformat(timespec="seconds"),
                key=record.key,
                type=record.type,
                claimed_originator=record.originator,
            )
        return verdict

    def _record_for(
        self, envelope: bytes, verdict: Verdict, now: datetime, text: str | None
    ) -> MessageRecord:
        claims = verdict.message.claims if verdict.message is not None else verdict.claims
        message_id: int | None = None
        said = text or ""
        needs_ack = False
        try:
            unit = decode_unit(parse_envelope(envelope).payload)
        except (DecodeError, ValueError):
            unit = None
        if unit is not None:
            message_id = getattr(unit.command, "message_id", None)
            if isinstance(unit.command, DisplayMessage):
                said = said or unit.command.message
                needs_ack = unit.command.control.confirmation_required
        record = MessageRecord(
            key=claims.token_id.hex() if claims is not None else digest_key(envelope),
            origin="operator",
            role=claims.role if claims is not None else "",
            originator=claims.issuer if claims is not None else "",
            type=claims.type if claims is not None else "",
            message_id=message_id,
            text=said,
            created_at=now,
            needs_ack=needs_ack,
            envelope=envelope,
        )
        if verdict.message is not None:
            record.role = verdict.message.role.value
        return self.status.add(record)

    def _track_replacements(
        self, message: VerifiedMessage, record: MessageRecord, now: datetime
    ) -> None:
        """A newer message of the same id supersedes; a cancellation withdraws."""
        command = message.unit.command if message.unit is not None else None
        originator = message.claims.issuer
        for row in self.status.rows():
            if row is record or row.originator != originator or row.status.value in _FINAL:
                continue
            if not row.type or row.type in ("message.cancel", "tariff.price"):
                continue
            same_id = row.message_id == getattr(command, "message_id", None)
            if isinstance(command, DisplayMessage) and same_id:
                row.superseded_by = record.key
            elif (isinstance(command, CancelMessage) and same_id) or isinstance(
                command, CancelAllMessages
            ):
                row.cancelled_at = now

    def _confirm(self, message: VerifiedMessage, record: MessageRecord, what: str) -> None:
        """The date- and time-stamped confirmation back to the operator (seed 20 step 3)."""
        if message.message_type.flow is Flow.TO_METER:
            record.carried_out_at = self._clock()
            record.outcome = what
        self.events.emit(
            "operator.confirmed",
            type=message.message_type.name,
            key=record.key,
            originator=message.claims.issuer,
            at=self._clock().isoformat(timespec="seconds"),
            detail=what,
        )

    def _act(self, message: VerifiedMessage, record: MessageRecord) -> None:
        name = message.message_type.name
        who = message.signer.organisation or message.claims.issuer
        if name == "power.threshold-set":
            details = message.claims.details
            kw, grace = details.get("threshold_kw"), details.get("grace_s", 60)
            if not _positive_number(kw) or not _positive_number(grace, allow_zero=True):
                record.refused_reason = "malformed"
                record.refused_detail = "threshold_kw must be above 0 and grace_s 0 or more"
                self.events.emit(
                    "operator.error",
                    reason="malformed",
                    detail=record.refused_detail,
                    explanation="The request's details cannot be used.",
                    at=self._clock().isoformat(timespec="seconds"),
                    key=record.key,
                    type=name,
                    claimed_originator=message.claims.issuer,
                )
                return
            assert isinstance(kw, int | float)
            assert isinstance(grace, int | float)
            self.behaviour.configure_threshold(float(kw), float(grace), who)
            self._confirm(message, record, f"threshold {float(kw):g} kW, grace {float(grace):g} s")
        elif name == "data.request":
            self._answer_data_request(message, record, who)

    def _answer_data_request(
        self, message: VerifiedMessage, record: MessageRecord, who: str
    ) -> None:
        """A DNO's or supplier's GetProfile: answered only with the consumer's consent."""
        party = message.role.value
        if not self.state.consent.get(party, False):
            record.carried_out_at = self._clock()
            record.declined = True
            record.outcome = (
                f"The consumer has not agreed to share half-hourly data with {who} ({party}), "
                "so the meter sent none."
            )
            self.events.emit(
                "data.refused",
                party=party,
                originator=message.claims.issuer,
                key=record.key,
                detail=record.outcome,
            )
            return
        unit = message.unit
        command = unit.command if unit is not None else None
        assert unit is not None
        assert isinstance(command, GetProfile)
        fuel = "gas" if unit.endpoint is Endpoint.GAS else "electricity"
        end = self._last_half_hour(command.end_time)
        intervals = [
            round(interval_energy_wh(self.household, end - SLOT * (n + 1), fuel))
            for n in range(command.number_of_periods)
        ]
        record.carried_out_at = self._clock()
        record.outcome = f"{len(intervals)} half hours of {fuel} data sent to {who}"
        self.events.emit(
            "data.delivered",
            party=party,
            originator=message.claims.issuer,
            key=record.key,
            fuel=fuel,
            periods=len(intervals),
            end=end.isoformat(timespec="seconds"),
            kwh=round(sum(intervals) / 1000, 3),
            intervals_wh=intervals,
        )

    def _last_half_hour(self, end_time: int) -> datetime:
        now = self._clock()
        latest = now.replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0)
        return latest if end_time == 0 else min(latest, utc_to_datetime(end_time))

    # -- the meter's own messages ---------------------------------------------------------------

    def send_meter_message(self, request: MessageRequest) -> MessageRecord:
        """Compose and sign ``request`` as the meter and queue it for the IHD."""
        now = self._clock()
        payload, details = compose(replace(request, at=now))
        claims = new_claims(
            self.identity,
            request.type_name,
            self.ihd_id,
            self.next_counter(self.identity),
            issued_at=now,
            valid_for=METER_MESSAGE_VALIDITY,
            details=details,
        )
        envelope = sign_envelope(self.identity, claims, payload)
        record = MessageRecord(
            key=claims.token_id.hex(),
            origin="meter",
            role="meter",
            originator=self.meter_id,
            type=request.type_name,
            message_id=request.message_id,
            text=request.text,
            created_at=now,
            needs_ack=request.confirmation_required,
            envelope=envelope,
        )
        for row in self.status.rows("meter"):
            if row.message_id == request.message_id and row.status.value not in _FINAL:
                row.superseded_by = record.key
        self.status.add(record)
        self.events.emit(
            "meter.message",
            key=record.key,
            type=request.type_name,
            message_id=request.message_id,
            importance=request.importance.name.lower(),
            text=request.text,
        )
        self._enqueue(envelope, Origin.METER, request.type_name, record=record)
        return record

    async def _history_loop(self) -> None:
        while True:
            endpoint, end_time, periods = await self._history_requests.get()
            await self._answer_history(endpoint, end_time, periods)

    async def _answer_history(self, endpoint: Endpoint, end_time: int, periods: int) -> None:
        """Send ``periods`` half hours ending at ``end_time`` (0: the last whole half hour).

        History is on the IHD's (wall) clock: it asks for the half hours before its now.
        """
        server = self.server
        if server is None:
            return
        end = self._last_half_hour(end_time)
        fuel = "gas" if endpoint is Endpoint.GAS else "electricity"
        intervals = []
        # ZSE orders intervals newest first, each ending where the previous one began.
        for n in range(periods):
            start = end - SLOT * (n + 1)
            wh = interval_energy_wh(self.household, start, fuel)
            intervals.append(round(wh / GAS_KWH_PER_M3) if fuel == "gas" else round(wh))
        response = GetProfileResponse(
            end_time=datetime_to_utc(end),
            status=ProfileStatus.SUCCESS,
            profile_interval_period=ProfileIntervalPeriod.MINUTES_30,
            intervals=tuple(intervals),
        )
        await server.notify_history(
            Unit.of(response, cluster_id=METERING, endpoint=endpoint).encode()
        )

    async def _report_loop(self) -> None:
        interval = fault_hooks.report_interval_s(self.config.faults, self.config.report_interval_s)
        loop = asyncio.get_running_loop()
        next_tick = loop.time()
        while True:
            next_tick += interval
            # A timer, not synchronisation: the meter reports on a fixed cadence.
            await asyncio.sleep(max(0.0, next_tick - loop.time()))
            await self._report_once(interval)

    async def _report_once(self, interval_s: float) -> None:
        server = self.server
        if server is None:
            return
        sample = self.behaviour.sample()
        # Energy over the simulated time since the last report (``--speed`` makes it more).
        elapsed = (
            interval_s * self.sim.speed
            if self._last_sample_at is None
            else max(0.0, (sample.at - self._last_sample_at).total_seconds())
        )
        self._last_sample_at = sample.at
        demand = {Endpoint.ELECTRICITY: sample.electricity_w, Endpoint.GAS: sample.gas_w}
        supply = {
            Endpoint.ELECTRICITY: self.premises.supply_status(electricity=True),
            Endpoint.GAS: self.premises.supply_status(electricity=False),
        }
        for endpoint, watts in demand.items():
            self._registers_wh[endpoint] += max(0.0, watts) * elapsed / 3600
        if not (server.ihd_secure and server.is_subscribed("Metering")):
            return
        if not self._formatting_sent:
            for endpoint, unit in (
                (Endpoint.ELECTRICITY, UnitOfMeasure.KWH),
                (Endpoint.GAS, UnitOfMeasure.M3),
            ):
                report = formatting_report(unit, 1, DIVISOR)
                await server.notify_metering(
                    Unit.of(report, cluster_id=METERING, endpoint=endpoint).encode()
                )
            self._formatting_sent = True
        for endpoint, watts in demand.items():
            register = self._registers_wh[endpoint]
            if endpoint is Endpoint.GAS:
                # Gas is metered in litres (dm3): W of heat -> dm3/h, Wh -> dm3.
                demand_raw = round(watts / GAS_KWH_PER_M3)
                register_raw = round(register / GAS_KWH_PER_M3)
            else:
                demand_raw, register_raw = round(watts), round(register)
            report = ReportAttributes(
                (
                    metering_record(MeteringAttribute.INSTANTANEOUS_DEMAND, demand_raw),
                    metering_record(MeteringAttribute.CURRENT_SUMMATION_DELIVERED, register_raw),
                    metering_record(MeteringAttribute.SUPPLY_STATUS, supply[endpoint]),
                )
            )
            await server.notify_metering(
                Unit.of(report, cluster_id=METERING, endpoint=endpoint).encode()
            )

    def snapshot(self) -> MeterSnapshot:
        """The meter's state now (no side effects)."""
        now = self.sim.now()
        premises = self.premises
        setting = self.behaviour.threshold.setting
        return MeterSnapshot(
            sim_time=now,
            speed=self.sim.speed,
            electricity_w=premises.electricity_w(now),
            gas_w=premises.gas_w(now),
            voltage_v=premises.network_voltage(now),
            electricity_supply=premises.supply_status(electricity=True),
            off_causes=tuple(sorted(c.value for c in premises.off_causes)),
            gas_supply=premises.supply_status(electricity=False),
            threshold_kw=None if setting is None else setting.threshold_kw,
            grace_s=None if setting is None else setting.grace_s,
            threshold_state=self.behaviour.threshold_state.value,
            appliances=dict(premises.forced),
            electricity_register_wh=round(self._registers_wh[Endpoint.ELECTRICITY], 1),
            gas_register_wh=round(self._registers_wh[Endpoint.GAS], 1),
            pending=len(self.outbox),
            ihd_listening=self.ihd_listening,
            consent=self.state.consent,
        )

    async def drop_link(self) -> None:
        """Disconnect the IHD as radio interference would (the IHD should reconnect by itself)."""
        if self._peripheral is not None:
            self.events.emit("link.dropped")
            await self._peripheral.disconnect()

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
        if self._peripheral is not None:
            await self._peripheral.close()
        if self.server is not None:
            await self.server.close()
        if self._radio is not None:
            await self._radio.close()
        self.events.emit("meter.stopped")


#: Statuses after which a row never changes on a new message.
_FINAL = frozenset(
    {"refused", "rejected", "acknowledged", "cancelled", "superseded", "carried-out", "declined"}
)


def _positive_number(value: object, *, allow_zero: bool = False) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    return value >= 0 if allow_zero else value > 0
