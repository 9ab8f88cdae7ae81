"""``ihd --radio system`` on a real Linux Bluetooth stack: kernel HCI, bluetoothd and D-Bus in a
QEMU guest whose controller is on the meter emulator's virtual air (see conftest.py).

Each test asserts what a person pairing a display with a meter would see, on both sides. The
figures a reader of the CI log wants (time to pair, MTU, backfill duration) are printed.
"""

from __future__ import annotations

import time

import pytest

from tests.bluez_vm.conftest import MESSAGE_ID, SEND, start_ihd
from tests.bluez_vm.image import GuestImage
from tests.bluez_vm.machine import Guest
from tests.e2e.programs import Program


@pytest.mark.meter_args(SEND)
async def test_pairs_by_numeric_comparison_reads_and_acknowledges_a_signed_message(
    meter: Program, guest: Guest
) -> None:
    started = time.monotonic()
    # No backfill here: under emulation the guest's one CPU is slow enough that a message's
    # second segment, queued behind the history's notifications, reaches the display after the
    # reassembler's 5 s limit (seen here, never on hardware); the backfill has its own test.
    ihd = await start_ihd(guest, "--accept-pairing", "--auto-ack", "--no-backfill")

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

    # The signed message: verified and shown, acknowledged, and the acknowledgement received.
    await ihd.wait_for("message.accepted", timeout=60, id=MESSAGE_ID)
    await meter.wait_for("ack.received", timeout=60, message_id=MESSAGE_ID)
    print(f"\nBlueZ guest: ihd started and paired in {paired_after:.1f} s; MTU {ready['mtu']}")
    assert await ihd.stop() == 0


async def test_a_second_start_reconnects_with_the_bond_and_backfills(
    meter: Program, guest: Guest
) -> None:
    first = await start_ihd(guest, "--accept-pairing", "--no-backfill")
    await first.wait_for("link.paired", timeout=240, keys="new")
    await first.wait_for("reading", timeout=60)
    assert await first.stop() == 0
    await meter.wait_for("link.disconnected", timeout=60)

    again = await start_ihd(guest)  # without --accept-pairing: would refuse a new pairing
    paired = await again.wait_for("link.paired", timeout=240)
    assert paired["keys"] == "bond"
    assert paired["authenticated"] is True
    ready = await again.wait_for("link.ready", timeout=60)
    assert ready["mtu"] > 23
    await again.wait_for("reading", timeout=60)
    assert not again.seen("pairing.numeric-comparison"), "no second pairing on the display"
    assert len(meter.seen("link.paired")) == 1, "no second pairing on the meter"

    # The backfill is planned as the link becomes ready, before the first reading is read.
    planned = [e for e in again.seen("history.progress") if e.get("done") == 0]
    backfill_started = (
        planned[0] if planned else await again.wait_for("history.progress", timeout=60, done=0)
    )
    done = await again.wait_for("history.done", timeout=300)
    backfill_s = done["_t"] - backfill_started["_t"]
    print(
        f"\nBlueZ guest: 13-month backfill ({done['intervals']} intervals) at MTU "
        f"{ready['mtu']} in {backfill_s:.1f} s"
    )
    assert await again.stop() == 0


async def test_a_refused_comparison_fails_on_both_sides(meter: Program, guest: Guest) -> None:
    ihd = await start_ihd(guest)  # no --accept-pairing: the display says the numbers differ

    await ihd.wait_for("pairing.numeric-comparison", timeout=240, accepted=False)
    failed_here = await ihd.wait_for("pairing.failed", timeout=60)
    assert failed_here["reason"] == "comparison-rejected", failed_here
    assert await ihd.exited(timeout=60) == 3, "a headless display stops: pairing failed"
    assert any("pairing failed (comparison-rejected)" in line for line in ihd.stderr)
    failed = await meter.wait_for("pairing.failed", timeout=60)
    assert failed["reason"] == "comparison-rejected", failed
    assert not meter.seen("link.paired")
    assert not meter.seen("subscribed"), "nothing may be reached without pairing"
    assert not ihd.seen("reading")


@pytest.mark.meter_args("--pairing", "passkey-display")
async def test_pairs_by_typing_the_passkey_the_meter_shows(meter: Program, guest: Guest) -> None:
    # No --accept-pairing: only the passkey typed on the display's standard input pairs.
    ihd = await start_ihd(guest, "--no-backfill", stdin=True)

    shown = await meter.wait_for("pairing.passkey-display", timeout=240)
    await ihd.wait_until(
        lambda: any("type the 6-digit passkey" in line for line in ihd.stderr),
        "prompt for the passkey",
        timeout=60,
    )
    await ihd.type_in(f"{shown['passkey']:06d}\n")

    paired = await ihd.wait_for("link.paired", keys="new", timeout=60)
    assert paired["authenticated"] is True, "a typed passkey authenticates the link"
    assert paired["bonded"] is True
    on_meter = await meter.wait_for("link.paired", timeout=30)
    assert on_meter["passkey"] == shown["passkey"]
    assert on_meter["authenticated"] is True
    await ihd.wait_for("reading", timeout=60)
    assert not ihd.seen("pairing.numeric-comparison"), "passkey entry, not a comparison"
    assert await ihd.stop() == 0


async def _bluez_paired_devices(guest: Guest, image: GuestImage) -> list[str]:
    """What BlueZ itself lists as paired (``bluetoothctl devices Paired``)."""
    listing = await guest.run([str(image.bluez / "usr/bin/bluetoothctl"), "devices", "Paired"])
    return [line for line in listing.stdout if line.startswith("Device ")]


async def test_forget_removes_the_bond_from_bluez_too(
    meter: Program, guest: Guest, guest_image: GuestImage
) -> None:
    first = await start_ihd(guest, "--accept-pairing", "--no-backfill")
    await first.wait_for("link.paired", timeout=240, keys="new")
    await first.wait_for("link.ready", timeout=60)  # the meter is recorded as paired
    assert await first.stop() == 0
    await meter.wait_for("link.disconnected", timeout=60)
    assert len(await _bluez_paired_devices(guest, guest_image)) == 1, "BlueZ keeps the bond"

    forget = await start_ihd(guest, "--forget-meter")  # the meter is away from the display
    assert await forget.exited(timeout=120) == 0, forget.stderr
    forgotten = await forget.wait_for("link.forgotten", timeout=1)
    assert any(f"forgot meter {forgotten['meter_id']}" in line for line in forget.stderr)
    assert await _bluez_paired_devices(guest, guest_image) == [], "no bond left in BlueZ"

    again = await start_ihd(guest, "--accept-pairing", "--no-backfill")
    paired = await again.wait_for("link.paired", timeout=240)
    assert paired["keys"] == "new", "forgotten: the display pairs anew"
    await again.wait_for("pairing.numeric-comparison", timeout=1, accepted=True)
    assert await again.stop() == 0
