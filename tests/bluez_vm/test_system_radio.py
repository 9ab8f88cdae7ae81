"""``ihd --radio system`` on a real Linux Bluetooth stack: kernel HCI, bluetoothd and D-Bus in a
QEMU guest whose controller is on the meter emulator's virtual air (see conftest.py).

Each test asserts what a person pairing a display with a meter would see, on both sides.
"""

from __future__ import annotations

import time

from tests.bluez_vm.conftest import start_ihd
from tests.bluez_vm.machine import Guest
from tests.e2e.programs import Program


async def test_pairs_by_numeric_comparison_and_receives_readings(
    meter: Program, guest: Guest
) -> None:
    started = time.monotonic()
    ihd = await start_ihd(guest, "--accept-pairing")

    shown_on_ihd = await ihd.wait_for("pairing.numeric-comparison", timeout=180, accepted=True)
    paired = await ihd.wait_for("link.paired", keys="new", timeout=60)
    paired_after = time.monotonic() - started
    assert paired["authenticated"] is True
    assert paired["bonded"] is True
    assert paired["encrypted"] is True
    shown_on_meter = await meter.wait_for("link.paired", timeout=30)
    assert shown_on_meter["number"] == shown_on_ihd["number"], "both screens show one number"

    ready = await ihd.wait_for("link.ready", timeout=60)
    assert ready["mtu"] > 23, "the MTU BlueZ negotiated, not bleak's default"
    reading = await ihd.wait_for("reading", timeout=60, fuel="electricity")
    assert reading["demand_w"] > 0
    print(f"ihd started and paired over BlueZ in {paired_after:.1f} s; MTU {ready['mtu']}")
    assert await ihd.stop() == 0
