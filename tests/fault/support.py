"""Helpers of the fault-tolerance tests: signed bursts, the two programs, the IHD's database.

Programs run as real processes (:class:`tests.e2e.programs.Program`) and are followed through
their ``--events -`` lines; a crash is ``SIGKILL`` at a point chosen by a seeded random number
(the seed is in the test's parameters, so a failure replays exactly).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ihd_app.link.pairing import AutoAccept
from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import Identity, load_identity
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.resources import demo_pki_dir
from ihd_app.protocol.zcl import Importance
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from ihd_app.store.database import DATABASE_FILE
from tests.e2e.programs import Program, headless_args
from tests.event_waiting import Events
from tests.support import METER_ID


def signed_burst(
    count: int, *, first_id: int = 1000, role: str = "dno", counter_base: int | None = None
) -> list[tuple[int, bytes]]:
    """``count`` high-importance outage notices that ask for an acknowledgement, signed by the
    DEMO ``role`` identity with increasing counters: ``(message_id, envelope)``, in order."""
    identity: Identity = load_identity(demo_pki_dir(), role)
    now = datetime.now(UTC)
    base = counter_base if counter_base is not None else int(now.timestamp() * 1000)
    burst = []
    for n in range(count):
        message_id = first_id + n
        payload, details = compose(
            MessageRequest(
                "outage.planned",
                message_id=message_id,
                text=f"Planned power cut {n}",
                importance=Importance.HIGH,
                confirmation_required=True,
                at=now,
            )
        )
        claims = new_claims(
            identity,
            "outage.planned",
            METER_ID,
            base + n,
            issued_at=now - timedelta(seconds=1),
            details=details,
        )
        burst.append((message_id, sign_envelope(identity, claims, payload)))
    return burst


def ihd_args(port: int, data_dir: Path, *extra: str) -> list[str]:
    """``ihd --headless`` arguments: pairs and acknowledges by itself."""
    return headless_args(port, data_dir, "--accept-pairing", "--auto-ack", *extra)


def meter_args(port: int, data_dir: Path, *extra: str) -> list[str]:
    """``meter-emulator --headless`` arguments."""
    return headless_args(port, data_dir, *extra)


class Programs:
    """Every program a test started, killed at the end whatever happened."""

    def __init__(self) -> None:
        self.started: list[Program] = []

    async def start(self, name: str, args: list[str]) -> Program:
        program = await Program.start(name, args)
        self.started.append(program)
        return program


@asynccontextmanager
async def programs() -> AsyncIterator[Programs]:
    """A :class:`Programs` whose programs are all killed and reaped on exit."""
    running = Programs()
    try:
        yield running
    finally:
        for program in running.started:
            program.kill()
            await program.process.wait()


async def crash(program: Program) -> None:
    """``kill -9``: no clean-up of any kind.

    What the program wrote before it died is still in the pipe and is read: a reply it handled
    and logged in its last moments, after the event the test killed it on, would otherwise look
    lost (the display, which saw it confirmed, does not send it again).
    """
    program.kill()
    await program.exited()


def field_values(events: Iterable[dict[str, Any]], name: str, field: str) -> list[Any]:
    """``field`` of every event ``name``, in order."""
    return [e.get(field) for e in events if e.get("event") == name]


def replies_logged(events: Iterable[dict[str, Any]], name: str) -> Counter[Any]:
    """How many distinct signed replies ``name`` (by digest) the meter logged per message id.

    A meter killed after logging a reply but before remembering it handles the display's
    re-sent copy again and logs the same reply (the same digest) a second time.
    """
    return Counter(
        dict(
            (e.get("digest"), e.get("message_id")) for e in events if e.get("event") == name
        ).values()
    )


def read_only(data_dir: Path) -> sqlite3.Connection:
    """The IHD's database opened read-only (the program must have stopped)."""
    return sqlite3.connect(f"file:{data_dir / DATABASE_FILE}?mode=ro", uri=True)


async def connect_ihd(
    port: int,
    data_dir: Path,
    *,
    clock: Callable[[], datetime] | None = None,
    backfill: bool = False,
    auto_ack: bool = False,
) -> tuple[IhdService, Events]:
    """The display's service in this process, connected (and paired) to the meter on ``port``;
    ``clock`` replaces its clock (skew tests)."""
    log = EventLog()
    events = Events(log)
    config = ServiceConfig(
        RadioSpec.parse(f"virtual:{port}"), data_dir, backfill=backfill, auto_ack=auto_ack
    )
    if clock is None:
        service = IhdService(config, log, pairing=AutoAccept())
    else:
        service = IhdService(config, log, pairing=AutoAccept(), clock=clock)
    await service.start()
    assert service.link is not None
    await service.connect(await service.link.find_meter())
    return service, events
