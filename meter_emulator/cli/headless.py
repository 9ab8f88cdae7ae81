"""``meter-emulator --headless``: run the meter until interrupted, logging events."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from ihd_app.protocol.events import EventLog
from meter_emulator.runtime import MeterConfig, MeterRuntime


async def run_headless(config: MeterConfig, events_path: Path | None) -> None:
    """Run the meter until SIGINT or SIGTERM, then shut down cleanly.

    Raises:
        IhdError: The meter could not start (e.g. the radio's port is in use).
    """
    events = EventLog(events_path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runtime = MeterRuntime(config, events)
    try:
        await runtime.start()
        await stop.wait()
    finally:
        await runtime.close()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        events.close()
