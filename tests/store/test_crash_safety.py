"""Crash safety: a process killed right after committing, or in the middle of a transaction.

A child Python process opens the store, marks a message acknowledged and queues its confirmation
in one transaction, and reports on stdout; the parent then kills it with SIGKILL (or the child
leaves with ``os._exit``, skipping every clean-up) and reopens the file. No sleeps: the parent
waits for the child's line.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ihd_app.core.model import MessageState, OutboxKind
from ihd_app.store.database import Database
from ihd_app.store.messages import MessageRepository
from ihd_app.store.outbox import Outbox
from tests.store.conftest import make_message

CHILD = """
import os, sys
from datetime import datetime, timezone
from pathlib import Path
from ihd_app.core.model import MessageState, OutboxKind
from ihd_app.store.database import Database
from ihd_app.store.messages import MessageRepository
from ihd_app.store.outbox import Outbox

data_dir, mode = Path(sys.argv[1]), sys.argv[2]
db = Database.in_data_dir(data_dir)
messages, outbox = MessageRepository(db), Outbox(db)
now = datetime(2026, 11, 22, 12, 5, tzinfo=timezone.utc)
with db.transaction():
    messages.transition("a1b2c3", MessageState.ACKNOWLEDGED, now, "acknowledged")
    outbox.enqueue(OutboxKind.CONFIRMATION, "confirmation:a1b2c3", b"signed-ack", now)
    if mode == "inside":
        print("inside", flush=True)
        sys.stdin.read()  # blocks until killed
print("committed", flush=True)
if mode == "exit":
    os._exit(0)
sys.stdin.read()  # blocks until killed
"""


def _prepare(data_dir: Path) -> None:
    with Database.in_data_dir(data_dir) as db:
        MessageRepository(db).upsert(make_message())


def _run_child_until(data_dir: Path, mode: str, line: str) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data_dir), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert child.stdout is not None
        said = child.stdout.readline().strip()
        if said != line:
            child.kill()
            _, errors = child.communicate()
            pytest.fail(f"child said {said!r}, expected {line!r}; stderr:\n{errors}")
        if mode != "exit":
            child.kill()  # SIGKILL: no clean-up, no rollback, no close
    finally:
        child.wait(timeout=30)
        for stream in (child.stdin, child.stdout, child.stderr):
            if stream is not None:
                stream.close()
    if mode == "exit":
        assert child.returncode == 0
    else:
        assert child.returncode == -signal.SIGKILL


@pytest.mark.parametrize("mode", ["kill", "exit"])
def test_committed_acknowledgement_survives_the_process_dying(tmp_path: Path, mode: str) -> None:
    _prepare(tmp_path)
    _run_child_until(tmp_path, mode, "committed")
    with Database.in_data_dir(tmp_path) as db:
        message = MessageRepository(db).get("a1b2c3")
        assert message is not None
        assert message.state is MessageState.ACKNOWLEDGED
        assert message.history[-1].state is MessageState.ACKNOWLEDGED
        (pending,) = Outbox(db).pending()
        assert pending.kind is OutboxKind.CONFIRMATION
        assert pending.dedupe_key == "confirmation:a1b2c3"
        assert pending.envelope == b"signed-ack"
        assert db.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_kill_inside_a_transaction_leaves_nothing(tmp_path: Path) -> None:
    _prepare(tmp_path)
    _run_child_until(tmp_path, "inside", "inside")
    with Database.in_data_dir(tmp_path) as db:
        assert MessageRepository(db).get("a1b2c3") == make_message()
        assert Outbox(db).pending() == []
        assert db.connection.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
        assert db.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # The dead writer's lock is gone: this process can write at once.
        with db.transaction():
            Outbox(db).enqueue(
                OutboxKind.RECEIPT, "receipt:a1b2c3", b"r", make_message().received_at
            )
