"""A full disk under the display's data dir (one process; the failure injected in SQLite's
connection).

Every write of the display's database fails the way SQLite fails on a full disk
(``SQLITE_FULL``, "database or disk is full", raised by SQLite itself) while messages and live
readings keep arriving. The display must not crash: it reports ``storage.error`` with the reason
``disk-full`` once, keeps the messages it could not store, and stores, shows and acknowledges
each of them exactly once when space returns (``storage.recovered``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.zcl import Importance
from tests.fault.support import connect_ihd
from tests.meter_behaviour.support import start_stack

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _disk_full_error() -> sqlite3.OperationalError:
    """The error SQLite raises when a database cannot grow (made by SQLite, not by hand)."""
    scratch = sqlite3.connect(":memory:")
    try:
        scratch.execute("PRAGMA max_page_count = 1")
        scratch.execute("CREATE TABLE grows (x)")
    except sqlite3.OperationalError as exc:
        return exc
    finally:
        scratch.close()
    raise AssertionError("SQLite did not refuse to grow the database")


class FullDisk:
    """A connection whose writes fail with SQLITE_FULL while :attr:`full` is set."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self.full = False
        self.refused = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    def _check(self, sql: str) -> None:
        if self.full and sql.lstrip().upper().startswith(_WRITES):
            self.refused += 1
            raise _disk_full_error()

    def execute(self, sql: str, parameters: Any = ()) -> sqlite3.Cursor:
        self._check(sql)
        return self._connection.execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any]) -> sqlite3.Cursor:
        self._check(sql)
        return self._connection.executemany(sql, parameters)


def _outage(message_id: int) -> MessageRequest:
    return MessageRequest(
        "outage.planned",
        message_id=message_id,
        text=f"Planned power cut {message_id}",
        importance=Importance.HIGH,
        confirmation_required=True,
    )


def test_the_injected_error_is_sqlites_own_disk_full() -> None:
    error = _disk_full_error()
    assert error.sqlite_errorcode == sqlite3.SQLITE_FULL
    assert "full" in str(error)


async def test_full_disk_is_reported_and_no_message_is_lost_once_space_returns(
    tmp_path: Path,
) -> None:
    stack = await start_stack(tmp_path, with_ihd=False)
    ihd = None
    try:
        ihd, events = await connect_ihd(stack.port, tmp_path / "ihd", auto_ack=True)
        before = stack.meter.operator.send("dno", _outage(500))
        await stack.meter_events.wait("ack.received", refers_to=before.key)

        disk = FullDisk(ihd.db.connection)
        ihd.db.connection = disk  # type: ignore[assignment]
        disk.full = True
        waiting = [stack.meter.operator.send("dno", _outage(501 + n)) for n in range(2)]
        error = await events.wait("storage.error")
        assert error["reason"] == "disk-full"
        assert "full" in error["explanation"]
        for record in waiting:
            await stack.meter_events.wait("sent", key=record.key)
        # Live readings keep coming while nothing can be written.
        readings = len(events.named("reading"))
        await events.wait_count("reading", readings + 4)
        assert disk.refused > 0
        assert len(events.named("storage.error")) == 1, "reported once, not on every write"
        assert not events.named("message.displayed", id=501)
        assert not events.named("service.error")

        disk.full = False
        await events.wait("storage.recovered")
        for record in waiting:
            await stack.meter_events.wait("ack.received", refers_to=record.key)
        shown = [e["id"] for e in events.named("message.displayed")]
        assert shown == [500, 501, 502]
        acknowledged = [e["message_id"] for e in stack.meter_events.named("ack.received")]
        assert acknowledged == [500, 501, 502]
        assert not events.named("message.rejected")
        assert not events.named("service.error")
        assert sorted(m.message_id for m in ihd.messages.all()) == [500, 501, 502]
    finally:
        if ihd is not None:
            await ihd.close()
        await stack.close()
