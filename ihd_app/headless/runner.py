"""``ihd --headless``: find the meter, pair, keep the link up, log readings and messages.

Everything the window shows is also reported as DESIGN.md §8 events, so automation and tests can
follow the display without a screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ihd_app.core.readings import ReadingTracker
from ihd_app.link.meter_link import (
    LinkError,
    MeterLink,
    PairingRefusedError,
    ReconnectPolicy,
    ScanResult,
)
from ihd_app.link.pairing import AutoAccept, PairingAnswers, RejectAll
from ihd_app.link.radios import OpenRadio, open_radio
from ihd_app.protocol.errors import DecodeError, IhdError
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import TrustStore, load_identity
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.resources import default_policy_path, demo_pki_dir, demo_trust_dir
from ihd_app.protocol.verification import Verifier
from ihd_app.protocol.zcl import ReportAttributes, decode_unit
from ihd_app.store.database import Database
from ihd_app.store.replay_counters import SqliteReplayCounters

logger = logging.getLogger(__name__)


@dataclass
class HeadlessConfig:
    """What ``ihd --headless`` was asked to do.

    Attributes:
        radio: Which radio.
        data_dir: Database and bonds.
        accept_pairing: Confirm pairing automatically (otherwise every pairing is refused).
        address: Connect to this meter instead of the first one heard.
        btsnoop: HCI capture file.
        trust_dir: Trust store.
        pki_dir: Where the IHD's identity is.
        search_timeout_s: How long one scan for a meter lasts before trying again.
    """

    radio: RadioSpec
    data_dir: Path
    accept_pairing: bool = False
    address: str | None = None
    btsnoop: Path | None = None
    trust_dir: Path = field(default_factory=demo_trust_dir)
    pki_dir: Path = field(default_factory=demo_pki_dir)
    search_timeout_s: float = 10.0


class ReportedAnswers:
    """Pairing answers that also report each question as an event (what a screen would show).

    Args:
        inner: Who really answers.
        emit: Where the events go.
    """

    def __init__(self, inner: PairingAnswers, emit: Callable[..., object]) -> None:
        self._inner = inner
        self._emit = emit

    async def confirm_numeric(self, number: int) -> bool:
        accepted = await self._inner.confirm_numeric(number)
        self._emit("pairing.numeric-comparison", number=number, accepted=accepted)
        return accepted

    async def enter_passkey(self) -> int | None:
        passkey = await self._inner.enter_passkey()
        self._emit("pairing.passkey-entry", entered=passkey is not None)
        return passkey

    def display_passkey(self, passkey: int) -> None:
        self._emit("pairing.passkey-display", passkey=passkey)
        self._inner.display_passkey(passkey)


class HeadlessIhd:
    """The display's pipeline without a window.

    Args:
        config: What to do.
        events: Where events go.
    """

    def __init__(self, config: HeadlessConfig, events: EventLog) -> None:
        self.config = config
        self.events = events
        answers: PairingAnswers = AutoAccept() if config.accept_pairing else RejectAll()
        self.pairing: PairingAnswers = ReportedAnswers(answers, events.emit)
        self.identity = load_identity(config.pki_dir, "ihd")
        self.readings = ReadingTracker()
        self._trust = TrustStore.from_directory(config.trust_dir)
        self._policy = Policy.from_file(default_policy_path())
        self._database: Database | None = None
        self._verifier: Verifier | None = None
        self.link: MeterLink | None = None
        self._radio_opened = False
        self._radio_backoff = ReconnectPolicy(initial_s=0.5, max_s=5.0)
        self._rng = random.Random()  # noqa: S311 - jitter, not a secret

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set, reopening the radio whenever it goes away.

        Raises:
            IhdError: The radio cannot be opened at start (e.g. no meter emulator is hosting
                the virtual radio), or the first pairing was refused.
        """
        self._database = Database.in_data_dir(self.config.data_dir)
        try:
            attempt = 0
            while not stop.is_set():
                try:
                    radio = await open_radio(
                        self.config.radio,
                        data_dir=self.config.data_dir,
                        pairing=self.pairing,
                        btsnoop=self.config.btsnoop,
                    )
                except IhdError as exc:
                    if not self._radio_opened:
                        raise  # nothing to wait for: say what to do and stop
                    delay = self._radio_backoff.delay(min(attempt, 6), self._rng)
                    attempt += 1
                    self.events.emit("radio.unavailable", detail=str(exc), retry_in_s=delay)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), delay)
                    continue
                attempt = 0
                self._radio_opened = True
                lost = await self._run_on(radio, stop)
                if lost:
                    self.events.emit("radio.lost", radio=str(self.config.radio))
        finally:
            self._database.close()

    async def _run_on(self, radio: OpenRadio, stop: asyncio.Event) -> bool:
        """Use ``radio`` until ``stop`` or until it is lost; returns whether it was lost."""
        self.link = MeterLink(
            radio.backend,
            emit=self.events.emit,
            on_metering=self._on_metering,
            on_message=self._on_message,
            on_history=self._on_history,
        )
        connect = asyncio.create_task(self._connect(stop), name="ihd-connect")
        stopped = asyncio.create_task(stop.wait(), name="ihd-stop")
        lost: asyncio.Future[None] = asyncio.ensure_future(radio.lost())
        pending: set[asyncio.Future[Any]] = {connect, stopped, lost}
        try:
            while True:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                if connect in done:
                    error = connect.exception()
                    if error is not None and not (lost.done() or stopped.done()):
                        raise error  # a refused pairing ends the run with its reason
                if stopped in done or lost in done:
                    return lost in done and not stopped.done()
        finally:
            for task in (connect, stopped, lost):
                task.cancel()
            await asyncio.gather(connect, stopped, lost, return_exceptions=True)
            await self.link.close()
            await radio.close()

    async def _connect(self, stop: asyncio.Event) -> None:
        """Find the meter and connect, retrying anything but a refused pairing."""
        assert self.link is not None
        attempt = 0
        while not stop.is_set():
            target: ScanResult | str | None = self.config.address
            while target is None and not stop.is_set():
                self.events.emit("link.searching", radio=str(self.config.radio))
                try:
                    target = await self.link.find_meter(self.config.search_timeout_s)
                except LinkError as exc:
                    self.events.emit("link.not-found", detail=str(exc))
            if target is None:
                return
            device = target.device if isinstance(target, ScanResult) else target
            if isinstance(target, ScanResult):
                self.events.emit(
                    "link.found", name=target.name, address=target.address, rssi=target.rssi
                )
            try:
                await self.link.connect(device)
            except PairingRefusedError:
                raise
            except LinkError as exc:
                delay = self._radio_backoff.delay(min(attempt, 6), self._rng)
                attempt += 1
                self.events.emit("link.connect-failed", detail=str(exc), retry_in_s=delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                continue
            self._on_connected()
            return

    def _on_connected(self) -> None:
        assert self.link is not None
        assert self._database is not None
        info = self.link.meter_info
        assert info is not None
        # Accept messages addressed to this display or to its paired meter (operators address
        # the meter; the meter forwards the identical bytes).
        self._verifier = Verifier(
            self._trust,
            self._policy,
            SqliteReplayCounters(self._database),
            {self.identity.entity_id, info.meter_id},
        )

    def _on_metering(self, data: bytes) -> None:
        try:
            unit = decode_unit(data)
        except DecodeError as exc:
            self.events.emit("reading.rejected", reason=exc.reason.value, detail=exc.detail)
            return
        if isinstance(unit.command, ReportAttributes):
            reading = self.readings.apply(unit.endpoint, unit.command, datetime.now(UTC))
            if reading is not None:
                self.events.emit("reading", **reading.to_event())

    def _on_message(self, data: bytes) -> None:
        if self._verifier is None:
            return
        verdict = self._verifier.verify(data)
        if verdict.accepted:
            message = verdict.message
            assert message is not None
            command = message.unit.command if message.unit is not None else None
            self.events.emit(
                "message.accepted",
                id=getattr(command, "message_id", None),
                type=message.message_type.name,
                role=message.role.value,
                originator=message.signer.organisation or message.signer.entity_id,
                text=getattr(command, "message", None),
            )
        else:
            self.events.emit(
                "message.rejected",
                reason=verdict.reason.value if verdict.reason else None,
                detail=verdict.detail,
            )

    def _on_history(self, data: bytes) -> None:
        # History backfill (GetProfileResponse blocks) is consumed by the store with issue D.
        logger.debug("history unit of %d bytes", len(data))


async def run_headless(config: HeadlessConfig, events_path: Path | None) -> None:
    """Run the headless display until SIGINT or SIGTERM, then shut down cleanly.

    Raises:
        IhdError: The radio cannot be opened, or pairing was refused.
    """
    events = EventLog(events_path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await HeadlessIhd(config, events).run(stop)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        events.close()
