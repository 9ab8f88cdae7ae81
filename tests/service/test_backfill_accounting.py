"""The display's backfill against a scripted meter (no radio): what it asks for, how it counts
the responses of a history range, and what it does when a meter does not answer ranges."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from ihd_app.link.meter_link import MeterLink
from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.history_range import PERIODS_DETAIL, requested_range, response_blocks
from ihd_app.protocol.zcl import (
    METERING,
    GetProfile,
    GetProfileResponse,
    ProfileIntervalPeriod,
    ProfileStatus,
    Unit,
    decode_unit,
)
from ihd_app.protocol.zcl.primitives import datetime_to_utc, utc_to_datetime
from ihd_app.service.backfill import STALL, HistoryBackfill
from ihd_app.service.replies import ReplySigner
from ihd_app.store.database import Database
from ihd_app.store.readings import ReadingsRepository

NOW = datetime(2026, 12, 1, 12, 10, tzinfo=UTC)


@dataclass
class _Request:
    unit: Unit
    details: dict[str, Any]


class _Signer:
    """Signs nothing: the envelope is the composed request itself, read back by the meter."""

    def sign(self, request: MessageRequest) -> _Request:
        payload, details = compose(request)
        return _Request(decode_unit(payload), dict(details))


@dataclass
class _Link:
    """The link to a scripted meter: every request written is kept."""

    sent: list[_Request] = field(default_factory=list)

    async def send(self, envelope: _Request) -> None:
        self.sent.append(envelope)


@dataclass
class _Display:
    backfill: HistoryBackfill
    link: _Link
    events: list[tuple[str, dict[str, Any]]]
    clock: list[datetime]

    def named(self, name: str) -> list[dict[str, Any]]:
        return [fields for event, fields in self.events if event == name]

    async def send_all(self) -> list[_Request]:
        before = len(self.link.sent)
        while await self.backfill.send_next(cast(MeterLink, self.link)):
            pass
        return self.link.sent[before:]

    def answer(self, request: _Request, *, ranges: bool = True) -> None:
        """What a meter answers (as a range-aware meter, or one that knows only GetProfile)."""
        command = request.unit.command
        assert isinstance(command, GetProfile)
        wanted = requested_range(command, request.details if ranges else {})
        end = utc_to_datetime(command.end_time)
        for block_end, count in response_blocks(end, wanted.periods):
            response = GetProfileResponse(
                end_time=datetime_to_utc(block_end),
                status=ProfileStatus.SUCCESS,
                profile_interval_period=ProfileIntervalPeriod.MINUTES_30,
                intervals=tuple(range(count)),
            )
            unit = Unit.of(response, cluster_id=METERING, endpoint=request.unit.endpoint)
            self.backfill.on_history(unit.encode())


@pytest.fixture
def display(tmp_path: Path) -> Iterator[_Display]:
    events: list[tuple[str, dict[str, Any]]] = []
    clock = [NOW]
    link = _Link()
    with Database.in_data_dir(tmp_path) as database:
        backfill = HistoryBackfill(
            ReadingsRepository(database),
            enabled=True,
            connected=lambda: True,
            signer=lambda: cast(ReplySigner, _Signer()),
            emit=lambda name, /, **fields: events.append((name, fields)),
            changed=lambda: None,
            wake=lambda: None,
            storage_failed=lambda exc: pytest.fail(str(exc)),
            clock=lambda: clock[-1],
        )
        yield _Display(backfill, link, events, clock)


async def test_a_new_display_asks_two_ranges_and_counts_every_half_hour_once(
    display: _Display,
) -> None:
    display.backfill.begin()
    total = display.backfill.progress.total
    requests = await display.send_all()
    assert [r.unit.endpoint.value for r in requests] == [1, 2]
    assert [r.details[PERIODS_DETAIL] for r in requests] == [total // 2] * 2
    display.answer(requests[0])
    display.answer(requests[0])  # the same range again (a meter answering twice)
    assert display.backfill.progress.done == total // 2
    assert display.backfill.progress.running
    display.answer(requests[1])
    assert display.backfill.progress.done == total
    assert not display.backfill.progress.running
    assert display.named("history.done") == [{"intervals": total}]
    # Planned again, nothing is missing: nothing is asked for.
    display.backfill.begin()
    assert await display.send_all() == []


async def test_a_range_cut_part_way_is_asked_again_for_the_rest_only(display: _Display) -> None:
    display.backfill.begin()
    total = display.backfill.progress.total
    first = (await display.send_all())[0]
    wanted = first.details[PERIODS_DETAIL]
    # Eight responses arrive, then the link drops; the display reconnects.
    end = utc_to_datetime(cast(GetProfile, first.unit.command).end_time)
    for block_end, count in list(response_blocks(end, wanted))[:8]:
        response = GetProfileResponse(
            datetime_to_utc(block_end), 0, ProfileIntervalPeriod.MINUTES_30, (1,) * count
        )
        display.backfill.on_history(Unit.of(response, cluster_id=METERING, endpoint=1).encode())
    display.backfill.reconnected()
    assert display.backfill.progress.total == total - 8 * 255
    again = await display.send_all()
    assert [r.details[PERIODS_DETAIL] for r in again] == [wanted - 8 * 255, total // 2]


async def test_a_meter_that_answers_only_get_profile_is_asked_one_at_a_time(
    display: _Display,
) -> None:
    display.backfill.begin()
    total = display.backfill.progress.total
    for request in await display.send_all():
        display.answer(request, ranges=False)  # 255 half hours each, then silence
    assert display.backfill.progress.running
    display.clock.append(NOW + STALL)
    display.backfill.refresh(display.clock[-1])
    assert display.named("history.stalled") == [{"fallback": "one GetProfile at a time"}]
    assert display.backfill.progress.total == total - 2 * 255
    requests = await display.send_all()
    assert len(requests) == 2 * 75 - 2
    assert all(PERIODS_DETAIL not in r.details for r in requests)
    for request in requests:
        display.answer(request, ranges=False)
    assert not display.backfill.progress.running
    assert display.backfill.progress.done == total - 2 * 255


async def test_a_meter_that_never_answers_is_left_until_the_next_half_hour(
    display: _Display,
) -> None:
    display.backfill.begin()
    await display.send_all()
    display.clock.append(NOW + STALL)
    display.backfill.refresh(display.clock[-1])
    await display.send_all()
    display.clock.append(NOW + 2 * STALL)
    display.backfill.refresh(display.clock[-1])
    assert [e["fallback"] for e in display.named("history.stalled")] == [
        "one GetProfile at a time",
        None,
    ]
    assert not display.backfill.progress.running
    assert await display.send_all() == []
    # Two minutes after the next half hour, it is planned again, ranges first.
    display.clock.append(NOW + timedelta(minutes=25))
    display.backfill.refresh(display.clock[-1])
    assert display.backfill.progress.running
    # Both fuels, one GetProfile at a time on this meter until the display connects anew.
    assert len(await display.send_all()) == 2 * 75


async def test_a_reconnection_long_after_the_last_answer_is_not_taken_for_a_stall(
    display: _Display,
) -> None:
    # The link dropped mid-backfill and came back a minute later. Its first request was still
    # being written (seconds over BlueZ at a small MTU) when the display's clock ticked: the
    # meter's silence was counted from before the drop, the backfill was declared stalled at
    # once and gave up ranges (or, asking one GetProfile at a time already, stopped for half an
    # hour), as in the clean-clone CI run.
    display.backfill.begin()
    await display.send_all()
    display.clock.append(NOW + 2 * STALL)
    display.backfill.reconnected()
    writing, written = asyncio.Event(), asyncio.Event()

    async def slow_send(envelope: _Request) -> None:
        writing.set()
        await written.wait()
        display.link.sent.append(envelope)

    display.link.send = slow_send  # type: ignore[method-assign]
    first = asyncio.create_task(display.backfill.send_next(cast(MeterLink, display.link)))
    await writing.wait()
    display.backfill.refresh(display.clock[-1])  # the clock's tick while the write runs
    written.set()
    assert await first
    assert display.named("history.stalled") == []
    assert PERIODS_DETAIL in display.link.sent[-1].details, "still a range"


async def test_an_answer_that_overtakes_its_write_confirmation_still_completes_the_backfill(
    display: _Display,
) -> None:
    # Over BlueZ the meter's notification can reach the display before the ATT write response
    # of the request it answers (seen in the guest under load): the last answer then arrives
    # while the request is still being written. It must be stored and counted, not left
    # waiting for a commit that nothing would trigger until the next half hour.
    @dataclass
    class _AnsweringLink(_Link):
        async def send(self, envelope: _Request) -> None:
            self.sent.append(envelope)
            display.answer(envelope)  # before the write is confirmed

    display.link = _AnsweringLink()
    display.backfill.begin()
    total = display.backfill.progress.total
    assert len(await display.send_all()) == 2
    assert display.backfill.progress.done == total
    assert not display.backfill.progress.running
    assert display.named("history.done") == [{"intervals": total}]
