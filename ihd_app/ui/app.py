"""``run_gui``: the Qt application around the IHD service, on one asyncio loop (qasync).

The service and the UI share the loop: the UI calls the service directly and runs its coroutines
as tasks; the service's notifications reach the widgets through :class:`ServiceBridge`. Closing
the window shuts down in order: UI tasks cancelled, ``await service.close()``, loop stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from ihd_app.desktop.qt_messages import quiet_offscreen_warnings
from ihd_app.service.api import IhdServiceApi
from ihd_app.ui.capture import capture_screens_live, settle
from ihd_app.ui.crash import CrashReporter
from ihd_app.ui.main_window import MainWindow
from ihd_app.ui.qt_check import check_qt_binding
from ihd_app.ui.set_aside_dialog import tell_set_aside_files
from ihd_app.ui.settings import load_settings, save_settings
from ihd_app.ui.speech import default_speaker
from ihd_app.ui.startup_failure import tell_startup_failure
from ihd_app.ui.theme import ThemeName
from ihd_app.ui.window_state import PLACES, place_window, restore_geometry, save_geometry

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1


class ManagedService(IhdServiceApi, Protocol):
    """The service as the application runs it: the UI protocol plus start and close."""

    async def start(self) -> None:
        """Open the radio, the store; begin connecting."""
        ...

    async def close(self) -> None:
        """Stop everything and release the radio."""
        ...


ServiceFactory = Callable[[], Awaitable[ManagedService]]


def parse_form_factor(value: str | tuple[int, int] | None) -> tuple[int, int] | None:
    """``"800x480"`` -> ``(800, 480)``."""
    if value is None or isinstance(value, tuple):
        return value
    try:
        width, height = (int(part) for part in value.lower().split("x", 1))
    except ValueError:
        raise ValueError(f"form factor {value!r} is not WIDTHxHEIGHT (e.g. 800x480)") from None
    if width < 320 or height < 240:
        raise ValueError(f"form factor {value!r} is too small (at least 320x240)")
    return width, height


def run_gui(
    service_factory: ServiceFactory,
    *,
    kiosk: bool = False,
    form_factor: str | tuple[int, int] | None = None,
    theme: str | None = None,
    screenshot_dir: Path | None = None,
    exit_after: float | None = None,
    persist_settings: bool = True,
    settings_file: Path | None = None,
    log_file: Path | None = None,
    place: str | None = None,
    developer: bool = False,
) -> int:
    """Run the display until its window closes; returns the exit status.

    Args:
        service_factory: Creates the service (awaited on the loop; ``start`` is called after
            the window is shown).
        kiosk: Full screen without window chrome.
        form_factor: The screen's size, ``"WxH"`` or ``(w, h)``: shown at exactly that size in
            the device's case (not in kiosk mode, which fills the screen without it).
        theme: ``light``, ``dark`` or ``high-contrast`` (default: the saved setting).
        screenshot_dir: Save a picture of every screen there once started.
        exit_after: Close the window after this many seconds (automation, smoke tests).
        persist_settings: Load and save the consumer's settings and the window's geometry
            (QSettings).
        settings_file: Keep them in this INI file instead of the platform's place (tests).
        log_file: The log file an error dialog points to.
        place: ``left`` or ``right``: fill that half of the primary screen (or, with a form
            factor, centre the device in it); wins over the saved geometry.
        developer: Turn Settings → Developer tools on (the Developer screen is shown).
    """
    check_qt_binding()
    size = parse_form_factor(form_factor)
    if place is not None and place not in PLACES:
        raise ValueError(f"place {place!r} is not one of {', '.join(PLACES)}")
    chosen_theme = ThemeName(theme) if theme else None
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("ihd")
    app.setOrganizationName("ihd-emulator")
    app.setApplicationDisplayName("In-Home Display")
    app.setQuitOnLastWindowClosed(False)
    quiet_offscreen_warnings(app)
    # An exception escaping a slot gets a dialog and the log file, not a silent stderr line.
    reporter = CrashReporter(log_file, QApplication.activeWindow)
    reporter.install()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        return int(
            loop.run_until_complete(
                _run(
                    service_factory,
                    kiosk=kiosk,
                    size=size,
                    theme=chosen_theme,
                    screenshot_dir=screenshot_dir,
                    exit_after=exit_after,
                    persist=persist_settings,
                    settings_file=settings_file,
                    place=place,
                    developer=developer,
                )
            )
        )
    finally:
        reporter.uninstall()
        loop.close()
        asyncio.set_event_loop(None)


async def _run(
    service_factory: ServiceFactory,
    *,
    kiosk: bool,
    size: tuple[int, int] | None,
    theme: ThemeName | None,
    screenshot_dir: Path | None,
    exit_after: float | None,
    persist: bool,
    settings_file: Path | None = None,
    place: str | None = None,
    developer: bool = False,
) -> int:
    loop = asyncio.get_running_loop()
    store: QSettings | None = None
    if persist:
        store = (
            QSettings(str(settings_file), QSettings.Format.IniFormat)
            if settings_file is not None
            else QSettings()
        )
    settings = load_settings(store) if store is not None else None
    if settings is not None:
        settings = settings.with_changes(kiosk=kiosk or settings.kiosk)
    try:
        service = await service_factory()
    except Exception as error:
        logger.error("the IHD service could not be created: %s", error)
        print(f"ihd: error: {error}", file=sys.stderr)
        await tell_startup_failure(error, exit_after)  # no terminal to read stderr on, maybe
        return EXIT_FAILED
    window = MainWindow(service, settings, speaker=default_speaker(), form_factor=size)
    # Before start(): that is when a damaged database or bonds file is set aside and told.
    stop_telling = tell_set_aside_files(window, service.subscribe_events)
    if theme is not None:
        window.apply_settings(window.context.settings.with_changes(theme=theme))
    if kiosk:
        window.apply_settings(window.context.settings.with_changes(kiosk=True))
    if developer:
        window.apply_settings(window.context.settings.with_changes(developer=True))
    if store is not None:
        window.settings_changed.connect(lambda new: save_settings(store, new))
    closed: asyncio.Future[None] = loop.create_future()
    window.closed.connect(lambda: None if closed.done() else closed.set_result(None))
    if store is not None and place is None:
        restore_geometry(window, store)
    if window.context.settings.kiosk:
        window.set_kiosk(True)
    else:
        if place is not None:
            place_window(window, place)
        window.show()
        if place is not None:
            # Again now that the window manager's title bar and borders are known.
            place_window(window, place)
    for number in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(number, window.close)
    tasks: set[asyncio.Task[None]] = set()

    async def start() -> None:
        try:
            await service.start()
        except Exception as error:
            logger.error("the IHD service failed to start: %s", error)
            window.notice.show_notice(f"The display could not start its service: {error}")

    starting = asyncio.ensure_future(start())
    tasks.add(starting)
    timer: asyncio.TimerHandle | None = None
    if exit_after is not None and screenshot_dir is None:
        timer = loop.call_later(exit_after, window.close)

    async def capture_then_close() -> None:
        assert screenshot_dir is not None
        await starting
        # A timer: give the display time to connect and fill before taking its pictures.
        await asyncio.sleep(exit_after if exit_after is not None else 5.0)
        for path in await capture_screens_live(window, screenshot_dir, "ihd"):
            logger.info("saved %s", path)
        window.close()

    if screenshot_dir is not None:
        capturing = asyncio.ensure_future(capture_then_close())
        tasks.add(capturing)
    try:
        await closed
    finally:
        if timer is not None:
            timer.cancel()
        for number in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(number)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        stop_telling()
        await window.runner.cancel_all()
        try:
            await service.close()
        except Exception as error:
            logger.error("the IHD service did not close cleanly: %s", error)
        if store is not None and not window.context.settings.kiosk:
            # A full-screen kiosk's geometry is the screen's: not worth remembering.
            save_geometry(window, store)
        window.deleteLater()
        settle()
    return EXIT_OK
