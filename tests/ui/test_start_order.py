"""The display started before the meter (``./run ihd``, then ``./run meter-emulator``).

On the virtual radio the meter emulator is the air, so until it runs the display has no radio:
the window must say so, keep trying, let Scan explain itself, and connect once the meter appears.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from ihd_app.core.readings import Fuel
from ihd_app.link.meter_link import LinkState
from ihd_app.link.pairing import AutoAccept
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from ihd_app.ui.main_window import MainWindow
from ihd_app.ui.screens.meter import MeterScreen
from meter_emulator.config import MeterConfig
from meter_emulator.gatt import AutoAcceptPolicy
from meter_emulator.runtime import MeterRuntime
from tests.e2e.programs import free_port
from tests.ui.live import Recorded

SLOW_MS = 20_000


def test_display_started_before_the_meter_says_so_then_connects(
    qtbot: Any, event_loop_qt: Any, run: Callable[..., Any], tmp_path: Path
) -> None:
    radio = RadioSpec.parse(f"virtual:{free_port()}")
    log = EventLog()
    events = Recorded(log)
    service = IhdService(
        ServiceConfig(
            radio=radio,
            data_dir=tmp_path / "ihd",
            backfill=False,
            auto_connect=True,
            search_timeout_s=1.0,
        ),
        log,
        pairing=AutoAccept(),
    )
    window = MainWindow(service)
    window.setFixedSize(800, 480)
    window.show()
    qtbot.waitExposed(window)
    meter: MeterRuntime | None = None
    try:
        run(service.start())
        banner = window.connection_banner
        qtbot.waitUntil(banner.isVisible, timeout=SLOW_MS)
        assert "Waiting for the meter's radio" in banner.message.text()
        assert str(radio.port) in banner.message.text()
        assert not banner.button.isVisible()  # nothing to press: it goes by itself

        screen = window.show_kind(MeterScreen)
        assert isinstance(screen, MeterScreen)
        screen.scan_seconds = 0.5
        qtbot.mouseClick(screen.scan_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(window.notice.isVisible, timeout=SLOW_MS)
        assert "the radio is not open yet" in window.notice.text()
        assert "AssertionError" not in window.notice.text()
        qtbot.waitUntil(screen.scan_button.isEnabled, timeout=SLOW_MS)

        meter = MeterRuntime(
            MeterConfig(
                radio=radio, data_dir=tmp_path / "meter", pairing_policy=AutoAcceptPolicy()
            ),
            EventLog(),
        )
        run(meter.start(), timeout_ms=SLOW_MS)
        qtbot.waitUntil(lambda: service.link_state is LinkState.CONNECTED, timeout=SLOW_MS)
        qtbot.waitUntil(lambda: not banner.isVisible(), timeout=SLOW_MS)
        qtbot.waitUntil(
            lambda: service.latest_reading(Fuel.ELECTRICITY) is not None, timeout=SLOW_MS
        )
        assert events.named("radio.unavailable")
        assert events.named("link.paired")
    finally:
        window.close()
        run(window.runner.cancel_all())
        run(service.close(), timeout_ms=SLOW_MS)
        if meter is not None:
            run(meter.close(), timeout_ms=SLOW_MS)
        window.deleteLater()
