"""The meter's answer to a history range: consecutive GetProfileResponse units on History."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ihd_app.protocol.history_range import MAX_RANGE_PERIODS, PERIODS_DETAIL
from ihd_app.protocol.zcl import (
    Endpoint,
    GetProfile,
    GetProfileResponse,
    ProfileStatus,
    Unit,
    decode_unit,
)
from ihd_app.protocol.zcl.primitives import datetime_to_utc, utc_to_datetime
from meter_emulator.history import HalfHourHistory
from meter_emulator.simulation.household import Household

NOW = datetime(2026, 12, 1, 12, 10, tzinfo=UTC)
LAST_HALF_HOUR = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HALF_HOUR = timedelta(minutes=30)


@dataclass
class _History:
    """The History characteristic as the meter sees it: units notified, and to how many IHDs."""

    units: list[Unit] = field(default_factory=list)
    listeners: int = 1
    on_unit: Callable[[int], None] = lambda _count: None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def notify_history(self, unit: bytes) -> int:
        self.units.append(decode_unit(unit))
        self.arrived.set()
        self.on_unit(len(self.units))
        return self.listeners

    async def until(self, count: int) -> list[Unit]:
        async with asyncio.timeout(10):
            while len(self.units) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.units


@dataclass
class _Meter:
    history: HalfHourHistory
    sink: _History
    events: list[tuple[str, dict[str, Any]]]

    def ask(
        self, periods: int, *, detail: object = None, endpoint: Endpoint = Endpoint.GAS
    ) -> None:
        command = GetProfile(
            interval_channel=0,
            end_time=datetime_to_utc(LAST_HALF_HOUR),
            number_of_periods=min(255, periods),
        )
        details = {} if detail is None else {PERIODS_DETAIL: detail}
        self.history.request(endpoint, command, details)


@pytest.fixture
async def meter() -> AsyncIterator[_Meter]:
    sink = _History()
    events: list[tuple[str, dict[str, Any]]] = []
    history = HalfHourHistory(
        Household(),
        lambda: sink,
        lambda: NOW,
        emit=lambda name, /, **fields: events.append((name, fields)),
    )
    task = asyncio.create_task(history.run())
    yield _Meter(history, sink, events)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def _responses(units: list[Unit]) -> list[GetProfileResponse]:
    commands = [unit.command for unit in units]
    assert all(isinstance(c, GetProfileResponse) for c in commands)
    return [c for c in commands if isinstance(c, GetProfileResponse)]


async def test_a_range_is_answered_newest_first_in_consecutive_responses(meter: _Meter) -> None:
    meter.ask(600, detail=600)
    units = await meter.sink.until(3)
    responses = _responses(units)
    assert [len(r.intervals) for r in responses] == [255, 255, 90]
    assert all(u.endpoint is Endpoint.GAS for u in units)
    assert all(r.status == ProfileStatus.SUCCESS for r in responses)
    assert utc_to_datetime(responses[0].end_time) == LAST_HALF_HOUR
    for newer, older in itertools.pairwise(responses):
        began = utc_to_datetime(newer.end_time) - HALF_HOUR * len(newer.intervals)
        assert utc_to_datetime(older.end_time) == began


async def test_the_first_response_is_the_answer_to_the_get_profile_alone(meter: _Meter) -> None:
    meter.ask(255)  # a display that knows nothing of ranges
    meter.ask(600, detail=600)
    units = await meter.sink.until(4)
    alone, first = _responses(units)[:2]
    assert alone == first


async def test_above_thirteen_months_the_newest_thirteen_are_sent_and_the_last_says_so(
    meter: _Meter,
) -> None:
    meter.ask(MAX_RANGE_PERIODS + 500, detail=MAX_RANGE_PERIODS + 500)
    responses = _responses(await meter.sink.until(76))
    assert sum(len(r.intervals) for r in responses) == MAX_RANGE_PERIODS
    assert [r.status for r in responses[-2:]] == [
        ProfileStatus.SUCCESS,
        ProfileStatus.MORE_PERIODS_REQUESTED_THAN_RETURNED,
    ]
    assert (
        "history.clamped",
        {"asked": MAX_RANGE_PERIODS + 500, "answered": MAX_RANGE_PERIODS},
    ) in meter.events


@pytest.mark.parametrize("detail", [0, True, "600", 1000])
async def test_a_range_that_disagrees_with_its_get_profile_is_refused(
    meter: _Meter, detail: object
) -> None:
    command = GetProfile(interval_channel=0, end_time=0, number_of_periods=48)
    meter.history.request(Endpoint.ELECTRICITY, command, {PERIODS_DETAIL: detail})
    meter.ask(2)  # answered in turn: the refused one was never queued
    responses = _responses(await meter.sink.until(1))
    assert len(responses[0].intervals) == 2
    assert [name for name, _ in meter.events] == ["history.refused"]
    assert meter.events[0][1]["reason"] == "malformed"


async def test_a_dropped_link_ends_the_range_and_forgets_what_was_queued(meter: _Meter) -> None:
    # The link drops as the second response goes out.
    meter.sink.on_unit = lambda count: meter.history.link_dropped() if count == 2 else None
    meter.ask(MAX_RANGE_PERIODS, detail=MAX_RANGE_PERIODS)
    meter.ask(600, detail=600, endpoint=Endpoint.ELECTRICITY)
    await meter.sink.until(2)
    meter.sink.on_unit = lambda _count: None
    meter.ask(3, endpoint=Endpoint.ELECTRICITY)  # asked on the next connection
    units = await meter.sink.until(3)
    assert [len(_responses([u])[0].intervals) for u in units] == [255, 255, 3]


async def test_nobody_listening_ends_the_range(meter: _Meter) -> None:
    meter.sink.listeners = 0
    meter.ask(MAX_RANGE_PERIODS, detail=MAX_RANGE_PERIODS)
    await meter.sink.until(1)
    meter.sink.listeners = 1
    meter.ask(5)
    units = await meter.sink.until(2)
    assert len(_responses(units)[1].intervals) == 5
