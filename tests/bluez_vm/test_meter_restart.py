"""The meter restarting while ``ihd --radio system`` runs on a real Linux Bluetooth stack.

In a home the display's radio outlives a meter that restarts: the display's controller sees the
link time out, BlueZ reports the device disconnected, and the display finds the meter again when
it advertises. On the meter emulator's own virtual air the guest's controller would go down with
the meter's process, so here the test hosts the air itself: the meter emulator attaches to one
controller of it (``--radio bumble:tcp-client:…``, as to a dongle) and the guest to another.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from meter_emulator.radio.air_controller import AirLink
from meter_emulator.radio.hci_port import HciPort
from meter_emulator.radio.virtual_air import IHD_CONTROLLER_ADDRESS
from tests.bluez_vm.conftest import start_ihd, start_meter
from tests.bluez_vm.machine import Guest
from tests.e2e.programs import Program, free_port

#: The meter's controller on the test's air: a public address of its own.
METER_CONTROLLER = "D0:D1:D2:D3:D4:D5"


@pytest.fixture
async def air() -> AsyncIterator[tuple[HciPort, HciPort]]:
    """An air in the test process: a controller for the meter and one for the guest."""
    link = AirLink()  # type: ignore[no-untyped-call]
    meter_side = HciPort(link, free_port(), address=METER_CONTROLLER, name="meter")
    guest_side = HciPort(link, free_port(), address=IHD_CONTROLLER_ADDRESS, name="ihd")
    await meter_side.start()
    await guest_side.start()
    yield meter_side, guest_side
    await guest_side.close()
    await meter_side.close()


@pytest.fixture
def air_port(air: tuple[HciPort, HciPort]) -> int:
    """The guest's controller is the test air's second one."""
    return air[1].port


@pytest.fixture
async def meter(
    tmp_path: Path, air: tuple[HciPort, HciPort], meters: list[Program], air_port: int
) -> Program:
    """The meter emulator on the test air's first controller."""
    program = await start_meter(tmp_path, air_port, radio=f"bumble:{air[0].transport_moniker}")
    meters.append(program)
    return program


async def test_the_display_finds_the_meter_again_after_it_restarts(
    tmp_path: Path,
    air: tuple[HciPort, HciPort],
    meter: Program,
    meters: list[Program],
    guest: Guest,
) -> None:
    ihd = await start_ihd(guest, "--accept-pairing", "--no-backfill")
    await ihd.wait_for("link.paired", timeout=240, keys="new")
    first = await ihd.wait_for("link.ready", timeout=60)
    assert first["mtu"] > 23, "the MTU BlueZ negotiated, not bleak's default"
    await ihd.wait_for("reading", timeout=60)
    seen_before = len(ihd.seen("reading"))

    code, _ = await meter.stop()  # the meter restarts: its process ends...
    assert code == 0
    lost = await ihd.wait_for("link.disconnected", timeout=120)
    await air[0].wait_free()
    again = await start_meter(tmp_path, air[1].port, radio=f"bumble:{air[0].transport_moniker}")
    meters.append(again)  # ...and starts again with the same bonds and counters

    reconnected = await ihd.wait_for("link.paired", timeout=240)
    assert reconnected["keys"] == "bond", "the display reconnects with its bond"
    ready = await ihd.wait_for("link.ready", timeout=60)
    # The client of the dropped link was let go: otherwise BlueZ turns its notification
    # sessions on again, every notification arrives twice and BlueZ will not tell the MTU.
    assert ready["mtu"] > 23, "the MTU BlueZ negotiated again, not bleak's default"
    await ihd.wait_until(
        lambda: len(ihd.seen("reading")) > seen_before, "reading after the restart", timeout=120
    )
    assert len(ihd.seen("pairing.numeric-comparison")) == 1, "no second pairing on the display"
    await again.wait_for("link.encrypted", timeout=60)
    assert not again.seen("link.paired"), "no second pairing on the meter: the bond was kept"
    print(
        "\nBlueZ guest: the meter restarted; the display saw the link drop and was back with "
        f"its bond {reconnected['_t'] - lost['_t']:.1f} s later"
    )
    assert await ihd.stop() == 0
