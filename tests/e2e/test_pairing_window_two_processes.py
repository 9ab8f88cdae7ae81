"""The meter's pairing window between two processes: a display that asks to pair after the
window closed is refused (the reason in both programs' events, no bond on either side); once
the window is opened again (``kill -RTMIN``, the headless meter's button) it pairs.

The window lasts one second here and the test waits for the meter's ``pairing.window-closed``
event, not for the second to pass.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.e2e.programs import Program, bonds_in, free_port, headless_args

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGRTMIN"), reason="the headless meter's window signal is SIGRTMIN"
)


async def test_a_display_is_refused_after_the_window_closed_and_pairs_once_it_is_opened(
    started_programs: list[Program], tmp_path: Path
) -> None:
    port = free_port()
    meter_dir, ihd_dir = tmp_path / "meter", tmp_path / "ihd"
    meter = await Program.start(
        "meter-emulator", headless_args(port, meter_dir, "--pairing-window", "1")
    )
    started_programs.append(meter)
    opened = await meter.wait_for("pairing.window-opened")
    assert opened == {**opened, "seconds": 1, "by": "start"}
    closed = await meter.wait_for("pairing.window-closed")
    assert closed["reason"] == "time-up"

    late = await Program.start(
        "ihd", headless_args(port, ihd_dir, "--accept-pairing", "--no-backfill")
    )
    started_programs.append(late)
    failed_here = await late.wait_for("pairing.failed")
    assert failed_here["reason"] == "not-pairable"
    assert "pairing window is closed" in failed_here["detail"]
    code, stderr = await late.exited()
    assert code == 3, "the display could not pair"
    assert "pairing failed (not-pairable)" in stderr
    refused = await meter.wait_for("pairing.failed")
    assert refused["reason"] == "window-closed"
    assert not late.seen("pairing.numeric-comparison"), "nobody was asked to compare numbers"
    assert not meter.seen("link.paired")
    assert not meter.seen("subscribed")
    await meter.wait_for("link.disconnected")
    assert bonds_in(meter_dir) == 0
    assert bonds_in(ihd_dir) == 0

    # The person at the meter presses its button: the window opens and the display pairs.
    meter.signal(signal.SIGRTMIN)
    reopened = await meter.wait_for("pairing.window-opened")
    assert reopened["by"] == "signal"
    ihd = await Program.start(
        "ihd", headless_args(port, ihd_dir, "--accept-pairing", "--no-backfill")
    )
    started_programs.append(ihd)
    paired = await ihd.wait_for("link.paired", keys="new")
    assert paired["authenticated"] is True
    shown_on_meter = await meter.wait_for("link.paired")
    assert shown_on_meter["bonded"] is True
    await ihd.wait_for("reading", fuel="electricity")
    assert (await ihd.stop())[0] == 0
    assert (await meter.stop())[0] == 0
    assert bonds_in(meter_dir) == 1
    assert bonds_in(ihd_dir) == 1
