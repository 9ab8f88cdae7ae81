"""``ihd --headless``: the display's service without a window, reporting everything as events.

Finds the meter, pairs (only with ``--accept-pairing``), keeps the link up, verifies and shows
messages (``--auto-ack`` acknowledges those that ask for it), delivers replies, backfills
history; everything the window would show is a DESIGN.md §8 event.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ihd_app.link.meter_link import ReconnectPolicy
from ihd_app.link.pairing import AutoAccept, PairingAnswers, RejectAll
from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.resources import demo_pki_dir, demo_trust_dir
from ihd_app.service.ihd_service import IhdService, ServiceConfig


@dataclass
class HeadlessConfig:
    """What ``ihd --headless`` was asked to do.

    Attributes:
        radio: Which radio.
        data_dir: Database and bonds.
        accept_pairing: Confirm pairing automatically (otherwise every pairing is refused).
        auto_ack: Acknowledge each displayed message that asks for confirmation.
        address: Connect to this meter instead of the first one heard.
        btsnoop: HCI capture file.
        trust_dir: Trust store.
        pki_dir: Where the IHD's identity is.
        search_timeout_s: How long one scan for a meter lasts before trying again.
        backfill: Ask for 13 months of history after pairing.
    """

    radio: RadioSpec
    data_dir: Path
    accept_pairing: bool = False
    auto_ack: bool = False
    address: str | None = None
    btsnoop: Path | None = None
    trust_dir: Path = field(default_factory=demo_trust_dir)
    pki_dir: Path = field(default_factory=demo_pki_dir)
    search_timeout_s: float = 10.0
    backfill: bool = True


class HeadlessIhd:
    """Runs :class:`IhdService` until stopped, reopening the radio whenever it goes away.

    Args:
        config: What to do.
        events: Where events go.
    """

    def __init__(self, config: HeadlessConfig, events: EventLog) -> None:
        self.config = config
        self.events = events
        self.pairing: PairingAnswers = AutoAccept() if config.accept_pairing else RejectAll()
        self.service: IhdService | None = None
        self._backoff = ReconnectPolicy(initial_s=0.5, max_s=5.0)
        self._rng = random.Random()  # noqa: S311 - jitter, not a secret

    def _service_config(self) -> ServiceConfig:
        config = self.config
        return ServiceConfig(
            radio=config.radio,
            data_dir=config.data_dir,
            trust_dir=config.trust_dir,
            pki_dir=config.pki_dir,
            auto_ack=config.auto_ack,
            address=config.address,
            btsnoop=config.btsnoop,
            backfill=config.backfill,
        )

    async def _wait(self, stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set.

        Raises:
            IhdError: The radio cannot be opened at start (e.g. no meter emulator is hosting
                the virtual radio), or pairing was refused.
        """
        service = IhdService(self._service_config(), self.events, pairing=self.pairing)
        self.service = service
        try:
            await service.start()
            while not stop.is_set():
                if not await self._run_on(service, stop):
                    return
                self.events.emit("radio.lost", radio=str(self.config.radio))
                await service.close_radio()
                await self._reopen(service, stop)
        finally:
            await service.close()

    async def _reopen(self, service: IhdService, stop: asyncio.Event) -> None:
        """Reopen the radio with backoff until it is back or ``stop`` is set."""
        attempt = 0
        while not stop.is_set():
            try:
                await service.open_radio()
            except IhdError as exc:
                delay = self._backoff.delay(min(attempt, 6), self._rng)
                attempt += 1
                self.events.emit("radio.unavailable", detail=str(exc), retry_in_s=delay)
                await self._wait(stop, delay)
                continue
            return

    async def _run_on(self, service: IhdService, stop: asyncio.Event) -> bool:
        """Use ``service`` until ``stop`` or until its radio is lost; returns whether lost."""
        connect = asyncio.create_task(
            service.connect_until_connected(self.config.search_timeout_s), name="ihd-connect"
        )
        stopped = asyncio.create_task(stop.wait(), name="ihd-stop")
        lost = asyncio.create_task(service.radio_lost(), name="ihd-radio-lost")
        pending: set[asyncio.Task[Any]] = {connect, stopped, lost}
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
