"""The headless IHD verifies what the meter indicates: genuine messages in, forgeries out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ihd_app.headless.runner import HeadlessConfig, HeadlessIhd
from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import Identity
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.zcl import Importance
from meter_emulator.attacks.forgery import AttackContext, attack
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import MeterRuntime
from tests.e2e.programs import free_port


class Waiter:
    """Collects events and lets a test await the next one of a name."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}

    def __call__(self, record: dict[str, Any]) -> None:
        self.events.append(record)
        future = self._waiting.pop(record["event"], None)
        if future is not None and not future.done():
            future.set_result(record)

    async def next(self, event: str, timeout: float = 10) -> dict[str, Any]:
        future = asyncio.get_running_loop().create_future()
        self._waiting[event] = future
        return await asyncio.wait_for(future, timeout)


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[MeterRuntime, Waiter]]:
    port = free_port()
    meter = MeterRuntime(
        MeterConfig(radio=RadioSpec.parse(f"virtual:{port}"), data_dir=tmp_path / "m"), EventLog()
    )
    await meter.start()
    events = EventLog()
    waiter = Waiter()
    events.subscribe(waiter)
    ihd = HeadlessIhd(
        HeadlessConfig(RadioSpec.parse(f"virtual:{port}"), tmp_path / "i", accept_pairing=True),
        events,
    )
    stop = asyncio.Event()
    ready = asyncio.ensure_future(waiter.next("link.ready", timeout=20))
    task = asyncio.create_task(ihd.run(stop))
    await ready
    await meter.wait_for_ihd()  # served once the display's proof is confirmed
    yield meter, waiter
    stop.set()
    await task
    await meter.close()


async def test_genuine_notice_is_accepted_and_forgery_refused(
    running: tuple[MeterRuntime, Waiter], identities: Callable[[str], Identity]
) -> None:
    meter, waiter = running
    dno = identities("dno")
    now = datetime.now(UTC)
    payload, details = compose(
        MessageRequest(
            "outage.planned",
            message_id=77,
            text="Power cut Tue 10:00-14:00",
            importance=Importance.HIGH,
        )
    )
    claims = new_claims(dno, "outage.planned", meter.meter_id, 10, issued_at=now, details=details)
    accepted = asyncio.ensure_future(waiter.next("message.accepted"))
    await meter.send_envelope(sign_envelope(dno, claims, payload))
    record = await accepted
    assert record["id"] == 77
    assert record["type"] == "outage.planned"
    assert record["role"] == "dno"
    assert record["originator"] == "90-B3-D5-1F-30-01-00-01"
    assert record["organisation"] == "Northern Power Distribution"
    assert record["text"] == "Power cut Tue 10:00-14:00"

    ctx = AttackContext(identities, meter.meter_id, now, 11, payload)
    rejected = asyncio.ensure_future(waiter.next("message.rejected"))
    await meter.send_envelope(attack("role-not-authorised").build(ctx))
    assert (await rejected)["reason"] == "role-not-authorised"
