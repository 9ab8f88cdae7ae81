"""The running meter: radio, peripheral, GATT server, live readings and the IHD's replies.

``meter-emulator --headless`` runs one of these until interrupted; the GUI will drive the same
object. It owns every task it starts and stops them all in :meth:`MeterRuntime.close`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.message_types import Flow
from ihd_app.protocol.pki import Identity, TrustStore, load_identity
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.resources import default_policy_path, demo_pki_dir, demo_trust_dir
from ihd_app.protocol.verification import Verifier
from ihd_app.protocol.zcl import (
    METERING,
    Endpoint,
    GetProfile,
    GetProfileResponse,
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
from meter_emulator.gatt import (
    AutoAcceptPolicy,
    MeterGattServer,
    MeterInfo,
    MeterPeripheral,
    PairingMode,
    PairingPolicy,
    advertised_name,
)
from meter_emulator.radio.meter_radio import MeterRadio, open_meter_radio
from meter_emulator.simulation.household import SLOT, Household, interval_energy_wh
from meter_emulator.state import MeterState

logger = logging.getLogger(__name__)

#: Demand and register are reported in thousandths of a kWh (W and Wh) for electricity and in
#: dm3 (litres) for gas, as ZSE meters commonly do.
DIVISOR = 1000
#: Gas: kWh of heat per m3 (GB volume correction x calorific value / 3.6).
GAS_KWH_PER_M3 = 1.02264 * 39.5 / 3.6


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
        report_interval_s: Seconds between live readings.
        send: Envelope files to indicate to the IHD, in order, once it has subscribed (signed
            with ``meter-emulator sign``; CBOR or hex text).
    """

    radio: RadioSpec
    data_dir: Path
    pki_dir: Path = field(default_factory=demo_pki_dir)
    trust_dir: Path = field(default_factory=demo_trust_dir)
    btsnoop: Path | None = None
    pairing_mode: PairingMode = PairingMode.NUMERIC_COMPARISON
    pairing_policy: PairingPolicy | None = None
    seed: int = 1
    report_interval_s: float = 1.0
    send: tuple[Path, ...] = ()


class MeterRuntime:
    """One running meter emulator.

    Args:
        config: How to run.
        events: Where events go.
        clock: Current time (the simulation's time).
    """

    def __init__(
        self,
        config: MeterConfig,
        events: EventLog,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.events = events
        self._clock = clock
        self.identity: Identity = load_identity(config.pki_dir, "meter")
        self.household = Household(seed=config.seed)
        self.state = MeterState(config.data_dir / "meter-state.json")
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
        self._to_send = list(config.send)
        self._history_requests: asyncio.Queue[tuple[Endpoint, int, int]] = asyncio.Queue()

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
        self._radio = await open_meter_radio(config.radio, btsnoop=config.btsnoop)
        name = advertised_name(self.meter_id)
        device = self._radio.create_device(name)
        self._peripheral = MeterPeripheral(
            device,
            policy=config.pairing_policy or AutoAcceptPolicy(),
            keystore_path=config.data_dir / "bonds.json",
            mode=config.pairing_mode,
            on_event=self._on_link_event,
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
        )
        await self._peripheral.start()
        self.events.emit(
            "meter.started", meter_id=self.meter_id, name=name, radio=str(config.radio)
        )
        self._spawn(self._report_loop(), "live-readings")
        self._spawn(self._history_loop(), "history")

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
        if (
            name == "subscribed"
            and fields.get("characteristic") == "Messages to IHD"
            and self._to_send
        ):
            files, self._to_send = self._to_send, []
            self._spawn(self._send_files(files), "send-files")

    async def _send_files(self, files: list[Path]) -> None:
        for path in files:
            data = path.read_bytes()
            text = data.strip()
            if text and all(chr(b) in "0123456789abcdefABCDEF" for b in text):
                data = bytes.fromhex(text.decode("ascii"))
            try:
                await self.send_envelope(data)
            except IhdError as exc:
                self.events.emit("send.failed", file=path.name, detail=str(exc))
                continue
            self.events.emit("sent", file=path.name, bytes=len(data))

    def _on_segment_error(self, reason: str, detail: str) -> None:
        self.events.emit("ihd.segment-error", reason=reason, detail=detail)

    def _on_unit_from_ihd(self, data: bytes) -> None:
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
        names = {
            "message.receipt": "receipt",
            "message.displayed": "displayed",
            "message.confirmation": "ack.received",
            "error.notification": "error.received",
            "consent.update": "consent.received",
            "history.request": "history.requested",
        }
        self.state.remember(digest)
        command = message.unit.command if message.unit is not None else None
        self.events.emit(
            names.get(message.message_type.name, message.message_type.name),
            originator=message.claims.issuer,
            message_id=getattr(command, "message_id", None),
            details=dict(message.claims.details),
        )
        if isinstance(command, GetProfile) and message.unit is not None:
            self._history_requests.put_nowait(
                (message.unit.endpoint, command.end_time, command.number_of_periods)
            )

    async def _history_loop(self) -> None:
        while True:
            endpoint, end_time, periods = await self._history_requests.get()
            await self._answer_history(endpoint, end_time, periods)

    async def _answer_history(self, endpoint: Endpoint, end_time: int, periods: int) -> None:
        """Send ``periods`` half hours ending at ``end_time`` (0: the last whole half hour)."""
        server = self.server
        if server is None:
            return
        now = self._clock()
        latest = now.replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0)
        end = latest if end_time == 0 else min(latest, utc_to_datetime(end_time))
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
        interval = self.config.report_interval_s
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
        now = self._clock()
        demand = {
            Endpoint.ELECTRICITY: self.household.electricity_w(now),
            Endpoint.GAS: self.household.gas_w(now),
        }
        for endpoint, watts in demand.items():
            self._registers_wh[endpoint] += max(0.0, watts) * interval_s / 3600
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
                    metering_record(MeteringAttribute.SUPPLY_STATUS, SupplyStatus.ON),
                )
            )
            await server.notify_metering(
                Unit.of(report, cluster_id=METERING, endpoint=endpoint).encode()
            )

    async def drop_link(self) -> None:
        """Disconnect the IHD as radio interference would (the IHD should reconnect by itself)."""
        if self._peripheral is not None:
            self.events.emit("link.dropped")
            await self._peripheral.disconnect()

    async def send_envelope(self, envelope: bytes) -> None:
        """Indicate an envelope on Messages to IHD (waits for every confirmation).

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
