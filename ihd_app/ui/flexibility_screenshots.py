"""Pictures of a flexibility event on the display, with nothing made up:
``python -m ihd_app.ui.flexibility_screenshots OUTDIR``.

The meter emulator and the IHD service run in this process on the virtual air (as
:mod:`ihd_app.ui.live_screenshots`). The display pairs; the householder lets the DNO control the
EV charger; the DNO schedules a flexibility event for later (pictured: the card on Home) and
one that starts now (pictured: the takeover, then Home's countdown after "Take part"), and the
Privacy screen's direct-control card, at 800x480 and 480x272.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from PySide6.QtWidgets import QScrollArea

from ihd_app.protocol.demand_response import FlexibilityEvent
from ihd_app.protocol.events import EventLog, EventWaiter
from ihd_app.protocol.radio_spec import RadioSpec, free_virtual_port
from ihd_app.protocol.zcl import DeviceClass
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from ihd_app.ui.capture import paint_pause
from ihd_app.ui.live_screenshots import (
    Shooter,
    click,
    pair_through_the_meter_screen,
    run_offscreen,
    until,
)
from ihd_app.ui.main_window import MainWindow
from ihd_app.ui.screens.home import HomeScreen
from ihd_app.ui.screens.privacy import PrivacyScreen
from ihd_app.ui.screenshot_day import STEP_TIMEOUT_S
from ihd_app.ui.settings import UiSettings
from ihd_app.ui.theme import ThemeName
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import MeterRuntime

SIZES = ((800, 480), (480, 272))


async def shoot(directory: Path, data_dir: Path) -> list[Path]:
    """Run the stack, play the event, take the pictures; close everything."""
    radio = RadioSpec.parse(f"virtual:{free_virtual_port()}")
    meter_log, ihd_log = EventLog(), EventLog()
    meter_events, events = EventWaiter(meter_log), EventWaiter(ihd_log)
    meter = MeterRuntime(MeterConfig(radio=radio, data_dir=data_dir / "meter"), meter_log)
    await meter.start()
    service = IhdService(
        ServiceConfig(radio=radio, data_dir=data_dir / "ihd", backfill=False), ihd_log
    )
    window = MainWindow(service, UiSettings(theme=ThemeName.DARK))
    shooter = Shooter(window, directory, SIZES, themes=False)
    shooter.resize(SIZES[0])
    window.show()
    try:
        await service.start()
        await pair_through_the_meter_screen(window, shooter)
        await events.wait("link.ready", timeout=STEP_TIMEOUT_S)
        window.show_kind(HomeScreen)
        dno = meter.identity_of("dno").entity_id
        service.flexibility.set_agreement(dno, DeviceClass.ELECTRIC_VEHICLE)
        await meter_events.wait("demand.agreement", timeout=STEP_TIMEOUT_S)
        meter.premises.flexible.plug_in("ev-charger", True)
        now = meter.wall_now()
        later = FlexibilityEvent(
            event_id=17,
            start=now + timedelta(hours=3),
            minutes=60,
            reduction_percent=20,
            device_class=DeviceClass.ELECTRIC_VEHICLE,
            title="Reduce use this evening",
            reward="20 % reward on your next bill",
        )
        meter.operator.schedule_flexibility("dno", later)
        await events.wait("demand.event.shown", event_id=17, timeout=STEP_TIMEOUT_S)
        home = window.screen_of(HomeScreen)
        assert isinstance(home, HomeScreen)
        await until(home.flexibility.isVisible)
        await shooter.at_every_size("flexibility-upcoming")
        meter.operator.schedule_flexibility(
            "dno",
            FlexibilityEvent(
                event_id=18,
                start=now,
                minutes=60,
                reduction_percent=20,
                device_class=DeviceClass.ELECTRIC_VEHICLE | DeviceClass.WATER_HEATER,
                title="Please use less now",
                reward="20 % reward on your next bill",
            ),
        )
        await until(window.flexibility_takeover.isVisible)
        await shooter.at_every_size("flexibility-takeover")
        await click(window.flexibility_takeover.take_part)
        await until(lambda: not window.flexibility_takeover.isVisible())
        await shooter.at_every_size("flexibility-countdown")
        privacy = window.show_kind(PrivacyScreen)
        assert isinstance(privacy, PrivacyScreen)
        await until(lambda: bool(privacy.direct_control.boxes))
        for size in SIZES:
            shooter.resize(size)
            await paint_pause(0.2)
            scroll = privacy.findChild(QScrollArea)
            assert scroll is not None
            scroll.verticalScrollBar().setValue(privacy.direct_control.y())
            await shooter.shot("privacy-direct-control")
    finally:
        window.close()
        await window.runner.cancel_all()
        await service.close()
        await meter.close()
        window.deleteLater()
    return shooter.paths


def main(argv: Sequence[str] | None = None) -> int:
    """Render the pictures into OUTDIR."""
    parser = argparse.ArgumentParser(
        prog="python -m ihd_app.ui.flexibility_screenshots",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
    )
    parser.add_argument("outdir", type=Path, help="where the PNG files go")
    args = parser.parse_args(argv)
    paths = run_offscreen(lambda data_dir: shoot(args.outdir, data_dir), prefix="ihd-flex-")
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
