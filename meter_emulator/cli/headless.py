"""``meter-emulator --headless``: run the meter until interrupted, logging events."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path

from ihd_app.protocol.events import EventLog
from ihd_app.protocol.set_aside import warn_on_stderr
from meter_emulator.behaviour.meter import RestoreRefusedError
from meter_emulator.runtime import MeterConfig, MeterRuntime
from meter_emulator.scenarios.model import Scenario
from meter_emulator.scenarios.player import ScenarioFailedError, ScenarioPlayer

logger = logging.getLogger(__name__)

#: How long ``--exit-when-done`` waits for queued messages to reach a listening IHD.
FLUSH_S = 10.0


async def run_headless(
    config: MeterConfig,
    events_path: Path | None,
    scenario: Scenario | None = None,
    *,
    exit_when_done: bool = False,
) -> bool:
    """Run the meter until SIGINT or SIGTERM, then shut down cleanly.

    SIGUSR1 drops the link to the IHD, as interference would, to show (and test) that the IHD
    reconnects by itself with its bond. SIGUSR2 presses the button on the meter that restores a
    supply the meter interrupted (power threshold, extreme voltage, safety alarm).

    With a scenario, it is played once the IHD listens; with ``exit_when_done`` the meter stops
    when it ends.

    Returns:
        ``False`` if the scenario failed, else ``True``.

    Raises:
        IhdError: The meter could not start (e.g. the radio's port is in use).
    """
    events = EventLog(events_path)
    events.subscribe(warn_on_stderr("meter-emulator"))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runtime = MeterRuntime(config, events)
    tasks: set[asyncio.Task[None]] = set()
    outcome = {"ok": True}

    def spawn(coroutine: object, name: str) -> None:
        assert asyncio.iscoroutine(coroutine)
        task: asyncio.Task[None] = asyncio.create_task(coroutine, name=name)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def drop_link() -> None:
        spawn(runtime.drop_link(), "drop-link")

    def restore() -> None:
        # A refusal (nothing to restore, cause still there) is logged as supply.restore-refused.
        with contextlib.suppress(RestoreRefusedError):
            runtime.behaviour.restore("consumer (SIGUSR2)")

    async def play(chosen: Scenario) -> None:
        try:
            await ScenarioPlayer(runtime, chosen).play()
        except ScenarioFailedError:
            outcome["ok"] = False
        except Exception as exc:  # a bug must not leave a workshop waiting in silence
            outcome["ok"] = False
            logger.exception("scenario %s crashed", chosen.name)
            events.emit("scenario.failed", n=0, action="", detail=f"internal error: {exc!r}")
        if exit_when_done:
            # What the last steps queued (e.g. supply.restored) still reaches the IHD.
            await runtime.flush(FLUSH_S)
            stop.set()

    loop.add_signal_handler(signal.SIGUSR1, drop_link)
    loop.add_signal_handler(signal.SIGUSR2, restore)
    try:
        await runtime.start()
        if scenario is not None:
            spawn(play(scenario), "scenario")
        await stop.wait()
    finally:
        for task in list(tasks):
            if task.get_name() == "scenario":
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await runtime.close()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2):
            loop.remove_signal_handler(signum)
        events.close()
    return outcome["ok"]
