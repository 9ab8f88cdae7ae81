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
from meter_emulator.config import MeterConfig
from meter_emulator.gatt.pairing_window import DEFAULT_OPEN_S
from meter_emulator.runtime import MeterRuntime
from meter_emulator.scenarios.model import Scenario
from meter_emulator.scenarios.player import ScenarioFailedError, ScenarioPlayer

logger = logging.getLogger(__name__)

#: How long ``--exit-when-done`` waits for queued messages to reach a listening IHD.
FLUSH_S = 10.0
#: The signal that opens the pairing window (``kill -RTMIN``); Linux has it, macOS does not.
_OPEN_WINDOW_SIGNAL: signal.Signals | None = getattr(signal, "SIGRTMIN", None)


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
    supply the meter interrupted (power threshold, extreme voltage, safety alarm). SIGRTMIN
    (where the system has it) presses the button that opens the pairing window for
    :data:`DEFAULT_OPEN_S` seconds.

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

    def open_pairing_window() -> None:
        runtime.pairing_window.open(DEFAULT_OPEN_S, by="signal")

    # Not SIGHUP: a closed terminal sends it, and must not open the meter to new displays.
    buttons = {signal.SIGUSR1: drop_link, signal.SIGUSR2: restore}
    if _OPEN_WINDOW_SIGNAL is not None:
        buttons[_OPEN_WINDOW_SIGNAL] = open_pairing_window
    for signum, handler in buttons.items():
        loop.add_signal_handler(signum, handler)
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
        for signum in (signal.SIGINT, signal.SIGTERM, *buttons):
            loop.remove_signal_handler(signum)
        events.close()
    return outcome["ok"]
