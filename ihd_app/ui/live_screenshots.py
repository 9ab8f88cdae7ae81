"""Pictures of every screen with real data: ``python -m ihd_app.ui.live_screenshots OUTDIR``.

Nothing is made up: the meter emulator and the IHD service run in this process, on one asyncio
loop shared with Qt (qasync), connected over the virtual air on a free loopback port. The script
plays what a consumer and the energy industry would do:

1. On the Meter screen it scans (a real scan), then pairs: the LE Secure Connections numeric
   comparison dialog is pictured over the window and answered Yes with a click.
2. The display fetches 13 months of half-hourly history from the meter (backfill).
3. The supplier publishes a time-of-use electricity tariff (bands and standing charge) and a flat
   gas tariff; the DNO announces a planned power cut (high importance: it takes over the screen
   until acknowledged with a click); the GDN, the meter and the supplier send messages; forged
   envelopes (wrong role, tampered, replayed, mis-addressed) are refused and logged; the GDN turns
   the gas off (critical: pictured, then acknowledged with a click, and the acknowledgement
   reaches the meter).
4. Once a few minutes of live readings have come in (``--live-readings``), every screen is
   pictured at 800x480 and 1280x800 in the dark theme, and Home, Messages and Usage (and the
   takeover) in the light and high-contrast themes at 800x480.

Pictures are named ``<W>x<H>[-<theme>]-<screen>[-<variant>].png`` (dark has no theme part);
``--framed`` pictures the screen in the device's case, ``<W>x<H>[-<theme>]-framed-<screen>...``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from ihd_app.core.readings import Fuel
from ihd_app.protocol.events import EventLog, EventWaiter
from ihd_app.protocol.radio_spec import RadioSpec, free_virtual_port
from ihd_app.service.api import UsageRange
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from ihd_app.ui.app import parse_form_factor
from ihd_app.ui.capture import grab_live, paint_pause, settle
from ihd_app.ui.main_window import MainWindow
from ihd_app.ui.qt_check import check_qt_binding
from ihd_app.ui.screens.home import HomeScreen
from ihd_app.ui.screens.messages import MessagesScreen
from ihd_app.ui.screens.meter import MeterScreen
from ihd_app.ui.screens.privacy import PrivacyScreen
from ihd_app.ui.screens.security_log import SecurityLogScreen
from ihd_app.ui.screens.settings import SettingsScreen
from ihd_app.ui.screens.tariff import TariffScreen
from ihd_app.ui.screens.usage import UsageScreen
from ihd_app.ui.screenshot_day import STEP_TIMEOUT_S, Signers, forge, gas_off, send_the_day
from ihd_app.ui.settings import UiSettings, Unit
from ihd_app.ui.theme import ThemeName
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import MeterRuntime

SMALL, LARGE = (800, 480), (1280, 800)
FORM_FACTORS = (SMALL, LARGE)
LEFT = Qt.MouseButton.LeftButton
#: Live readings to wait for before picturing the screens (the meter reports once a second):
#: a few minutes of the live chart.
LIVE_READINGS = 150
#: How long the pictured Scan listens (the virtual meter answers at once).
SCAN_SECONDS = 2.0


async def until(predicate: Callable[[], bool], timeout: float = STEP_TIMEOUT_S) -> None:
    """Until ``predicate()`` holds (checked on the loop while Qt and the service run)."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.05)  # a poll of widget state, on the running loop


class Shooter:
    """Takes and names the pictures.

    Args:
        window: The window pictured.
        directory: Where the pictures go.
        sizes: The form factors pictured (the first is the one the scenario runs at).
        themes: Also picture the light and high-contrast themes.
        framed: Picture the screen in the device's case (``ihd --form-factor``), named
            ``<W>x<H>[-<theme>]-framed-<screen>.png``.
    """

    def __init__(
        self,
        window: MainWindow,
        directory: Path,
        sizes: Sequence[tuple[int, int]] = FORM_FACTORS,
        *,
        themes: bool = True,
        framed: bool = False,
    ) -> None:
        self.window = window
        self.framed = framed
        self.directory = directory
        self.sizes = tuple(sizes)
        self.themes = themes
        self.paths: list[Path] = []
        self.size = self.sizes[0]
        self.theme = ThemeName.DARK

    def resize(self, size: tuple[int, int]) -> None:
        """Fix the window (or, framed, its screen) at ``size``."""
        self.size = size
        if self.framed:
            self.window.set_form_factor(size)
        else:
            self.window.setFixedSize(*size)

    def set_theme(self, theme: ThemeName) -> None:
        """Switch the window's theme as Settings would."""
        self.theme = theme
        settings = self.window.context.settings.with_changes(theme=theme)
        self.window.apply_settings(settings)

    async def shot(self, name: str, dialog: QDialog | None = None) -> Path:
        """Picture the window now as ``<size>[-<theme>]-<name>.png``."""
        width, height = self.size
        theme = "" if self.theme is ThemeName.DARK else f"-{self.theme.value}"
        framed = "-framed" if self.framed else ""
        path = self.directory / f"{width}x{height}{theme}{framed}-{name}.png"
        self.paths.append(await grab_live(self.window, path, dialog))
        return path

    async def at_every_size(self, name: str, dialog: QDialog | None = None) -> None:
        """The same view at every form factor (back to the first one after)."""
        for size in self.sizes:
            self.resize(size)
            await self.shot(name, dialog)
        self.resize(self.sizes[0])


async def click(widget: QWidget) -> None:
    """A real mouse click in the middle of ``widget`` (after it has painted)."""
    await paint_pause(0.1)
    QTest.mouseClick(widget, LEFT)


async def pair_through_the_meter_screen(window: MainWindow, shooter: Shooter) -> None:
    """Scan, picture the meters found, Pair, picture the comparison, answer Yes."""
    meter_screen = window.show_kind(MeterScreen)
    assert isinstance(meter_screen, MeterScreen)
    meter_screen.scan_seconds = SCAN_SECONDS
    await click(meter_screen.scan_button)
    await until(
        lambda: meter_screen.results.rowCount() > 0 and meter_screen.scan_button.isEnabled()
    )
    await shooter.at_every_size("meter-scan")
    await click(meter_screen.connect_button)
    await until(lambda: window.pairing is not None and window.pairing.isVisible())
    dialog = window.pairing
    assert dialog is not None
    await shooter.at_every_size("pairing-compare", dialog)
    yes = getattr(dialog, "yes", None)
    assert isinstance(yes, QWidget), "a numeric comparison was expected"
    await click(yes)


async def acknowledge_takeover(window: MainWindow) -> None:
    """Click the takeover's button; wait until it gives the screen back."""
    await until(window.takeover.isVisible)
    await click(window.takeover.acknowledge)
    await until(lambda: not window.takeover.isVisible())


async def usage_pictures(window: MainWindow, shooter: Shooter) -> None:
    """Every chart range in kWh and in £ (the previous period dashed where it applies)."""
    usage = window.show_kind(UsageScreen)
    assert isinstance(usage, UsageScreen)
    usage.set_fuel(Fuel.ELECTRICITY)
    for span in UsageRange:
        usage.set_span(span)
        usage.set_compare(span is not UsageRange.LIVE)
        for unit, suffix in ((Unit.KWH, ""), (Unit.POUNDS, "-cost")):
            usage.set_unit(unit)
            await shooter.shot(f"usage-{span.value}{suffix}")
    usage.set_fuel(Fuel.GAS)
    usage.set_unit(Unit.KWH)
    usage.set_span(UsageRange.LIVE)  # gas is reported half-hourly: its last hours by half hour
    usage.set_compare(False)
    await shooter.shot("usage-live-gas")
    usage.set_span(UsageRange.WEEK)
    await shooter.shot("usage-week-gas")
    usage.set_span(UsageRange.YEAR)  # the household's year: heating in winter, little in summer
    await shooter.shot("usage-year-gas")
    usage.set_fuel(Fuel.ELECTRICITY)
    usage.set_span(UsageRange.DAY)
    usage.set_compare(False)


def _is_outage(messages: MessagesScreen, row: int) -> bool:
    message = messages.past_model.message(row)
    return message is not None and message.type == "outage.planned"


async def every_screen(window: MainWindow, shooter: Shooter) -> None:
    """Each screen at the current size and theme."""
    window.show_kind(HomeScreen)
    await shooter.shot("home")
    messages = window.show_kind(MessagesScreen)
    assert isinstance(messages, MessagesScreen)
    messages.current_button.click()
    first = messages.inbox_model.message(0)
    if first is not None:
        messages.select_key(first.key)
    await shooter.shot("messages")
    messages.past_button.click()
    # The power cut: its signed outage window and the acknowledgement in its history.
    row = next(
        (n for n in range(messages.past_model.rowCount()) if _is_outage(messages, n)),
        0,
    )
    messages.list.setCurrentIndex(messages.past_model.index(row, 0))
    await shooter.shot("messages-past")
    messages.current_button.click()
    await usage_pictures(window, shooter)
    for kind, name in (
        (TariffScreen, "tariff"),
        (MeterScreen, "meter"),
        (SecurityLogScreen, "security"),
        (PrivacyScreen, "privacy"),
        (SettingsScreen, "settings"),
    ):
        window.show_kind(kind)
        await shooter.shot(name)
    window.show_kind(HomeScreen)


async def themed(window: MainWindow, shooter: Shooter) -> None:
    """Home, Messages and Usage in the light and high-contrast themes at the first size."""
    shooter.resize(shooter.sizes[0])
    for theme in (ThemeName.LIGHT, ThemeName.HIGH_CONTRAST):
        shooter.set_theme(theme)
        window.show_kind(HomeScreen)
        await shooter.shot("home")
        window.show_kind(MessagesScreen)
        await shooter.shot("messages")
        usage = window.show_kind(UsageScreen)
        assert isinstance(usage, UsageScreen)
        usage.set_span(UsageRange.DAY)
        usage.set_compare(True)
        await shooter.shot("usage")
        usage.set_compare(False)
    shooter.set_theme(ThemeName.DARK)
    window.show_kind(HomeScreen)


async def takeover_pictures(shooter: Shooter, name: str, *, themes: bool) -> None:
    """The takeover at every size (and at 800x480 in the other themes)."""
    await shooter.at_every_size(name)
    if themes and shooter.themes:
        for theme in (ThemeName.LIGHT, ThemeName.HIGH_CONTRAST):
            shooter.set_theme(theme)
            await shooter.shot(name)
        shooter.set_theme(ThemeName.DARK)


async def shoot(
    directory: Path,
    data_dir: Path,
    sizes: Sequence[tuple[int, int]] = FORM_FACTORS,
    *,
    themes: bool = True,
    live_readings: int = LIVE_READINGS,
    framed: bool = False,
) -> list[Path]:
    """Run the stack, play the scenario, take every picture; close everything.

    ``live_readings``: picture the screens once the display holds this many live readings
    (the meter reports once a second).
    """
    port = free_virtual_port()
    radio = RadioSpec.parse(f"virtual:{port}")
    meter_log, ihd_log = EventLog(), EventLog()
    meter_events, events = EventWaiter(meter_log), EventWaiter(ihd_log)
    meter = MeterRuntime(MeterConfig(radio=radio, data_dir=data_dir / "meter"), meter_log)
    await meter.start()
    service = IhdService(
        ServiceConfig(radio=radio, data_dir=data_dir / "ihd", backfill=True), ihd_log
    )
    window = MainWindow(service, UiSettings(theme=ThemeName.DARK))
    shooter = Shooter(window, directory, sizes, themes=themes, framed=framed)
    shooter.resize(shooter.sizes[0])
    window.show()
    try:
        await service.start()
        await pair_through_the_meter_screen(window, shooter)
        await events.wait("link.ready", timeout=STEP_TIMEOUT_S)
        await events.wait("history.done", timeout=180)
        window.show_kind(HomeScreen)
        signers = Signers(meter.meter_id)
        accepted = await send_the_day(signers, meter, events)
        await takeover_pictures(shooter, "takeover-high", themes=False)
        await acknowledge_takeover(window)
        await meter_events.wait("ack.received", message_id=0x0D01, timeout=STEP_TIMEOUT_S)
        await forge(signers, meter, events, accepted)
        await gas_off(signers, meter, events)
        await takeover_pictures(shooter, "takeover", themes=True)
        await acknowledge_takeover(window)
        await meter_events.wait("ack.received", message_id=0x0602, timeout=STEP_TIMEOUT_S)
        # The live chart shows the last ten minutes: let some minutes of readings come in.
        await until(
            lambda: len(service.live_readings(Fuel.ELECTRICITY)) >= live_readings,
            timeout=STEP_TIMEOUT_S + 2 * live_readings,
        )
        for size in shooter.sizes:
            shooter.resize(size)
            await every_screen(window, shooter)
        if themes:
            await themed(window, shooter)
    finally:
        window.close()
        await window.runner.cancel_all()
        await service.close()
        await meter.close()
        window.deleteLater()
    return shooter.paths


def run_offscreen(
    shoot_into: Callable[[Path], Coroutine[Any, Any, list[Path]]], *, prefix: str
) -> list[Path]:
    """Run ``shoot_into(data_dir)`` to completion on a qasync loop with an offscreen Qt
    application and a throw-away data dir; returns the pictures it took."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    check_qt_binding()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with tempfile.TemporaryDirectory(prefix=prefix) as data_dir:
            paths: list[Path] = loop.run_until_complete(shoot_into(Path(data_dir)))
            return paths
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        settle()


def main(argv: Sequence[str] | None = None) -> int:
    """Render the pictures into OUTDIR."""
    parser = argparse.ArgumentParser(
        prog="python -m ihd_app.ui.live_screenshots",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
    )
    parser.add_argument("outdir", type=Path, help="where the PNG files go")
    parser.add_argument(
        "--form-factor",
        action="append",
        metavar="WxH",
        help="picture this size (repeatable; default: 800x480 and 1280x800)",
    )
    parser.add_argument(
        "--no-themes", action="store_true", help="only the dark theme (no light, high contrast)"
    )
    parser.add_argument(
        "--framed", action="store_true", help="the screen in the device's case (--form-factor)"
    )
    parser.add_argument(
        "--live-readings",
        type=int,
        default=LIVE_READINGS,
        metavar="N",
        help=f"wait for N live readings (one a second) first (default {LIVE_READINGS})",
    )
    args = parser.parse_args(argv)
    try:
        sizes = [parse_form_factor(f) for f in args.form_factor or []] or list(FORM_FACTORS)
    except ValueError as error:
        parser.error(str(error))
    paths = run_offscreen(
        lambda data_dir: shoot(
            args.outdir,
            data_dir,
            [size for size in sizes if size is not None],
            themes=not args.no_themes,
            live_readings=args.live_readings,
            framed=args.framed,
        ),
        prefix="ihd-shots-",
    )
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
