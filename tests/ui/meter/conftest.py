"""The emulator's window around a real meter runtime, with the real IHD service connected.

Uses the UI tests' fixtures of ``tests/ui/conftest.py`` (one qasync loop for the session, leak
checks that fail a test leaving timers, threads or tasks behind).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ihd_app.link.pairing import AutoAccept
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.resources import default_policy_path
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import MeterRuntime
from meter_emulator.ui.pairing import PairingQuestions
from meter_emulator.ui.window import MeterWindow
from tests.e2e.programs import free_port
from tests.meter_behaviour.support import NIGHT
from tests.ui.live import Recorded

#: Real radio work (pairing, delivery, replies) gets this long.
SLOW_MS = 20_000


@dataclass
class MeterDesk:
    """The emulator's window on a running meter, and an IHD service to connect to it."""

    window: MeterWindow
    meter: MeterRuntime
    meter_events: Recorded
    service: IhdService
    ihd_events: Recorded
    run: Callable[..., Any]

    def connect(self) -> None:
        """Find the meter and connect (pairing waits for the window's answer)."""

        async def connect() -> None:
            assert self.service.link is not None
            await self.service.connect(await self.service.link.find_meter())

        self.window.run(connect(), "connect")


@pytest.fixture
def desk(
    qtbot: Any,
    event_loop_qt: Any,
    run: Callable[..., Any],
    tmp_path: Path,
) -> Iterator[MeterDesk]:
    """A meter emulator window (numeric comparison asked in the window) and an IHD service
    that accepts the comparison; both closed afterwards."""
    radio = RadioSpec.parse(f"virtual:{free_port()}")
    meter_log, ihd_log = EventLog(), EventLog()
    questions = PairingQuestions()
    meter = MeterRuntime(
        # A quiet night, whatever the hour the tests run: in the household's evening the
        # shower's 7 kW did not show on top of what it already drew (a time-of-day flake).
        MeterConfig(
            radio=radio,
            data_dir=tmp_path / "meter",
            pairing_policy=questions.policy(),
            sim_start=NIGHT,
        ),
        meter_log,
    )
    meter_events = Recorded(meter_log)
    window = MeterWindow(meter, meter_log, questions, Policy.from_file(default_policy_path()))
    run(meter.start(), timeout_ms=SLOW_MS)
    service = IhdService(
        ServiceConfig(radio=radio, data_dir=tmp_path / "ihd", backfill=False),
        ihd_log,
        pairing=AutoAccept(),
    )
    ihd_events = Recorded(ihd_log)
    run(service.start(), timeout_ms=SLOW_MS)
    window.show()
    qtbot.waitExposed(window)
    try:
        yield MeterDesk(window, meter, meter_events, service, ihd_events, run)
    finally:
        window.close()
        run(window.shutdown(), timeout_ms=SLOW_MS)
        run(service.close(), timeout_ms=SLOW_MS)
        run(meter.close(), timeout_ms=SLOW_MS)
        window.deleteLater()


def paired(qtbot: Any, desk: MeterDesk) -> None:
    """Connect and answer "Same number" in the window, as the person at the meter would."""
    desk.connect()
    qtbot.waitUntil(desk.window.radio.same.isVisible, timeout=SLOW_MS)
    desk.window.radio.same.click()
    qtbot.waitUntil(
        lambda: bool(desk.meter_events.named("subscribed", characteristic="Messages to IHD")),
        timeout=SLOW_MS,
    )
