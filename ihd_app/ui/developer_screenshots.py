"""Pictures of the Developer screen with real data: ``python -m ihd_app.ui.developer_screenshots
OUTDIR``.

The meter emulator and the IHD service run in this process over the virtual radio (as in
:mod:`ihd_app.ui.live_screenshots`); the display pairs, live readings come in, and each tab is
pictured doing its job: the GATT table with Meter Info read, the GB DisplayMessage vector and a
truncated unit in the inspector, the live event log, and a btsnoop capture running. Pictures are
``developer-<tab>.png`` at 1280x800 and ``developer-800x480-<tab>.png``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from ihd_app.protocol.events import EventLog, EventWaiter
from ihd_app.protocol.radio_spec import RadioSpec, free_virtual_port
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from ihd_app.ui.capture import grab_live
from ihd_app.ui.live_screenshots import run_offscreen, until
from ihd_app.ui.main_window import MainWindow
from ihd_app.ui.screens.developer.inspector_tab import EXAMPLE_HEX
from ihd_app.ui.screens.developer.screen import DeveloperScreen
from ihd_app.ui.screenshot_day import STEP_TIMEOUT_S
from ihd_app.ui.settings import UiSettings
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import MeterRuntime

TRUNCATED_UNIT = "0307010900000410000000"
SIZES = ((1280, 800), (800, 480))


async def shoot(directory: Path, data_dir: Path) -> list[Path]:
    """Run the stack, picture every tab at each size, close everything."""
    radio = RadioSpec.parse(f"virtual:{free_virtual_port()}")
    meter = MeterRuntime(MeterConfig(radio=radio, data_dir=data_dir / "meter"), EventLog())
    await meter.start()
    log = EventLog()
    events = EventWaiter(log)
    service = IhdService(
        ServiceConfig(radio=radio, data_dir=data_dir / "ihd", backfill=False),
        log,
    )
    window = MainWindow(service, UiSettings(developer=True))
    paths: list[Path] = []
    try:
        await service.start()
        assert service.link is not None

        async def confirm() -> None:
            # As a consumer would, once both screens show the same number.
            await until(lambda: service.pairing_request is not None)
            service.answer_pairing(True)

        confirming = asyncio.ensure_future(confirm())
        await service.connect(await service.link.find_meter())
        await confirming
        await events.wait_count("reading", 12, timeout=STEP_TIMEOUT_S)
        window.setFixedSize(*SIZES[0])
        window.show()
        screen = window.show_kind(DeveloperScreen)
        assert isinstance(screen, DeveloperScreen)
        gatt = screen.gatt
        await until(lambda: gatt.characteristic_item("History") is not None)
        item = gatt.characteristic_item("Meter Info")
        assert item is not None
        gatt.tree.setCurrentItem(item)
        gatt.read_selected()
        await until(lambda: "Decoded" in gatt.value.toPlainText())
        capture = data_dir / "captures" / "developer.btsnoop"
        for width, height in SIZES:
            window.setFixedSize(width, height)
            size = "" if (width, height) == SIZES[0] else f"{width}x{height}-"

            async def shot(name: str, size: str = size) -> None:
                paths.append(await grab_live(window, directory / f"developer-{size}{name}.png"))

            screen.tabs.setCurrentWidget(screen.gatt)
            await shot("gatt")
            screen.tabs.setCurrentWidget(screen.inspector)
            screen.inspector.input.setText(EXAMPLE_HEX)
            screen.inspector.decode()
            await shot("inspector")
            screen.inspector.input.setText(TRUNCATED_UNIT)
            screen.inspector.decode()
            await shot("inspector-refused")
            screen.tabs.setCurrentWidget(screen.events)
            screen.events.table.scrollToBottom()
            await shot("events")
            screen.tabs.setCurrentWidget(screen.capture)
            if service.capture.path is None:
                screen.capture.path.setText(str(capture))
                screen.capture.toggle.click()
                count = len(events.named("reading"))
                await events.wait_count("reading", count + 3, timeout=STEP_TIMEOUT_S)
                screen.capture.refresh()
            await shot("capture")
        screen.capture.toggle.click()
    finally:
        window.close()
        await window.runner.cancel_all()
        await service.close()
        await meter.close()
        window.deleteLater()
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Render the pictures into OUTDIR."""
    parser = argparse.ArgumentParser(prog="python -m ihd_app.ui.developer_screenshots")
    parser.add_argument("outdir", type=Path, help="where the PNG files go")
    args = parser.parse_args(argv)
    paths = run_offscreen(lambda data_dir: shoot(args.outdir, data_dir), prefix="ihd-dev-shots-")
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
