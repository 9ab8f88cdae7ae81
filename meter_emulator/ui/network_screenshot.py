"""A picture of the Network data console with real answers: ``python -m
meter_emulator.ui.network_screenshot OUT.png`` (1280x720; ``QT_QPA_PLATFORM=offscreen`` works).

Nothing is made up: a meter runtime (not on the air) with 4 kW of solar panels, on a June
evening that stands still, has the household's consent for the DNO's planning and voltage data;
the DNO asks for a day of voltage, import and export, and for outage records (none: "no data
found"), each answered signed and sealed and opened with the DNO's key, as the window shows.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication

from ihd_app.protocol.consent_terms import Grant, Granularity
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.resources import default_policy_path
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import MeterRuntime
from meter_emulator.simulation.clock import SimClock
from meter_emulator.ui.pairing import PairingQuestions
from meter_emulator.ui.window import MeterWindow

#: The evening the picture is taken: a whole June day behind it.
EVENING = datetime(2026, 6, 21, 22, 0, tzinfo=UTC)


def capture(out: Path, work: Path) -> str:
    """Take the picture into ``out``; the panel's last sentence."""
    app = QApplication.instance() or QApplication([])
    log = EventLog()
    runtime = MeterRuntime(
        MeterConfig(radio=RadioSpec.parse("virtual:1"), data_dir=work, solar_kw=4.0),
        log,
        clock=lambda: EVENING,
        sim=SimClock(1.0, EVENING, wall=lambda: EVENING),
    )
    runtime.state.set_grants(
        [
            Grant("dno", purpose, Granularity.HALF_HOURLY, EVENING + timedelta(days=365), EVENING)
            for purpose in ("voltage-quality", "network-planning")
        ]
    )
    window = MeterWindow(runtime, log, PairingQuestions(), Policy.from_file(default_policy_path()))
    window.resize(1280, 720)
    panel = window.network_data
    for kind in ("outages", "import", "export", "voltage"):
        panel.kind.setCurrentIndex(panel.kind.findData(kind))
        panel.ask()
    window.show()
    window.show_console(panel)
    for _ in range(20):
        app.processEvents()
    window.grab().save(str(out), "PNG")
    said = panel.result.text()
    window.close()
    return said


def main(argv: Sequence[str] | None = None) -> int:
    """``network_screenshot OUT.png``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m meter_emulator.ui.network_screenshot OUT.png", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as work:
        print(capture(Path(args[0]), Path(work)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
