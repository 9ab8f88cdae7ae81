"""The meter is killed while the display waits for its history ranges, then started again.

The display reconnects by itself with its bond and asks again for what it lacks (the requests in
flight died with the meter); the backfill ends with every half hour of both fuels stored exactly
once. The first meter never answers History (``--fault no-history``), so the kill always falls
while the ranges are in flight, whatever the machine's speed.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from ihd_app.protocol.history_range import PERIODS_DETAIL
from tests.e2e.programs import free_port
from tests.fault.support import crash, field_values, ihd_args, meter_args, programs, read_only

HALF_HOUR_US = 30 * 60 * 1_000_000


async def test_a_meter_restart_mid_range_is_resumed_with_every_half_hour_once(
    tmp_path: Path,
) -> None:
    port = free_port()
    meter_dir, ihd_dir = tmp_path / "m", tmp_path / "ihd"
    async with programs() as running:
        first = await running.start(
            "meter-emulator", meter_args(port, meter_dir, "--fault", "no-history")
        )
        await first.wait_for("advertising")
        ihd = await running.start("ihd", ihd_args(port, ihd_dir))
        total = (await ihd.wait_for("history.progress", done=0))["total"]
        # Both fuels' ranges were asked for and none answered.
        await first.wait_until(
            lambda: len(first.seen("history.requested")) == 2, "both ranges asked for"
        )
        await crash(first)

        meter = await running.start("meter-emulator", meter_args(port, meter_dir))
        await ihd.wait_until(
            lambda: len([e for e in ihd.seen("history.progress") if e["done"] == 0]) == 2,
            "the backfill planned again after reconnecting",
            60,
            also=meter,
        )
        done = await ihd.wait_for("history.done", timeout=60)
        await ihd.stop()
        await meter.stop()

    assert done["intervals"] == total
    # Two ranges per run of the meter, where one GetProfile at a time needed about 150 each.
    details = field_values(meter.seen("history.requested"), "history.requested", "details")
    assert sorted(d[PERIODS_DETAIL] for d in details) == [total // 2] * 2
    with read_only(ihd_dir) as db:
        for fuel in ("electricity", "gas"):
            starts = [
                row[0]
                for row in db.execute(
                    "SELECT start_us FROM intervals WHERE fuel = ? AND source = 'history' "
                    "ORDER BY start_us",
                    (fuel,),
                )
            ]
            assert len(starts) == len(set(starts)) == total // 2, fuel
            assert all(b - a == HALF_HOUR_US for a, b in itertools.pairwise(starts)), fuel
