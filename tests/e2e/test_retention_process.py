"""Issue L item 6 with the real program: ``ihd`` started on a database a year and more old (its
clock moved on with ``--clock-offset``, no meter to correct it) prunes each table to its
retention at start and says so (``storage.pruned``), keeping what is within it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from ihd_app.core.model import MessageState, SecurityEvent
from ihd_app.core.readings import Fuel
from ihd_app.store.data_access import DataAccessLog
from ihd_app.store.database import Database
from ihd_app.store.messages import MessageRepository
from ihd_app.store.readings import ReadingsRepository
from ihd_app.store.security_log import SecurityLog
from tests.e2e.programs import Program, free_port, headless_args
from tests.store.conftest import make_message
from tests.support import NOW
from tests.ui.fake.demo_data import demo_data_access

HALF_HOUR = timedelta(minutes=30)
#: How far the display's clock is moved on: 420 days.
OFFSET = timedelta(days=420)


async def test_a_year_and_more_later_each_table_is_pruned_to_its_retention(
    started_programs: list[Program], tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    data_dir = tmp_path / "ihd"
    with Database.in_data_dir(data_dir) as db:
        readings = ReadingsRepository(db)
        # A day of half hours now (400+ days old by the display's moved clock) ...
        readings.add_profile(Fuel.ELECTRICITY, now, HALF_HOUR, [0.25] * 48, "history")
        MessageRepository(db).upsert(
            make_message(
                "old-message",
                state=MessageState.ACKNOWLEDGED,
                minutes=int((now - NOW).total_seconds() // 60),
            )
        )
        SecurityLog(db).append(SecurityEvent(now, "replay", "a forgery", "It was replayed."))
        DataAccessLog(db).add(demo_data_access(now)[0])
        # ... and a day within every retention of the moved clock.
        recent = now + OFFSET - timedelta(days=30)
        readings.add_profile(Fuel.ELECTRICITY, recent, HALF_HOUR, [0.5] * 48, "history")

    ihd = await Program.start(
        "ihd",
        headless_args(
            free_port(),
            data_dir,
            "--no-backfill",
            "--clock-offset",
            str(int(OFFSET.total_seconds())),
        ),
    )
    started_programs.append(ihd)
    pruned = await ihd.wait_for("storage.pruned", timeout=60)
    await ihd.stop()

    assert pruned["intervals"] == 48
    assert pruned["messages"] == 1
    assert pruned["security_events"] == 1
    assert pruned["data_access"] == 1
    with Database.in_data_dir(data_dir) as db:
        kept = ReadingsRepository(db).count(Fuel.ELECTRICITY)
        assert kept == 48, "the month-old day is within the 13 months"
        assert SecurityLog(db).count() == 0
        assert DataAccessLog(db).count() == 0
