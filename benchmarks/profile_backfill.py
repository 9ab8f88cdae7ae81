"""Where the history backfill's time goes: cProfile of one pipeline session's backfill phase.

``.venv/bin/python -m benchmarks.profile_backfill [--out FILE]`` runs the session of
:mod:`benchmarks.pipeline` (meter emulator and IHD in this process on the virtual radio),
profiles from the connection to ``history.done``, prints the share of the main activities and
writes the raw profile (``python -m pstats FILE``). Profiling slows everything about twofold;
the shares are what matter. The meter fills its profile log as it starts, while the display
connects: mostly before the profile begins.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import pipeline
from ihd_app.protocol.events import EventWaiter
from ihd_app.service.ihd_service import IhdService

#: (label, file suffix, function name): cumulative time of these entry points.
ACTIVITIES = (
    ("IHD signs requests (counter saved)", "ihd_app/service/replies.py", "sign"),
    ("IHD writes requests (acknowledged ATT writes)", "ihd_app/link/meter_link.py", "send"),
    (
        "meter verifies requests (replay state saved)",
        "meter_emulator/ihd_replies.py",
        "on_unit_from_ihd",
    ),
    ("meter reads half hours from its profile log", "simulation/profile_log.py", "energy_wh"),
    (
        "  of which computing half hours not logged yet",
        "simulation/household.py",
        "interval_energy_wh",
    ),
    ("meter notifies responses", "meter_emulator/gatt/server.py", "notify_history"),
    ("IHD decodes and stores responses", "ihd_app/service/backfill.py", "on_history"),
    ("  of which the SQLite upsert and commit", "ihd_app/store/readings.py", "add_raw_profiles"),
)


def _cumulative(stats: pstats.Stats, suffix: str, name: str) -> float:
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    return sum(
        float(entry[3])
        for (file, _line, function), entry in table.items()
        if file.endswith(suffix) and function == name
    )


async def _profiled_session(profile: cProfile.Profile) -> None:
    connect: Callable[..., Any] = IhdService.connect
    wait: Callable[..., Any] = EventWaiter.wait

    async def profiled_connect(self: Any, target: Any) -> None:
        profile.enable()
        await connect(self, target)

    async def stop_at_done(self: Any, name: str, /, **fields: Any) -> Any:
        result = await wait(self, name, **fields)
        if name == "history.done":
            profile.disable()
        return result

    IhdService.connect = profiled_connect  # type: ignore[method-assign]
    EventWaiter.wait = stop_at_done  # type: ignore[method-assign, assignment]
    try:
        with tempfile.TemporaryDirectory() as workdir:
            await pipeline._session(Path(workdir), messages=1, raw_units=10)
    finally:
        IhdService.connect = connect  # type: ignore[method-assign]
        EventWaiter.wait = wait  # type: ignore[method-assign]


def main(argv: Sequence[str] | None = None) -> int:
    """Profile one backfill and print the shares."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_backfill")
    parser.add_argument("--out", type=Path, default=Path("backfill.prof"), help="raw profile")
    args = parser.parse_args(argv)
    profile = cProfile.Profile()
    asyncio.run(_profiled_session(profile))
    profile.dump_stats(args.out)
    stats = pstats.Stats(str(args.out))
    total: float = stats.total_tt  # type: ignore[attr-defined]
    print(f"backfill, profiled: {total:.2f} s of CPU")
    accounted = 0.0
    for label, suffix, name in ACTIVITIES:
        seconds = _cumulative(stats, suffix, name)
        print(f"{100 * seconds / total:5.1f} %  {seconds:6.3f} s  {label}")
        if not label.startswith(" "):
            accounted += seconds
    rest = total - accounted
    label = "the rest: receiving (Bumble HCI, L2CAP, ATT), asyncio"
    print(f"{100 * rest / total:5.1f} %  {rest:6.3f} s  {label}")
    print(f"raw profile: {args.out} (python -m pstats {args.out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
