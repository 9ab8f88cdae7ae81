"""The meter's half-hourly history: the household's energy per half hour up to the last whole
half hour, sent on History for each GetProfile the IHD asks (in turn, newest first, as ZSE does)
and handed to an operator's data request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from ihd_app.protocol.zcl import (
    METERING,
    Endpoint,
    GetProfileResponse,
    ProfileIntervalPeriod,
    ProfileStatus,
    Unit,
)
from ihd_app.protocol.zcl.primitives import datetime_to_utc, utc_to_datetime
from meter_emulator.gatt import MeterGattServer
from meter_emulator.live_reports import GAS_KWH_PER_M3
from meter_emulator.simulation.household import SLOT, Household, interval_energy_wh


class HalfHourHistory:
    """Answers requests for half-hourly history.

    Args:
        household: Whose energy the history is.
        server: The GATT server, once the meter has started.
        clock: The wall clock (history is on the IHD's clock: it asks for the half hours
            before its now).
    """

    def __init__(
        self,
        household: Household,
        server: Callable[[], MeterGattServer | None],
        clock: Callable[[], datetime],
    ) -> None:
        self._household = household
        self._server = server
        self._clock = clock
        self._requests: asyncio.Queue[tuple[Endpoint, int, int]] = asyncio.Queue()

    def request(self, endpoint: Endpoint, end_time: int, periods: int) -> None:
        """Queue the IHD's GetProfile, answered in turn by :meth:`run`."""
        self._requests.put_nowait((endpoint, end_time, periods))

    async def run(self) -> None:
        """Answer the IHD's requests in turn, until cancelled."""
        while True:
            endpoint, end_time, periods = await self._requests.get()
            await self._answer(endpoint, end_time, periods)

    async def _answer(self, endpoint: Endpoint, end_time: int, periods: int) -> None:
        """Send ``periods`` half hours ending at ``end_time`` (0: the last whole half hour).

        History is on the IHD's (wall) clock: it asks for the half hours before its now.
        """
        server = self._server()
        if server is None:
            return
        end = self.last_half_hour(end_time)
        fuel = "gas" if endpoint is Endpoint.GAS else "electricity"
        intervals = []
        # ZSE orders intervals newest first, each ending where the previous one began.
        for n in range(periods):
            start = end - SLOT * (n + 1)
            wh = interval_energy_wh(self._household, start, fuel)
            intervals.append(round(wh / GAS_KWH_PER_M3) if fuel == "gas" else round(wh))
        response = GetProfileResponse(
            end_time=datetime_to_utc(end),
            status=ProfileStatus.SUCCESS,
            profile_interval_period=ProfileIntervalPeriod.MINUTES_30,
            intervals=tuple(intervals),
        )
        await server.notify_history(
            Unit.of(response, cluster_id=METERING, endpoint=endpoint).encode()
        )

    def last_half_hour(self, end_time: int) -> datetime:
        """The end of the last whole half hour, or ``end_time`` (ZCL UTC) if earlier and set."""
        now = self._clock()
        latest = now.replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0)
        return latest if end_time == 0 else min(latest, utc_to_datetime(end_time))

    def energy_wh(self, fuel: str, end: datetime, periods: int) -> list[int]:
        """The ``periods`` half hours of ``fuel`` before ``end``, newest first, in Wh."""
        return [
            round(interval_energy_wh(self._household, end - SLOT * (n + 1), fuel))
            for n in range(periods)
        ]
