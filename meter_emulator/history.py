"""The meter's half-hourly history: the household's energy per half hour up to the last whole
half hour, sent on History for each history request of the IHD (in turn; a range of more than one
GetProfileResponse as consecutive responses, newest first, as ZSE orders intervals) and handed to
an operator's data request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from ihd_app.protocol.history_range import (
    MAX_RANGE_PERIODS,
    PERIODS_DETAIL,
    HistoryRange,
    RangeError,
    requested_range,
    response_blocks,
)
from ihd_app.protocol.zcl import (
    METERING,
    Endpoint,
    GetProfile,
    GetProfileResponse,
    ProfileIntervalPeriod,
    ProfileStatus,
    Unit,
)
from ihd_app.protocol.zcl.primitives import datetime_to_utc, utc_to_datetime
from meter_emulator.live_reports import GAS_KWH_PER_M3
from meter_emulator.occupancy import before_move_in
from meter_emulator.simulation.household import Household
from meter_emulator.simulation.profile_log import ProfileLog

HALF_HOUR = timedelta(minutes=30)


class HistorySink(Protocol):
    """Where History units go: the GATT server."""

    async def notify_history(self, unit: bytes) -> int:
        """Notify ``unit`` on History; to how many IHDs it went."""
        ...


@dataclass(frozen=True)
class _Request:
    """A queued history request and the connection it came on (see ``link_dropped``)."""

    endpoint: Endpoint
    end_time: int
    wanted: HistoryRange
    connection: int


def _ignore(_name: str, /, **_fields: object) -> None:
    """No event log: the history is quiet."""


class HalfHourHistory:
    """Answers requests for half-hourly history.

    Args:
        household: Whose energy the history is.
        server: The GATT server, once the meter has started.
        clock: The wall clock (history is on the IHD's clock: it asks for the half hours
            before its now).
        emit: Where the meter's events go (a refused or clamped range).
        moved_in: When the current occupier moved in (:mod:`meter_emulator.occupancy`): half
            hours before it read as zero, so nobody is given the previous household's use.
    """

    def __init__(
        self,
        household: Household,
        server: Callable[[], HistorySink | None],
        clock: Callable[[], datetime],
        emit: Callable[..., object] = _ignore,
        moved_in: Callable[[], datetime | None] = lambda: None,
    ) -> None:
        # What the meter keeps, as an ESME keeps 13 months of half hours: a range is read from
        # it, not computed again for every request.
        self._log = ProfileLog(household, MAX_RANGE_PERIODS)
        self._server = server
        self._clock = clock
        self._emit = emit
        self._moved_in = moved_in
        self._requests: asyncio.Queue[_Request] = asyncio.Queue()
        # Counts the display's disconnections, so an answer knows its asker has gone.
        self._connection = 0

    def request(
        self, endpoint: Endpoint, command: GetProfile, details: Mapping[str, object]
    ) -> None:
        """Queue the IHD's verified history request, answered in turn by :meth:`run`.

        A ``periods`` detail that disagrees with the GetProfile is refused (nothing is sent); a
        range above 13 months is answered for its newest 13 months.
        """
        try:
            wanted = requested_range(command, details)
        except RangeError as exc:
            self._emit("history.refused", reason="malformed", detail=str(exc))
            return
        if wanted.clamped:
            self._emit("history.clamped", asked=details[PERIODS_DETAIL], answered=wanted.periods)
        self._requests.put_nowait(_Request(endpoint, command.end_time, wanted, self._connection))

    def link_dropped(self) -> None:
        """The display went away: forget what it asked for.

        Its backfill plans again from what it stored when it reconnects, so answering the old
        requests then would send it those half hours twice.
        """
        self._connection += 1
        while not self._requests.empty():
            self._requests.get_nowait()

    async def run(self) -> None:
        """Fill the profile log (as if the meter had been logging all along), then answer the
        IHD's requests in turn, until cancelled.

        The log is filled a slice at a time, so the meter's link is served meanwhile; a request
        that arrives first waits for it (it would have computed the same half hours).
        """
        await self._log.fill(self.last_half_hour(0))
        while True:
            await self._answer(await self._requests.get())

    async def _answer(self, request: _Request) -> None:
        """Send the range's responses, newest first, while its asker is there to receive them.

        History is on the IHD's (wall) clock: it asks for the half hours before its now.
        """
        server = self._server()
        if server is None:
            return
        end = self.last_half_hour(request.end_time)
        fuel = "gas" if request.endpoint is Endpoint.GAS else "electricity"
        blocks = list(response_blocks(end, request.wanted.periods))
        for index, (block_end, count) in enumerate(blocks):
            if request.connection != self._connection:
                return  # the link dropped part-way
            # A clamped range says so on its last response, as ZSE does for a short answer.
            status = (
                ProfileStatus.MORE_PERIODS_REQUESTED_THAN_RETURNED
                if request.wanted.clamped and index == len(blocks) - 1
                else ProfileStatus.SUCCESS
            )
            response = GetProfileResponse(
                end_time=datetime_to_utc(block_end),
                status=status,
                profile_interval_period=ProfileIntervalPeriod.MINUTES_30,
                intervals=tuple(self._intervals(fuel, block_end, count)),
            )
            sent = await server.notify_history(
                Unit.of(response, cluster_id=METERING, endpoint=request.endpoint).encode()
            )
            if not sent:
                return  # nobody listens: the display asks again for what it lacks

    def _intervals(self, fuel: str, end: datetime, periods: int) -> list[int]:
        """The wire values of ``periods`` half hours before ``end``, newest first (ZSE order,
        each ending where the previous one began): Wh, or dm³ of gas."""
        if fuel == "gas":
            return [round(wh / GAS_KWH_PER_M3) for wh in self._energy(fuel, end, periods)]
        return [round(wh) for wh in self._energy(fuel, end, periods)]

    def _energy(self, fuel: str, end: datetime, periods: int) -> list[float]:
        values = self._log.energy_wh(fuel, end, periods)
        moved_in = self._moved_in()
        if moved_in is None or end - periods * HALF_HOUR >= moved_in:
            return values
        # Newest first: the n-th value began at end - (n + 1) half hours.
        return [
            0.0 if before_move_in(end - (n + 1) * HALF_HOUR, moved_in) else wh
            for n, wh in enumerate(values)
        ]

    def last_half_hour(self, end_time: int) -> datetime:
        """The end of the last whole half hour, or ``end_time`` (ZCL UTC) if earlier and set."""
        now = self._clock()
        latest = now.replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0)
        return latest if end_time == 0 else min(latest, utc_to_datetime(end_time))

    def energy_wh(self, fuel: str, end: datetime, periods: int) -> list[int]:
        """The ``periods`` half hours of ``fuel`` before ``end``, newest first, in Wh."""
        return [round(wh) for wh in self._energy(fuel, end, periods)]
