"""``meter-emulator --headless``: run the meter until interrupted, logging events."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from ihd_app.protocol.events import EventLog
from meter_emulator.runtime import MeterConfig, MeterRuntime


async def run_headless(config: MeterConfig, events_path: Path | None) -> None:
    """Run the meter until SIGINT or SIGTERM, then shut down cleanly.

    SIGUSR1 drops the link to the IHD, as interference would, to show (and test) that the IHD
    reconnects by itself with its bond.

    Raises:
        IhdError: The meter could not start (e.g. the radio's port is in use).
    """
    events = EventLog(events_path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runtime = MeterRuntime(config, events)
    drops: set[asyncio.Task[None]] = set()

    def drop_link() -> None:
        task = asyncio.create_task(runtime.drop_link(), name="drop-link")
        drops.add(task)
        task.add_done_callback(drops.discard)

    loop.add_signal_handler(signal.SIGUSR1, drop_link)
    try:
        await runtime.start()
        await stop.wait()
    finally:
        await asyncio.gather(*drops, return_exceptions=True)
        await runtime.close()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1):
            loop.remove_signal_handler(signum)
        events.close()
