"""Pictures of the display during a remote disconnection, with real data:
``python -m ihd_app.ui.disconnection_screenshots OUTDIR``.

The meter emulator and the IHD service run in this process, connected over the virtual air (as
:mod:`ihd_app.ui.live_screenshots`). The display pairs through its Meter screen, then the supplier
disconnects the supply remotely (the takeover says who and why), enables it (the takeover tells
the consumer to press Restore), and the consumer presses the button on the meter (Home shows the
supply back on, Messages the restoration). Named ``<W>x<H>-disconnection[-<step>].png``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ihd_app.protocol.events import EventLog, EventWaiter
from ihd_app.protocol.radio_spec import RadioSpec, free_virtual_port
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from ihd_app.ui.live_screenshots import (
    SMALL,
    Shooter,
    acknowledge_takeover,
    pair_through_the_meter_screen,
    run_offscreen,
    until,
)
from ihd_app.ui.main_window import MainWindow
from ihd_app.ui.screens.home import HomeScreen
from ihd_app.ui.screens.messages import MessagesScreen
from ihd_app.ui.screenshot_day import STEP_TIMEOUT_S
from ihd_app.ui.settings import UiSettings
from ihd_app.ui.theme import ThemeName
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import MeterRuntime

#: What the supplier tells the household (shown on the takeover).
WHY = "the account at this address was closed at your request"


async def shoot(directory: Path, data_dir: Path, size: tuple[int, int] = SMALL) -> list[Path]:
    """Run the stack, disconnect, enable and restore; picture each step; close everything."""
    radio = RadioSpec.parse(f"virtual:{free_virtual_port()}")
    meter_log, ihd_log = EventLog(), EventLog()
    events = EventWaiter(ihd_log)
    meter = MeterRuntime(MeterConfig(radio=radio, data_dir=data_dir / "meter"), meter_log)
    await meter.start()
    service = IhdService(
        ServiceConfig(radio=radio, data_dir=data_dir / "ihd", backfill=False), ihd_log
    )
    window = MainWindow(service, UiSettings(theme=ThemeName.DARK))
    shooter = Shooter(window, directory, (size,), themes=False)
    shooter.resize(size)
    window.show()
    with tempfile.TemporaryDirectory(prefix="ihd-pairing-shots-") as scratch:
        pairing = Shooter(window, Path(scratch), (size,), themes=False)
        try:
            await service.start()
            await pair_through_the_meter_screen(window, pairing)
            await events.wait("link.ready", timeout=STEP_TIMEOUT_S)
            window.show_kind(HomeScreen)

            meter.operator.disconnect("supplier", WHY)
            await events.wait("message.accepted", type="supply.interrupted")
            await until(window.takeover.isVisible)
            await shooter.shot("disconnection")
            await acknowledge_takeover(window)

            meter.operator.arm("supplier")
            await events.wait("message.accepted", type="supply.armed")
            await until(window.takeover.isVisible)
            await shooter.shot("disconnection-armed")
            await acknowledge_takeover(window)
            await shooter.shot("disconnection-armed-home")

            meter.behaviour.restore("consumer (meter button)")
            await events.wait("message.accepted", type="supply.restored")
            window.show_kind(MessagesScreen)
            await shooter.shot("disconnection-restored")
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
        prog="python -m ihd_app.ui.disconnection_screenshots",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
    )
    parser.add_argument("outdir", type=Path, help="where the PNG files go")
    args = parser.parse_args(argv)
    paths = run_offscreen(
        lambda data_dir: shoot(args.outdir, data_dir), prefix="ihd-disconnection-shots-"
    )
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
