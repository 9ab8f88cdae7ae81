"""Pictures of every screen for the user guides: ``python -m ihd_app.ui.screenshots OUTDIR``.

``--service fake`` (default) renders the demo household at a fixed time, so the pictures are
the same on every run: every screen, the Messages past view, more usage ranges, the takeover of
a critical message and both pairing dialogs, at 800x480 and 1280x800, in the dark theme, plus
the home and messages screens in the light and high-contrast themes. ``--service
package.module:factory`` runs the display on that service and saves each screen once started.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication

from ihd_app.service.api import PairingQuestion, PairingRequest, UsageRange
from ihd_app.ui.app import run_gui
from ihd_app.ui.capture import capture_screens, grab, grab_with_dialog, settle
from ihd_app.ui.dialogs.pairing import PasskeyDialog
from ihd_app.ui.fake.demo_data import DEMO_NOW, demo_messages, populate
from ihd_app.ui.fake.service import FakeService
from ihd_app.ui.main_window import MainWindow
from ihd_app.ui.qt_check import check_qt_binding
from ihd_app.ui.screens.messages import MessagesScreen
from ihd_app.ui.screens.meter import MeterScreen
from ihd_app.ui.screens.usage import UsageScreen
from ihd_app.ui.service_choice import service_factory
from ihd_app.ui.settings import UiSettings, Unit
from ihd_app.ui.theme import ThemeName

FORM_FACTORS = ((800, 480), (1280, 800))
CRITICAL_KEY = "a1f3c9e2"


def _window(service: FakeService, size: tuple[int, int], theme: ThemeName) -> MainWindow:
    window = MainWindow(service, UiSettings(theme=theme), clock=lambda: DEMO_NOW)
    window.setFixedSize(*size)
    window.show()
    settle()
    return window


def _service(*, critical: bool) -> FakeService:
    service = FakeService(clock=lambda: DEMO_NOW)
    populate(service, DEMO_NOW, exclude=() if critical else (CRITICAL_KEY,))
    return service


def render_fake(directory: Path) -> list[Path]:
    """Every picture of the demo household."""
    paths: list[Path] = []
    for width, height in FORM_FACTORS:
        prefix = f"{width}x{height}"
        service = _service(critical=False)
        window = _window(service, (width, height), ThemeName.DARK)
        paths += capture_screens(window, directory, f"{prefix}-dark")
        messages = window.show_kind(MessagesScreen)
        assert isinstance(messages, MessagesScreen)
        messages.past_button.click()
        paths.append(grab(window, directory / f"{prefix}-dark-messages-past.png"))
        messages.current_button.click()
        usage = window.show_kind(UsageScreen)
        assert isinstance(usage, UsageScreen)
        usage.set_compare(True)
        paths.append(grab(window, directory / f"{prefix}-dark-usage-day-compare.png"))
        usage.set_compare(False)
        usage.set_span(UsageRange.YEAR)
        usage.unit_buttons[Unit.POUNDS].click()
        paths.append(grab(window, directory / f"{prefix}-dark-usage-year-cost.png"))
        usage.set_compare(False)
        usage.unit_buttons[Unit.KWH].click()
        usage.set_span(UsageRange.LIVE)
        paths.append(grab(window, directory / f"{prefix}-dark-usage-live.png"))
        usage.set_span(UsageRange.DAY)
        # The critical gas message arrives: it takes over the screen.
        window.show_screen(0)
        critical = next(m for m in demo_messages(DEMO_NOW) if m.key == CRITICAL_KEY)
        service.inject_message(critical)
        settle()
        paths.append(grab(window, directory / f"{prefix}-dark-takeover.png"))
        asyncio.run(service.acknowledge(CRITICAL_KEY))
        settle()
        # Pairing questions over the Meter screen, after a scan.
        meter = window.show_kind(MeterScreen)
        assert isinstance(meter, MeterScreen)
        meter.show_results(service.scan_results)
        paths.append(grab(window, directory / f"{prefix}-dark-meter-scan.png"))
        service.ask_pairing(PairingRequest(PairingQuestion.COMPARE, 123456))
        settle()
        assert window.pairing is not None
        paths.append(
            grab_with_dialog(
                window, window.pairing, directory / f"{prefix}-dark-pairing-compare.png"
            )
        )
        service.answer_pairing(True)
        settle()
        service.ask_pairing(PairingRequest(PairingQuestion.ENTER_PASSKEY, None))
        settle()
        dialog = window.pairing
        assert isinstance(dialog, PasskeyDialog)
        dialog.entry.setText("482193")
        paths.append(
            grab_with_dialog(window, dialog, directory / f"{prefix}-dark-pairing-passkey.png")
        )
        service.answer_pairing(False)
        settle()
        window.close()
        window.deleteLater()
        settle()
    for theme in (ThemeName.LIGHT, ThemeName.HIGH_CONTRAST):
        service = _service(critical=False)
        window = _window(service, FORM_FACTORS[0], theme)
        prefix = f"800x480-{theme.value}"
        paths.append(grab(window, directory / f"{prefix}-home.png"))
        window.show_kind(MessagesScreen)
        paths.append(grab(window, directory / f"{prefix}-messages.png"))
        window.show_kind(UsageScreen)
        paths.append(grab(window, directory / f"{prefix}-usage.png"))
        service.inject_message(next(m for m in demo_messages(DEMO_NOW) if m.key == CRITICAL_KEY))
        settle()
        paths.append(grab(window, directory / f"{prefix}-takeover.png"))
        window.close()
        window.deleteLater()
        settle()
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Render the pictures."""
    parser = argparse.ArgumentParser(prog="python -m ihd_app.ui.screenshots", description=__doc__)
    parser.add_argument("outdir", type=Path, help="where the PNG files go")
    parser.add_argument("--service", default="fake", help="fake, or package.module:factory")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    check_qt_binding()
    if args.service != "fake":
        status = 0
        for width, height in FORM_FACTORS:
            status |= run_gui(
                service_factory(args.service),
                form_factor=(width, height),
                screenshot_dir=args.outdir / f"{width}x{height}",
                exit_after=0.5,
                persist_settings=False,
            )
        return status
    app = QApplication.instance() or QApplication(sys.argv[:1])
    paths = render_fake(args.outdir)
    for path in paths:
        print(path)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
