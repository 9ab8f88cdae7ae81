"""Pictures of the emulator's window with real traffic: ``python -m
meter_emulator.ui.live_screenshots OUTDIR``.

Nothing is made up: the meter runs in this process with its window (qasync), and the real IHD
runs as ``ihd --headless --accept-pairing --auto-ack`` on the same virtual radio. The script
plays what the people at a workshop would do, then pictures each console:

1. The IHD pairs (numeric comparison; the number shows in the radio strip).
2. The operator console: the DNO announces a planned power cut (to be acknowledged) and sets a
   6 kW maximum power threshold, the supplier sends a notice, asks for half-hourly data (declined:
   no consent) and tries an outage notice it may not send (refused by the meter).
3. The shower goes on: demand crosses the threshold and the meter warns the IHD.
4. The attack console runs every attack; the IHD refuses each with its reason.
5. The scenario player plays the workshop morning to the end.

Files: ``meter-operator.png``, ``meter-attacks.png``, ``meter-scenarios.png``,
``meter-events.png`` and ``meter-window.png`` (the meter panel with the threshold warning).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtWidgets import QApplication, QWidget

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.events import EventLog, EventWaiter
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.radio_spec import RadioSpec, free_virtual_port
from ihd_app.protocol.resources import default_policy_path
from ihd_app.protocol.zcl import Importance
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import MeterRuntime
from meter_emulator.scenarios.loader import load_scenario, resolve_scenario
from meter_emulator.ui.capture import PAINT_PAUSE_S
from meter_emulator.ui.pairing import PairingQuestions
from meter_emulator.ui.window import MeterWindow

BIN = Path(sys.executable).parent
#: Real radio work gets this long.
WAIT_S = 30.0


async def _picture(window: MeterWindow, path: Path, console: QWidget | None = None) -> Path:
    if console is not None:
        window.show_console(console)  # by the console: the meter panel may be a tab too
    await asyncio.sleep(PAINT_PAUSE_S)  # a timer: Qt lays out and paints meanwhile
    window.grab().save(str(path), "PNG")
    return path


async def capture(directory: Path, work: Path) -> list[Path]:
    """Run the meter with its window and a headless IHD, play the workshop, take pictures."""
    directory.mkdir(parents=True, exist_ok=True)
    radio = RadioSpec.parse(f"virtual:{free_virtual_port()}")
    events = EventLog(work / "meter-events.jsonl")
    waiter = EventWaiter(events)
    questions = PairingQuestions(auto_accept=True)
    meter = MeterRuntime(
        MeterConfig(radio=radio, data_dir=work / "meter", pairing_policy=questions.policy()),
        events,
    )
    window = MeterWindow(meter, events, questions, Policy.from_file(default_policy_path()))
    window.resize(1700, 900)
    await meter.start()
    window.show()
    ihd = await asyncio.create_subprocess_exec(
        str(BIN / "ihd"),
        "--headless",
        "--accept-pairing",
        "--auto-ack",
        "--no-backfill",
        "--radio",
        str(radio),
        "--data-dir",
        str(work / "ihd"),
        "--events",
        str(work / "ihd-events.jsonl"),
    )
    paths: list[Path] = []
    try:
        await waiter.wait("subscribed", timeout=WAIT_S, characteristic="Messages to IHD")
        operator = meter.operator
        start = meter.wall_now() + timedelta(days=2)
        outage = operator.send(
            "dno",
            MessageRequest(
                "outage.planned",
                text="Planned power cut on Tuesday 10:00-14:00 while we replace an overhead line.",
                importance=Importance.HIGH,
                confirmation_required=True,
                outage_start=start,
                outage_end=start + timedelta(hours=4),
            ),
        )
        operator.send("dno", MessageRequest("power.threshold-set", threshold_kw=6.0, grace_s=600))
        operator.send(
            "supplier",
            MessageRequest("message.general", text="Your winter statement is ready."),
        )
        operator.send("supplier", MessageRequest("data.request", periods=48))
        operator.send(
            "supplier", MessageRequest("outage.planned", text="Power cut tomorrow, call us.")
        )
        await waiter.wait("ack.received", timeout=WAIT_S, refers_to=outage.key)
        meter.behaviour.set_appliance("shower", True)
        meter.behaviour.set_appliance("kettle", True)
        await waiter.wait("threshold.warning", timeout=WAIT_S)
        await waiter.wait("receipt", timeout=WAIT_S, subject_type="power.threshold-warning")
        window.meter.refresh()
        window.operator.refresh()
        paths.append(await _picture(window, directory / "meter-operator.png", window.operator))
        paths.append(await _picture(window, directory / "meter-window.png"))
        meter.behaviour.set_appliance("shower", None)
        meter.behaviour.set_appliance("kettle", None)
        records = window.attacks.launch_all()
        await waiter.wait_count("attack.refused", len(records), timeout=WAIT_S)
        window.attacks.refresh()
        paths.append(await _picture(window, directory / "meter-attacks.png", window.attacks))
        scenario = load_scenario(resolve_scenario("workshop-morning"))
        playing = window.scenarios.play(scenario)
        window.show_console(window.scenarios)
        if playing is not None:
            await playing
        await waiter.wait("scenario.done", timeout=WAIT_S)
        paths.append(await _picture(window, directory / "meter-scenarios.png", window.scenarios))
        window.log.filter.setText("")
        paths.append(await _picture(window, directory / "meter-events.png", window.log))
    finally:
        ihd.terminate()
        await ihd.wait()
        window.close()
        await window.shutdown()
        await meter.close()
        events.close()
        window.deleteLater()
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Take the pictures; prints each file written."""
    parser = argparse.ArgumentParser(prog="python -m meter_emulator.ui.live_screenshots")
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    work = Path(tempfile.mkdtemp(prefix="meter-shots-"))
    try:
        paths: Any = loop.run_until_complete(capture(args.directory, work))
    finally:
        loop.close()
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
