"""The history backfill: every half hour of the last 13 months the display lacks, asked of the
meter as history ranges (one signed request for up to 13 months, answered by many responses),
planned again from what is stored (so a cut backfill resumes without gaps) and after each half
hour, and the meter's answers stored as history."""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ihd_app.core.readings import Fuel
from ihd_app.link.meter_link import LinkError, MeterLink
from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.history_range import MAX_RANGE_PERIODS, PERIODS_PER_RESPONSE, range_request
from ihd_app.protocol.zcl import Endpoint, GetProfileResponse, ProfileStatus, decode_unit
from ihd_app.protocol.zcl.primitives import utc_to_datetime
from ihd_app.service.api import BackfillProgress
from ihd_app.service.history_ledger import HistoryLedger
from ihd_app.service.live_totals import HALF_HOUR, half_hour_floor
from ihd_app.service.replies import ReplySigner
from ihd_app.store.readings import RawProfile, ReadingsRepository, retention_cutoff

#: 13 months of half hours, the history a new display asks its meter for.
BACKFILL_PERIODS = 13 * 31 * 48
#: The most half hours one request asks for (a history range; GetProfile alone carries 255).
PERIODS_PER_REQUEST = MAX_RANGE_PERIODS
#: Responses stored in one transaction while more are on their way: each commit waits for the
#: disk (synchronous=FULL), and one per response was most of the backfill's time. Storing 13
#: months took 115 ms at one per commit, 81 ms at four, 65 ms at eight, 59 ms at sixteen; eight
#: keeps the progress moving 19 times per backfill and a crash loses at most eight responses
#: (asked for again).
RESPONSES_PER_COMMIT = 8
#: Silence on History, with ranges asked for, after which the meter is taken not to answer
#: ranges (a board built before them answers each request's GetProfile alone): the rest is
#: asked one GetProfile at a time. A meter that answers ranges sends responses milliseconds
#: apart.
STALL = timedelta(seconds=30)
GAS_WH_PER_DM3 = 1.02264 * 39.5 / 3.6


class HistoryBackfill:
    """Plans, sends and stores the history backfill.

    Args:
        store: Where history is kept.
        enabled: Ask for history at all (``ServiceConfig.backfill``).
        connected: Whether the link to the meter is up.
        signer: The display's reply signer, once a meter is known.
        emit: Where DESIGN.md §8 events go.
        changed: Called when :attr:`progress` changes.
        wake: Wakes the delivery loop, which sends the planned requests.
        storage_failed: Reports a failed write.
        clock: Current time.
        range_limit: The most half hours one request asks for (a range answered by several
            responses, or :data:`PERIODS_PER_RESPONSE` for one response per request).
    """

    def __init__(
        self,
        store: ReadingsRepository,
        *,
        enabled: bool,
        connected: Callable[[], bool],
        signer: Callable[[], ReplySigner | None],
        emit: Callable[..., Any],
        changed: Callable[[], None],
        wake: Callable[[], None],
        storage_failed: Callable[[sqlite3.Error], None],
        clock: Callable[[], datetime],
        range_limit: int = PERIODS_PER_REQUEST,
    ) -> None:
        self._store = store
        self._enabled = enabled
        self._connected = connected
        self._signer = signer
        self._emit = emit
        self._changed = changed
        self._wake = wake
        self._storage_failed = storage_failed
        self._clock = clock
        self.progress = BackfillProgress(0, 0, False)
        self._plan: deque[tuple[Fuel, datetime, int]] = deque()
        self._ledger = HistoryLedger()
        # Received and not committed yet, and how many of their half hours are new: reported
        # (and counted done) only once committed, so a crash loses nothing it reported.
        self._unstored: list[RawProfile] = []
        self._unstored_new = 0
        self._next_refresh: datetime | None = None
        # The most half hours one request asks for on this meter, and when the backfill last
        # heard from it (a request sent or a response received).
        self._range_limit = self._ranges = range_limit
        self._last_heard: datetime | None = None

    def begin(self) -> None:
        """On connecting: plan the backfill, unless it is off."""
        self._range_limit = self._ranges  # perhaps another meter: try ranges again
        if self._enabled:
            self.plan()

    def resume(self) -> None:
        """Plan the backfill again if it is on and the meter is connected."""
        if self._enabled and self._connected():
            self.plan()

    def reconnected(self) -> None:
        """The link came back by itself after a drop: what was in flight went with the old
        link (the meter forgets it too), so a running backfill is planned again from what is
        stored. A first connection plans in :meth:`begin`."""
        if self.progress.running:
            self.resume()

    def refresh(self, now: datetime) -> None:
        """A few minutes after each half hour, ask the meter for the half hours it has closed;
        and give up on ranges the meter has been silent about for :data:`STALL`."""
        heard = self._last_heard
        if self.progress.running and self._ledger.waiting and heard and now - heard >= STALL:
            self._stalled()
        due = self._next_refresh
        if due is None:
            self._next_refresh = _next_refresh(now)
            return
        if now < due:
            return
        self._next_refresh = _next_refresh(now)
        if not self.progress.running:
            self.resume()

    def plan(self) -> None:
        """Plan requests for every half hour of the last 13 months not stored yet, per fuel.

        The plan is made again from what is stored on every connection (and every half hour),
        so a backfill cut by a dropped link or a crash resumes without gaps, whatever was in
        flight when it stopped. A request is signed only when it is sent, after the replies owed
        to originators: signed earlier, it would carry a counter below that of a reply that
        overtook it, and the meter would refuse it as a replay.
        """
        self._store_received()  # what arrived before the link dropped is not asked for again
        now = self._clock()
        end = half_hour_floor(now)
        # Nothing older than the store keeps: it would be pruned, then asked for again.
        kept = retention_cutoff(now)
        oldest = half_hour_floor(kept)
        if oldest < kept:
            oldest += HALF_HOUR
        start = max(end - HALF_HOUR * BACKFILL_PERIODS, oldest)
        plan: list[tuple[Fuel, datetime, int]] = []
        for fuel in Fuel:
            stored = {i.start for i in self._store.intervals(fuel, start, end, "history")}
            cursor = end
            while cursor > start:
                while cursor > start and cursor - HALF_HOUR in stored:
                    cursor -= HALF_HOUR
                run_end, periods = cursor, 0
                while (
                    cursor > start
                    and cursor - HALF_HOUR not in stored
                    and periods < self._range_limit
                ):
                    cursor -= HALF_HOUR
                    periods += 1
                if periods:
                    plan.append((fuel, run_end, periods))
        self._plan = deque(plan)
        # Whatever was in flight is lost with the link it was asked on, or stored already; the
        # meter's silence about the new plan counts from its first request, not from before.
        self._ledger.clear()
        self._last_heard = None
        total = sum(p for _, _, p in plan)
        if total == 0:
            return
        self.progress = BackfillProgress(0, total, True)
        self._emit("history.progress", done=0, total=total)
        self._changed()
        self._wake()

    async def send_next(self, link: MeterLink) -> bool:
        """Sign and send the backfill's next request; whether one was sent.

        Raises:
            LinkError: The write failed; the request is asked again when the delivery loop
                tries again (it retries a live link that refused a write, and is woken when a
                dropped one comes back).
        """
        signer = self._signer()
        if not self._plan or signer is None:
            return False
        planned = self._plan.popleft()
        fuel, cursor, periods = planned
        endpoint = Endpoint.GAS if fuel is Fuel.GAS else Endpoint.ELECTRICITY
        envelope = signer.sign(range_request(endpoint, cursor, periods))
        # Recorded, and taken off the plan, before it is written: the meter's answer may come
        # in before the write's acknowledgement (over BlueZ it does), and the last answer must
        # then find nothing left to wait for, or it is never committed.
        asked = self._ledger.asked(fuel, cursor, periods)
        try:
            await link.send(envelope)
        except LinkError:
            if self._ledger.withdraw(asked):
                self._plan.appendleft(planned)
            raise
        self._last_heard = self._clock()
        return True

    def _stalled(self) -> None:
        """Nothing came for the requests in flight: ask again one GetProfile at a time, or, if
        that was already so, stop until the next half hour's refresh."""
        progress = self.progress
        self._ledger.clear()
        self._plan.clear()
        if self._range_limit > PERIODS_PER_RESPONSE:
            self._emit("history.stalled", fallback="one GetProfile at a time")
            self._range_limit = PERIODS_PER_RESPONSE
            self.resume()
            return
        self._emit("history.stalled", fallback=None)
        self.progress = BackfillProgress(progress.done, progress.total, False)
        self._changed()

    def on_history(self, data: bytes) -> None:
        """Store a GetProfileResponse from the meter and count it towards the progress.

        Responses are committed a few at a time while the backfill waits for more, and at once
        when it waits for nothing (or before it is planned again).
        """
        try:
            unit = decode_unit(data)
        except DecodeError as exc:
            self._emit("history.rejected", reason=exc.reason.value, detail=exc.detail)
            return
        response = unit.command
        if not isinstance(response, GetProfileResponse):
            return
        fuel = Fuel.of(unit.endpoint)
        end = utc_to_datetime(response.end_time)
        scale = GAS_WH_PER_DM3 if fuel is Fuel.GAS else 1.0
        # Newest first (ZSE order), each ending where the previous one began; the store turns
        # them into kWh.
        values = response.intervals
        self._last_heard = self._clock()
        arrival = self._ledger.arrived(
            fuel, end, len(values), complete=response.status == ProfileStatus.SUCCESS
        )
        self._unstored.append((fuel, end, values, scale))
        self._unstored_new += arrival.new
        if len(self._unstored) >= RESPONSES_PER_COMMIT or not self._waiting():
            self._store_received()

    def _waiting(self) -> bool:
        """Whether more of the backfill is to be asked for or is on its way."""
        return bool(self._plan) or self._ledger.waiting

    def _store_received(self) -> None:
        """Commit the responses received, then count them towards the progress."""
        if not self._unstored:
            return
        blocks, new = self._unstored, self._unstored_new
        self._unstored, self._unstored_new = [], 0
        progress = self.progress
        try:
            self._store.add_raw_profiles(blocks, HALF_HOUR, "history")
        except sqlite3.Error as exc:
            # Planned again from what is stored once storage recovers.
            self.progress = BackfillProgress(progress.done, progress.total, False)
            self._storage_failed(exc)
            return
        done = min(progress.total, progress.done + new)
        # Half hours given up (a short answer) are asked for again by the next plan.
        running = progress.running and self._waiting()
        if done == progress.done and running == progress.running:
            return  # a half hour stored again, or one nobody asked for: nothing to report
        self.progress = BackfillProgress(done, progress.total, running)
        self._emit("history.progress", done=done, total=progress.total)
        if not running and progress.running:
            self._emit("history.done", intervals=done)
        self._changed()


def _next_refresh(now: datetime) -> datetime:
    """Two minutes after the next half-hour boundary (the meter has closed the interval)."""
    return half_hour_floor(now) + HALF_HOUR + timedelta(minutes=2)
