"""The 13-month backfill as history ranges, over the virtual radio (meter and display in one
process): two signed requests instead of about 152, every half hour stored exactly once, and a
range cut by a dropped link resumed with only what is missing (a meter restart, in two
processes: tests/fault/test_backfill_meter_restart.py)."""

from __future__ import annotations

import itertools
from pathlib import Path

from ihd_app.protocol.history_range import PERIODS_DETAIL, PERIODS_PER_RESPONSE
from tests.fault.support import read_only
from tests.meter_behaviour.support import Stack, start_stack

HALF_HOUR_US = 30 * 60 * 1_000_000


def _history_starts(data_dir: Path, fuel: str) -> list[int]:
    """Start of every half hour of ``fuel`` stored from History, oldest first (the display must
    have stopped)."""
    with read_only(data_dir) as db:
        return [
            row[0]
            for row in db.execute(
                "SELECT start_us FROM intervals WHERE fuel = ? AND source = 'history' "
                "AND duration_us = ? ORDER BY start_us",
                (fuel, HALF_HOUR_US),
            )
        ]


def _assert_whole_and_once(data_dir: Path, per_fuel: int) -> None:
    for fuel in ("electricity", "gas"):
        starts = _history_starts(data_dir, fuel)
        assert len(starts) == len(set(starts)) == per_fuel, fuel
        gaps = [b - a for a, b in itertools.pairwise(starts) if b - a != HALF_HOUR_US]
        assert not gaps, f"{fuel}: {len(gaps)} gaps"


async def _close(stack: Stack) -> None:
    """Stop the display (so its database can be read) and the meter."""
    await stack.stop_ihd()
    await stack.meter.close()


async def test_thirteen_months_come_in_two_requests_each_half_hour_once(tmp_path: Path) -> None:
    stack = await start_stack(tmp_path, with_ihd=False)
    try:
        await stack.start_ihd(backfill=True)
        total = (await stack.ihd_events.wait("history.progress", done=0))["total"]
        done = await stack.ihd_events.wait("history.done", timeout=60)
        assert done["intervals"] == total
        requested = stack.meter_events.named("history.requested")
        # One range per fuel, where one GetProfile at a time needed 75 per fuel.
        one_at_a_time = 2 * -(-(total // 2) // PERIODS_PER_RESPONSE)
        assert len(requested) == 2 < one_at_a_time
        assert one_at_a_time >= 140
        assert sorted(r["details"][PERIODS_DETAIL] for r in requested) == [total // 2] * 2
        progress = [e["done"] for e in stack.ihd_events.named("history.progress")]
        assert progress == sorted(progress)
        assert progress[-1] == total
        assert not stack.meter_events.named("history.refused")
    finally:
        await _close(stack)
    _assert_whole_and_once(tmp_path / "ihd", total // 2)


async def test_a_range_cut_by_a_dropped_link_resumes_with_only_what_is_missing(
    tmp_path: Path,
) -> None:
    stack = await start_stack(tmp_path, with_ihd=False)
    try:
        await stack.start_ihd(backfill=True)
        total = (await stack.ihd_events.wait("history.progress", done=0))["total"]
        # Two commits of four responses: part of the electricity range is stored.
        await stack.ihd_events.wait_count("history.progress", 3, timeout=30)
        await stack.meter.drop_link()
        # The display reconnects by itself and plans again from what it stored.
        plans = await stack.ihd_events.wait_count("history.progress", 2, done=0, timeout=30)
        resumed = plans[-1]["total"]
        assert 0 < resumed < total, "only what is missing is asked for again"
        done = await stack.ihd_events.wait("history.done", timeout=60)
        assert done["intervals"] == resumed
        asked_again = stack.meter_events.named("history.requested")
        assert 1 <= len(asked_again) <= 4
    finally:
        await _close(stack)
    _assert_whole_and_once(tmp_path / "ihd", total // 2)
