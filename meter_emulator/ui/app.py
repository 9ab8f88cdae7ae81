"""``meter-emulator`` with a window: the running meter and its consoles on one asyncio loop.

The meter runtime and the window share the loop (qasync): the panels call the runtime directly;
the runtime's events reach them through :class:`~meter_emulator.ui.bridge.EventBridge`. Closing
the window, Ctrl+C or SIGTERM shut down in order: the window's tasks and scenario cancelled, the
meter closed (link, radio), the loop stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication

from ihd_app.desktop.placement import place_window
from ihd_app.desktop.qt_messages import quiet_offscreen_warnings
from ihd_app.protocol.cli_common import EXIT_OK, EXIT_USAGE
from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.events import EventLog, EventWaiter
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.resources import default_policy_path
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import MeterRuntime
from meter_emulator.scenarios.model import Scenario
from meter_emulator.ui.capture import capture_consoles
from meter_emulator.ui.pairing import PairingQuestions
from meter_emulator.ui.window import MeterWindow

logger = logging.getLogger(__name__)

#: Seconds the meter runs before ``--screenshot-dir`` takes its pictures (without --exit-after).
DEFAULT_CAPTURE_AFTER_S = 5.0
#: ``--outlive-ihd`` waits at most this long for the IHD to go (one that hangs cannot keep
#: the meter open for ever).
OUTLIVE_IHD_S = 60.0


@dataclass(frozen=True)
class WindowOptions:
    """How the window runs.

    Attributes:
        accept_pairing: Accept the numeric comparison without asking (the number is shown).
        screenshot_dir: Save a picture of each console there, then close.
        exit_after: Close after this many seconds (with ``screenshot_dir``: take the pictures
            then).
        place: ``left`` or ``right``: fill that half of the screen (``./run demo``).
        zoom: Text size, 1.0 the normal size (``--zoom``).
        presentation: Text large enough for a room on this screen (``--presentation``).
        outlive_ihd: With ``screenshot_dir``: after the pictures, close only once the IHD
            has disconnected (``./run demo``: its pictures show it connected to the meter).
    """

    accept_pairing: bool = False
    screenshot_dir: Path | None = None
    exit_after: float | None = None
    place: str | None = None
    zoom: float = 1.0
    presentation: bool = False
    outlive_ihd: bool = False


def run_meter_gui(
    config: MeterConfig,
    events_path: Path | None,
    scenario: Scenario | None = None,
    options: WindowOptions = WindowOptions(),
) -> int:
    """Run the meter with its window until the window closes; returns the exit status."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("meter-emulator")
    app.setOrganizationName("ihd-emulator")
    app.setApplicationDisplayName("Meter emulator")
    app.setQuitOnLastWindowClosed(False)
    quiet_offscreen_warnings(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        return int(loop.run_until_complete(_run(config, events_path, scenario, options)))
    finally:
        loop.close()
        asyncio.set_event_loop(None)


async def ihd_gone(seen: EventWaiter, at_most_s: float = OUTLIVE_IHD_S) -> None:
    """Return once every IHD that connected has disconnected (or after ``at_most_s``)."""
    connected = len(seen.named("link.connected"))
    with contextlib.suppress(TimeoutError):
        await seen.wait_count("link.disconnected", connected, timeout=at_most_s)


async def _run(
    config: MeterConfig,
    events_path: Path | None,
    scenario: Scenario | None,
    options: WindowOptions,
) -> int:
    loop = asyncio.get_running_loop()
    events = EventLog(events_path)
    seen = EventWaiter(events)
    questions = PairingQuestions(auto_accept=options.accept_pairing)
    runtime = MeterRuntime(replace(config, pairing_policy=questions.policy()), events)
    window = MeterWindow(
        runtime, events, questions, Policy.from_file(default_policy_path()), zoom=options.zoom
    )
    if options.presentation:
        window.set_zoom(window.presentation_zoom())
    try:
        await runtime.start()
    except IhdError as error:
        print(f"meter-emulator: error: {error}", file=sys.stderr)
        await window.shutdown()
        await runtime.close()
        events.close()
        window.deleteLater()
        return EXIT_USAGE
    if options.place in ("left", "right"):
        place_window(window, options.place)
    window.show()
    closed: asyncio.Future[None] = loop.create_future()
    window.closed.connect(lambda: None if closed.done() else closed.set_result(None))
    handled = (signal.SIGINT, signal.SIGTERM)
    for number in handled:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(number, window.close)
    if scenario is not None:
        window.show_console(window.scenarios)
        window.scenarios.play(scenario, speed=config.speed)  # --speed wins over the file's
    timer: asyncio.TimerHandle | None = None
    if options.screenshot_dir is not None:
        directory = options.screenshot_dir
        wait = options.exit_after if options.exit_after is not None else DEFAULT_CAPTURE_AFTER_S

        async def capture_then_close() -> None:
            await asyncio.sleep(wait)  # the scheduled moment of the pictures, not a sync
            for path in await capture_consoles(window, directory):
                logger.info("saved %s", path)
            if options.outlive_ihd:
                await ihd_gone(seen)
            window.close()

        window.run(capture_then_close(), "screenshots")
    elif options.exit_after is not None:
        timer = loop.call_later(options.exit_after, window.close)
    try:
        await closed
    finally:
        if timer is not None:
            timer.cancel()
        for number in handled:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(number)
        await window.shutdown()
        try:
            await runtime.close()
        except Exception as error:
            logger.error("the meter did not close cleanly: %s", error)
        events.close()
        window.deleteLater()
    return EXIT_OK
