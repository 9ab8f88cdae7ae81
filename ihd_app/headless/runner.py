"""``ihd --headless``: the display's service without a window, reporting everything as events.

Finds the meter, pairs (numeric comparison only with ``--accept-pairing``; a passkey the meter
shows is read from standard input), keeps the link up, verifies and shows
messages (``--auto-ack`` acknowledges those that ask for it), delivers replies, backfills
history; everything the window would show is a DESIGN.md §8 event.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ihd_app.headless.commands import HeadlessCommands
from ihd_app.headless.typed_passkey import TypedPasskey
from ihd_app.link.pairing import PairingAnswers, RejectAll
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.radio_spec import RadioKind, RadioSpec
from ihd_app.protocol.resources import demo_pki_dir, demo_trust_dir
from ihd_app.protocol.set_aside import warn_on_stderr
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService


@dataclass
class HeadlessConfig:
    """What ``ihd --headless`` was asked to do.

    Attributes:
        radio: Which radio.
        data_dir: Database and bonds.
        accept_pairing: Confirm numeric comparison automatically (otherwise it is refused); a
            passkey is typed on standard input either way.
        auto_ack: Acknowledge each displayed message that asks for confirmation.
        address: Connect to this meter instead of the first one heard.
        btsnoop: HCI capture file.
        trust_dir: Trust store.
        pki_dir: Where the IHD's identity is.
        identity: Which identity of ``pki_dir`` the display is (``ihd``, ``ihd-2``).
        search_timeout_s: How long one scan for a meter lasts before trying again.
        backfill: Ask for 13 months of history after pairing.
        clock_offset_s: How far the display's own clock is off (``ihd --clock-offset``).
        commands: Where to read Privacy-screen commands from (``-``: standard input), if
            anywhere (:mod:`ihd_app.headless.commands`).
    """

    radio: RadioSpec
    data_dir: Path
    accept_pairing: bool = False
    auto_ack: bool = False
    address: str | None = None
    btsnoop: Path | None = None
    trust_dir: Path = field(default_factory=demo_trust_dir)
    pki_dir: Path = field(default_factory=demo_pki_dir)
    identity: str = "ihd"
    search_timeout_s: float = 10.0
    backfill: bool = True
    clock_offset_s: float = 0.0
    commands: str | None = None


def service_config(config: HeadlessConfig) -> ServiceConfig:
    """What the service needs of a headless run."""
    return ServiceConfig(
        radio=config.radio,
        data_dir=config.data_dir,
        trust_dir=config.trust_dir,
        pki_dir=config.pki_dir,
        identity=config.identity,
        auto_ack=config.auto_ack,
        address=config.address,
        btsnoop=config.btsnoop,
        backfill=config.backfill,
        search_timeout_s=config.search_timeout_s,
        clock_offset_s=config.clock_offset_s,
    )


class HeadlessIhd:
    """Runs :class:`IhdService` until stopped, reopening the radio whenever it goes away.

    On the virtual radio the display may start before the meter emulator (the air is the
    emulator's): it reports ``radio.unavailable`` and connects once the meter appears. A
    hardware radio (``bumble:…``, ``system``) that cannot be opened at start ends the run with
    the reason: nobody is going to plug it in for a script.

    Args:
        config: What to do.
        events: Where events go.
    """

    def __init__(self, config: HeadlessConfig, events: EventLog) -> None:
        self.config = config
        self.events = events
        self.pairing: PairingAnswers = TypedPasskey(accept_comparison=config.accept_pairing)
        self.service: IhdService | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set.

        Raises:
            IhdError: A hardware radio cannot be opened at start, or pairing was refused.
        """
        service = IhdService(service_config(self.config), self.events, pairing=self.pairing)
        self.service = service
        try:
            await service.start(open_now=self.config.radio.kind is not RadioKind.VIRTUAL)
            keeping = asyncio.create_task(
                service.keeper.run(stop_on_refusal=True), name="ihd-keep-connected"
            )
            stopped = asyncio.create_task(stop.wait(), name="ihd-stop")
            tasks = {keeping, stopped}
            if self.config.commands is not None:
                commands = HeadlessCommands(service, self.events)
                source = _command_source(self.config.commands)
                tasks.add(asyncio.create_task(commands.run(source), name="ihd-commands"))
            try:
                await asyncio.wait({keeping, stopped}, return_when=asyncio.FIRST_COMPLETED)
                if keeping.done() and not stopped.done():
                    keeping.result()  # a refused pairing ends the run with its reason
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            await service.close()


async def forget_paired_meter(config: HeadlessConfig, events_path: Path | None) -> str | None:
    """Forget the paired meter of ``config.data_dir``: the display's record of it and the bond,
    on the radio that holds it (BlueZ's own with ``--radio system``), with the meter away or not.

    Returns:
        The id of the meter forgotten, or ``None`` if none was paired.

    Raises:
        IhdError: The radio cannot be opened (it holds the bond).
    """
    events = EventLog(events_path)
    events.subscribe(warn_on_stderr("ihd"))
    service = IhdService(service_config(config), events, pairing=RejectAll())
    try:
        meter = service.paired_meter
        if meter is None:
            return None
        await service.start(open_now=True)
        await service.forget_meter()
        return meter.meter_id
    finally:
        await service.close()
        events.close()


def _command_source(name: str) -> Callable[[], TextIO]:
    """How to open the commands: standard input (left open for the passkey prompt's sake when
    the reader ends) or a file."""
    if name == "-":
        return lambda: open(sys.stdin.fileno(), encoding="utf-8", closefd=False)
    return lambda: open(name, encoding="utf-8")


def _say_once_when_waiting_for_the_radio() -> Callable[[dict[str, Any]], None]:
    """The first ``radio.unavailable`` as one line on stderr: without ``--events`` a person
    would otherwise see nothing while the display waits for the meter emulator."""
    said = False

    def listener(event: dict[str, Any]) -> None:
        nonlocal said
        if event.get("event") == "radio.unavailable" and not said:
            said = True
            print(
                f"ihd: waiting for the radio: {event['detail']} (retrying; Ctrl+C to stop)",
                file=sys.stderr,
                flush=True,
            )

    return listener


async def run_headless(config: HeadlessConfig, events_path: Path | None) -> None:
    """Run the headless display until SIGINT or SIGTERM, then shut down cleanly.

    Raises:
        IhdError: The radio cannot be opened, or pairing was refused.
    """
    events = EventLog(events_path)
    events.subscribe(warn_on_stderr("ihd"))
    events.subscribe(_say_once_when_waiting_for_the_radio())
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
