"""``FakeService``: the IHD service in memory, faithful to :class:`IhdServiceApi`.

It keeps state, answers every query of the protocol, carries out every action the way the real
service is specified to (acknowledging moves a message to the past, pairing waits for the
consumer's answer, forgetting drops the bond...) and notifies listeners with the same topics.
It has no radio: tests drive it through the ``inject_*`` / ``set_*`` methods, which stand in
for the meter. Every action is also recorded in :attr:`calls`. Unlike the real service, its usage
stops where its made-up history ends (the real one reports every bucket of the period).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cbor2
import numpy as np
from bleak.backends.device import BLEDevice

from ihd_app.core.data_access import DataAccess, export_csv
from ihd_app.core.model import (
    InboxMessage,
    Interval,
    MessageState,
    PairedMeter,
    SecurityEvent,
    StateChange,
    Tariff,
)
from ihd_app.core.prepay_status import PrepayStatus, TopUpOutcome
from ihd_app.core.readings import Fuel, Reading
from ihd_app.core.tou_calendar import TouCalendar
from ihd_app.link.bumble_backend.security import UNPROTECTED, LinkSecurity
from ihd_app.link.meter_link import LinkState, PairingRefusedError, ScanResult
from ihd_app.protocol import gatt_profile
from ihd_app.protocol.consent_terms import PURPOSES, Grant, Granularity
from ihd_app.protocol.utrn import UTRN_DIGITS, group_utrn, normalise_utrn
from ihd_app.service.api import (
    BackfillProgress,
    CaptureState,
    Change,
    CharacteristicValue,
    ConnectionProblem,
    GattCharacteristicInfo,
    GattDescriptorInfo,
    GattServiceInfo,
    PairingQuestion,
    PairingRequest,
    Topic,
    UsageRange,
)
from ihd_app.service.developer import CCCD_UUID, SYSTEM_CAPTURE_NOTE, describe_meter_info
from ihd_app.service.prepayment import PrepayActionError
from ihd_app.ui import periods, pricing
from tests.ui.fake.flexibility import FakeFlexibility

#: The security of a link made with LE Secure Connections numeric comparison, bonded.
SECURE_LINK = LinkSecurity(
    encrypted=True, authenticated=True, bonded=True, key_size=16, secure_connections=True
)
HALF_HOUR = timedelta(minutes=30)
#: The display's identifier: the demo PKI's IHD.
DISPLAY_ID = "00-1D-A6-00-00-00-01-01"


def scan_result(name: str, address: str, rssi: int) -> ScanResult:
    """A scan result without a radio behind it."""
    return ScanResult(name, address, rssi, BLEDevice(address, name, None))


class FakePrepay:
    """In-memory prepayment (:class:`~ihd_app.service.api.PrepayApi`).

    Args:
        changed: Tells the UI something changed.
    """

    def __init__(self, changed: Callable[[], None]) -> None:
        self._changed = changed
        self.status: PrepayStatus | None = None
        self.last_top_up: TopUpOutcome | None = None
        #: The codes sent, emergency credit and restore requests, in order.
        self.calls: list[tuple[str, ...]] = []
        #: What the "meter" answers to a code (code -> outcome); unknown codes are wrong.
        self.answers: dict[str, TopUpOutcome] = {}

    def set_status(self, status: PrepayStatus | None) -> None:
        """The meter published its credit."""
        self.status = status
        self._changed()

    def top_up(self, code: str) -> None:
        digits = normalise_utrn(code)
        if len(digits) != UTRN_DIGITS or not digits.isdigit():
            raise PrepayActionError(
                f"A top-up code has {UTRN_DIGITS} digits; this one has {len(digits)}."
            )
        self.calls.append(("top_up", digits))
        self.last_top_up = self.answers.get(digits, TopUpOutcome("wrong", 0, 0, group_utrn(digits)))
        self._changed()

    def use_emergency_credit(self) -> None:
        self.calls.append(("use_emergency_credit",))

    def restore_supply(self) -> None:
        self.calls.append(("restore_supply",))


class FakeService:
    """An in-memory :class:`~ihd_app.service.api.IhdServiceApi` (plus ``start`` / ``close``).

    Args:
        clock: Current time (aware); defaults to the wall clock.
        pairing_question: What :meth:`connect` asks the consumer.
        pairing_number: The number the "meter" shows (compare / passkey).
        backfill_steps: Progress steps of the simulated backfill after pairing (0: instant).
    """

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] | None = None,
        pairing_question: PairingQuestion = PairingQuestion.COMPARE,
        pairing_number: int = 123456,
        backfill_steps: int = 0,
    ) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))
        self.pairing_question = pairing_question
        self.pairing_number = pairing_number
        self.backfill_steps = backfill_steps
        #: How far the meter's time is ahead of the display's own clock (None: they agree).
        self.clock_correction: float | None = None
        #: Seconds a scan takes.
        self.scan_seconds = 0.0
        #: What a scan finds.
        self.scan_results: list[ScanResult] = []
        #: Every action called, in order: ``(name, arguments...)``.
        self.calls: list[tuple[object, ...]] = []
        #: Why the display is not connected (tests set it).
        self.problem: ConnectionProblem | None = None
        self.started = False
        self.closed = False
        self._listeners: list[Callable[[Change], None]] = []
        self._link_state = LinkState.IDLE
        self._security = UNPROTECTED
        self._paired: PairedMeter | None = None
        self._live: dict[Fuel, list[Reading]] = {fuel: [] for fuel in Fuel}
        self._messages: dict[str, InboxMessage] = {}
        self._security_log: list[SecurityEvent] = []
        self._tariffs: dict[Fuel, Tariff] = {}
        self._calendars: dict[Fuel, TouCalendar] = {}
        self._consents: dict[tuple[str, str], Grant] = {}
        self._access: list[DataAccess] = []
        self._moving_out = False
        self._backfill = BackfillProgress(0, 0, False)
        self._pairing: PairingRequest | None = None
        self._pairing_answer: asyncio.Future[tuple[bool, int | None]] | None = None
        self._history: dict[Fuel, tuple[np.ndarray, np.ndarray]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        #: Prepayment: the status and verdicts tests set, and the consumer's actions.
        self.prepayment = FakePrepay(lambda: self._notify(Topic.PREPAY, "status"))
        #: Event records (``--events``) the fake has logged.
        self.events: list[dict[str, Any]] = []
        self._event_listeners: list[Callable[[dict[str, Any]], None]] = []
        #: Flexibility events (the real board) and direct-control agreements.
        self.flexibility = FakeFlexibility(self._clock, lambda: self._notify(Topic.FLEXIBILITY))

    # -- life ----------------------------------------------------------------------------------
    async def start(self) -> None:
        """Nothing to start; recorded."""
        self.started = True

    async def close(self) -> None:
        """Cancel the simulated backfill and any pending pairing question."""
        self.closed = True
        if self._pairing_answer is not None and not self._pairing_answer.done():
            self._pairing_answer.cancel()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- state ---------------------------------------------------------------------------------
    @property
    def link_state(self) -> LinkState:
        return self._link_state

    @property
    def security(self) -> LinkSecurity:
        return self._security

    @property
    def paired_meter(self) -> PairedMeter | None:
        return self._paired

    @property
    def display_id(self) -> str:
        return DISPLAY_ID

    @property
    def clock_correction_s(self) -> float | None:
        return self.clock_correction

    def latest_reading(self, fuel: Fuel) -> Reading | None:
        readings = self._live[fuel]
        return readings[-1] if readings else None

    def live_readings(self, fuel: Fuel) -> Sequence[Reading]:
        since = self._clock() - periods.LIVE_WINDOW
        return [r for r in self._live[fuel] if r.at >= since]

    def current_messages(self) -> Sequence[InboxMessage]:
        current = [m for m in self._messages.values() if m.state.is_current]
        return sorted(
            current,
            key=lambda m: (m.importance.rank, m.received_at.timestamp()),
            reverse=True,
        )

    def past_messages(self) -> Sequence[InboxMessage]:
        past = [m for m in self._messages.values() if m.state.is_final]
        return sorted(past, key=_last_change, reverse=True)

    def takeover_message(self) -> InboxMessage | None:
        return next((m for m in self.current_messages() if m.takes_over_screen), None)

    def security_log(self) -> Sequence[SecurityEvent]:
        return sorted(self._security_log, key=lambda e: e.at, reverse=True)

    def tariff(self, fuel: Fuel) -> Tariff | None:
        return self._tariffs.get(fuel)

    def tou_calendar(self, fuel: Fuel) -> TouCalendar | None:
        return self._calendars.get(fuel)

    def data_access_log(self, limit: int | None = None) -> Sequence[DataAccess]:
        newest = sorted(self._access, key=lambda e: e.at, reverse=True)
        return newest if limit is None else newest[:limit]

    def export_data_access(self, path: Path) -> int:
        path.write_text(export_csv(self.data_access_log()), encoding="utf-8")
        return len(self._access)

    def inject_data_access(self, entry: DataAccess) -> None:
        """The meter told of a data request (as its data.access notice does)."""
        self._access.append(entry)
        self._notify(Topic.DATA_ACCESS, entry.party)

    def consents(self) -> Sequence[Grant]:
        never = datetime.fromtimestamp(0, UTC)
        return [
            self._consents.get((p.party, p.name), Grant(p.party, p.name, None, None, never))
            for p in PURPOSES
        ]

    @property
    def backfill(self) -> BackfillProgress:
        return self._backfill

    @property
    def pairing_request(self) -> PairingRequest | None:
        return self._pairing

    @property
    def connection_problem(self) -> ConnectionProblem | None:
        return self.problem

    def pair_again(self) -> None:
        self.calls.append(("pair_again",))
        self.set_problem(None)

    def usage(self, fuel: Fuel, span: UsageRange, end: datetime) -> Sequence[Interval]:
        if span is UsageRange.LIVE:
            return self._live_intervals(fuel, end)
        history = self._history.get(fuel)
        if history is None:
            return []
        starts, kwh = history
        cumulative = np.concatenate(([0.0], np.cumsum(kwh)))
        if not len(starts):
            return []
        data_start = float(starts[0])
        data_end = float(starts[-1]) + HALF_HOUR.total_seconds()
        edges = periods.bucket_edges(span, end)
        intervals: list[Interval] = []
        for left, right in itertools.pairwise(edges):
            lo_s, hi_s = left.timestamp(), right.timestamp()
            if lo_s >= data_end:
                break
            if hi_s <= data_start:
                continue
            lo = int(np.searchsorted(starts, lo_s, side="left"))
            hi = int(np.searchsorted(starts, hi_s, side="left"))
            intervals.append(
                Interval(
                    fuel,
                    left.astimezone(UTC),
                    right - left,
                    float(cumulative[hi] - cumulative[lo]),
                )
            )
        return intervals

    def cost_pence(self, fuel: Fuel, intervals: Sequence[Interval]) -> float:
        tariff = self._tariffs.get(fuel)
        if tariff is None:
            return 0.0
        total = 0.0
        history = self._history.get(fuel)
        for interval in intervals:
            total += tariff.standing_charge_pence_per_day * (interval.duration / timedelta(days=1))
            if interval.duration <= HALF_HOUR or history is None:
                band = pricing.band_at(tariff, interval.start)
                total += interval.kwh * (band.pence_per_kwh if band else 0.0)
                continue
            starts, kwh = history
            lo = int(np.searchsorted(starts, interval.start.timestamp(), side="left"))
            hi = int(
                np.searchsorted(
                    starts, (interval.start + interval.duration).timestamp(), side="left"
                )
            )
            rates = self._rates(tariff, starts[lo:hi])
            total += float(np.dot(kwh[lo:hi], rates))
        return total

    # -- actions -------------------------------------------------------------------------------
    async def scan(self, timeout_s: float = 5.0) -> Sequence[ScanResult]:
        self.calls.append(("scan", timeout_s))
        before = self._link_state
        self._set_link(LinkState.SCANNING)
        try:
            await asyncio.sleep(min(timeout_s, self.scan_seconds))
        finally:
            self._set_link(before)
        return list(self.scan_results)

    async def connect(self, target: ScanResult | str) -> None:
        self.calls.append(("connect", target))
        address = target if isinstance(target, str) else target.address
        name = next((r.name for r in self.scan_results if r.address == address), "Smart meter")
        self._set_link(LinkState.CONNECTING)
        await asyncio.sleep(0)
        if self._paired is None or self._paired.address != address:
            accepted, passkey = await self._ask(self.pairing_question)
            if self.pairing_question is PairingQuestion.ENTER_PASSKEY:
                accepted = accepted and passkey == self.pairing_number
            if not accepted:
                self._set_link(LinkState.IDLE)
                raise PairingRefusedError("pairing was refused: the numbers did not match")
            now = self._clock()
            self._paired = PairedMeter(
                address=address,
                meter_id="00-1D-A6-00-00-00-00-01",
                name=name,
                certificate_sha256=hashlib.sha256(address.encode()).digest(),
                paired_at=now,
                last_seen=now,
            )
        self._security = SECURE_LINK
        self._set_link(LinkState.CONNECTED)
        self._start_backfill()

    async def forget_meter(self) -> None:
        self.calls.append(("forget_meter",))
        self._paired = None
        self._security = UNPROTECTED
        self._backfill = BackfillProgress(0, 0, False)
        self._set_link(LinkState.IDLE)
        self._notify(Topic.BACKFILL)

    async def acknowledge(self, key: str) -> None:
        self.calls.append(("acknowledge", key))
        message = self._messages.get(key)
        if message is None or not message.state.is_current:
            return
        self._move(message, MessageState.ACKNOWLEDGED, "acknowledged by the consumer")

    def answer_pairing(self, accepted: bool, passkey: int | None = None) -> None:
        self.calls.append(("answer_pairing", accepted, passkey))
        if self._pairing_answer is not None and not self._pairing_answer.done():
            self._pairing_answer.set_result((accepted, passkey))
        elif self._pairing is not None:
            self._pairing = None
            self._notify(Topic.PAIRING)

    async def set_consent(self, party: str, purpose: str, granularity: Granularity | None) -> None:
        self.calls.append(("set_consent", party, purpose, granularity))
        now = self._clock()
        expires = now + timedelta(days=365) if granularity is not None else None
        self._consents[(party, purpose)] = Grant(party, purpose, granularity, expires, now)
        self._notify(Topic.CONSENT, f"{party} {purpose} {granularity or 'none'}")

    async def move_out(self) -> None:
        await self.wipe_local_data()
        self._moving_out = True
        self._notify(Topic.CONSENT, "moving out")

    @property
    def moving_out(self) -> bool:
        return self._moving_out

    async def wipe_local_data(self) -> None:
        self.calls.append(("wipe_local_data",))
        self._messages.clear()
        self._security_log.clear()
        self._history.clear()
        self._access.clear()
        for readings in self._live.values():
            readings.clear()
        for topic in (Topic.INBOX, Topic.SECURITY_LOG, Topic.READING, Topic.DATA_ACCESS):
            self._notify(topic, "local data wiped")

    # -- notifications -------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[Change], None]) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    # -- developer panel -----------------------------------------------------------------------
    async def gatt_table(self) -> Sequence[GattServiceInfo]:
        """The profile's service as the real meter exposes it (nothing is read)."""
        if self._link_state is not LinkState.CONNECTED:
            raise PairingRefusedError("not connected to a meter")
        characteristics = tuple(
            GattCharacteristicInfo(
                spec.uuid,
                0x0010 + 3 * number,
                spec.name,
                True,
                tuple(sorted(spec.properties)),
                (GattDescriptorInfo(CCCD_UUID, 0x0012 + 3 * number, "CCCD", "notifications on"),)
                if spec.properties & {"notify", "indicate"}
                else (),
            )
            for number, spec in enumerate(gatt_profile.CHARACTERISTICS)
        )
        return [
            GattServiceInfo(gatt_profile.SERVICE_UUID, 0x000F, "IHD meter profile", characteristics)
        ]

    async def read_characteristic(self, uuid: str) -> CharacteristicValue:
        """Meter Info of the demo meter."""
        data = cbor2.dumps({"meter_id": "00-1D-A6-00-00-00-00-01", "profile_version": 1})
        return CharacteristicValue(uuid, data, describe_meter_info(data))

    def recent_events(self) -> Sequence[dict[str, Any]]:
        return list(self.events)

    def subscribe_events(self, listener: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        self._event_listeners.append(listener)
        return lambda: self._event_listeners.remove(listener)

    @property
    def capture(self) -> CaptureState:
        return CaptureState(False, None, SYSTEM_CAPTURE_NOTE, Path("captures"))

    def start_capture(self, path: Path) -> None:
        raise PairingRefusedError(SYSTEM_CAPTURE_NOTE)

    def stop_capture(self) -> None:
        """Nothing runs."""

    def emit_event(self, event: str, **fields: Any) -> None:
        """Log an event record as the real service's EventLog would."""
        record = {"ts": self._clock().isoformat(timespec="milliseconds"), "event": event, **fields}
        self.events.append(record)
        for listener in list(self._event_listeners):
            listener(record)

    # -- what the meter would do (driving the fake) ----------------------------------------------
    def inject_message(self, message: InboxMessage) -> None:
        """A verified message arrived (it is shown at once unless scheduled)."""
        state = message.state
        if state is MessageState.RECEIVED:
            state = MessageState.DISPLAYED
        history = message.history or (
            StateChange(MessageState.RECEIVED, message.received_at, "verified"),
        )
        if state is MessageState.DISPLAYED and history[-1].state is not state:
            history = (*history, StateChange(state, message.received_at, "shown"))
        self._messages[message.key] = replace(message, state=state, history=history)
        self._notify(Topic.INBOX, f"message {message.key}")

    def cancel_message(self, key: str, note: str = "cancelled by its originator") -> None:
        """The originator withdrew a message."""
        message = self._messages.get(key)
        if message is not None and message.state.is_current:
            self._move(message, MessageState.CANCELLED, note)

    def inject_refusal(self, event: SecurityEvent) -> None:
        """An envelope was refused."""
        self._security_log.append(event)
        self._notify(Topic.SECURITY_LOG, event.reason)

    def inject_reading(self, reading: Reading) -> None:
        """A live reading arrived."""
        readings = self._live[reading.fuel]
        readings.append(reading)
        horizon = reading.at - periods.LIVE_WINDOW - timedelta(minutes=1)
        while readings and readings[0].at < horizon:
            readings.pop(0)
        self._notify(Topic.READING, reading.fuel.value)

    def set_tou_calendar(self, fuel: Fuel, calendar: TouCalendar | None) -> None:
        """Give ``fuel`` a time-of-use calendar (or take it away)."""
        if calendar is None:
            self._calendars.pop(fuel, None)
        else:
            self._calendars[fuel] = calendar
        self._notify(Topic.TARIFF, "")

    def set_tariff(self, tariff: Tariff) -> None:
        """A tariff was published."""
        self._tariffs[tariff.fuel] = tariff
        self._notify(Topic.TARIFF, tariff.fuel.value)

    def set_consent_state(self, grant: Grant) -> None:
        """A stored consent (as loaded at start)."""
        self._consents[(grant.party, grant.purpose)] = grant
        self._notify(Topic.CONSENT)

    def set_history(
        self, fuel: Fuel, first_start: datetime, kwh: Sequence[float] | np.ndarray
    ) -> None:
        """Half-hourly history from ``first_start`` (UTC, on a half hour)."""
        values = np.asarray(kwh, dtype=float)
        starts = first_start.timestamp() + np.arange(len(values)) * HALF_HOUR.total_seconds()
        self._history[fuel] = (starts, values)
        self._notify(Topic.READING, "history")

    def set_link(
        self,
        state: LinkState,
        security: LinkSecurity | None = None,
        meter: PairedMeter | None = None,
    ) -> None:
        """The link changed (state, security, paired meter)."""
        if security is not None:
            self._security = security
        if meter is not None:
            self._paired = meter
        self._set_link(state)

    def set_problem(self, problem: ConnectionProblem | None) -> None:
        """Why the display is not connected (``None``: nothing wrong)."""
        self.problem = problem
        self._notify(Topic.LINK)

    def set_clock_correction(self, correction_s: float | None) -> None:
        """A handshake found the display's own clock off by this much (``None``: it agrees)."""
        self.clock_correction = correction_s
        self._notify(Topic.LINK, "clock")

    def set_backfill(self, progress: BackfillProgress) -> None:
        """Backfill progress."""
        self._backfill = progress
        self._notify(Topic.BACKFILL)

    def ask_pairing(self, request: PairingRequest) -> None:
        """The link asks the consumer a pairing question (answered with answer_pairing)."""
        self._pairing = request
        self._notify(Topic.PAIRING)

    def withdraw_pairing(self) -> None:
        """The link gave up waiting for the consumer (timeout, peer disconnected)."""
        if self._pairing_answer is not None and not self._pairing_answer.done():
            self._pairing_answer.set_result((False, None))
        elif self._pairing is not None:
            self._pairing = None
            self._notify(Topic.PAIRING)

    # -- internals -----------------------------------------------------------------------------
    async def _ask(self, question: PairingQuestion) -> tuple[bool, int | None]:
        self._set_link(LinkState.PAIRING)
        answer: asyncio.Future[tuple[bool, int | None]] = asyncio.get_running_loop().create_future()
        self._pairing_answer = answer
        number = None if question is PairingQuestion.ENTER_PASSKEY else self.pairing_number
        self._pairing = PairingRequest(question, number)
        self._notify(Topic.PAIRING)
        try:
            return await answer
        finally:
            self._pairing_answer = None
            self._pairing = None
            self._notify(Topic.PAIRING)

    def _start_backfill(self) -> None:
        total = 19_000
        if self.backfill_steps <= 0:
            self._backfill = BackfillProgress(total, total, False)
            self._notify(Topic.BACKFILL)
            return

        async def run() -> None:
            for step in range(1, self.backfill_steps + 1):
                done = total * step // self.backfill_steps
                self._backfill = BackfillProgress(done, total, step < self.backfill_steps)
                self._notify(Topic.BACKFILL)
                await asyncio.sleep(0.01)

        task = asyncio.ensure_future(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _move(self, message: InboxMessage, state: MessageState, note: str) -> None:
        change = StateChange(state, self._clock(), note)
        self._messages[message.key] = replace(
            message, state=state, history=(*message.history, change)
        )
        self._notify(Topic.INBOX, f"message {message.key} {state.value}")

    def _set_link(self, state: LinkState) -> None:
        self._link_state = state
        self._notify(Topic.LINK, state.value)

    def _notify(self, topic: Topic, detail: str = "") -> None:
        change = Change(topic, detail)
        for listener in list(self._listeners):
            listener(change)

    def _live_intervals(self, fuel: Fuel, end: datetime) -> list[Interval]:
        readings = [r for r in self._live[fuel] if r.at <= end and r.demand_w is not None]
        intervals = []
        for first, second in itertools.pairwise(readings):
            duration = second.at - first.at
            kwh = (first.demand_w or 0.0) / 1000 * (duration / timedelta(hours=1))
            intervals.append(Interval(fuel, first.at, duration, kwh))
        return intervals

    @staticmethod
    def _rates(tariff: Tariff, starts: np.ndarray) -> np.ndarray:
        rates = np.empty(len(starts))
        for index, start in enumerate(starts):
            band = pricing.band_at(tariff, datetime.fromtimestamp(float(start), UTC))
            rates[index] = band.pence_per_kwh if band else 0.0
        return rates


def _last_change(message: InboxMessage) -> float:
    return (message.history[-1].at if message.history else message.received_at).timestamp()
