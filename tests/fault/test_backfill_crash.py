"""``kill -9`` of the display in the middle of its 13-month history backfill, then a restart.

The backfill must resume and end with every half hour of the window stored exactly once, for
both fuels: no gap where requests were in flight when the display died, no duplicate where a
range was asked for twice. The display's SQLite file is read (read-only) after it stopped.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.programs import free_port
from tests.fault.support import crash, ihd_args, meter_args, programs, read_only

HALF_HOUR_US = 30 * 60 * 1_000_000


@pytest.mark.parametrize("seed", [1, 2])
async def test_backfill_resumes_after_a_crash_without_gaps_or_duplicates(
    tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    port = free_port()
    ihd_dir = tmp_path / "ihd"
    async with programs() as running:
        meter = await running.start("meter-emulator", meter_args(port, tmp_path / "m"))
        await meter.wait_for("advertising")
        ihd = await running.start("ihd", ihd_args(port, ihd_dir))
        total = (await ihd.wait_for("history.progress", done=0))["total"]
        assert total > 2 * 390 * 48
        kill_at = rng.randint(total // 10, total * 9 // 10)
        await ihd.wait_until(
            lambda: any(e.get("done", 0) >= kill_at for e in ihd.seen("history.progress")),
            f"{kill_at} half hours of history",
        )
        await crash(ihd)

        ihd = await running.start("ihd", ihd_args(port, ihd_dir))
        resumed = await ihd.wait_for("history.progress", done=0)
        assert 0 < resumed["total"] < total, "only what is missing is asked for again"
        await ihd.wait_for("history.done", timeout=30)
        await ihd.stop()
        await meter.stop()

    window_end = datetime.now(UTC)
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
            assert len(starts) == len(set(starts)), f"{fuel}: duplicate half hours"
            gaps = [b - a for a, b in itertools.pairwise(starts) if b - a != HALF_HOUR_US]
            assert not gaps, f"{fuel}: {len(gaps)} gaps after the crash at {kill_at}"
            assert len(starts) >= total // 2
            newest = datetime.fromtimestamp(starts[-1] / 1e6, UTC)
            assert window_end - newest < timedelta(hours=1)
