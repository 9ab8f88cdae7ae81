"""What the display's screens read of the household: readings, messages, tariff, usage and
cost (part of :class:`~ihd_app.service.api.IhdServiceApi`).

Mixed into :class:`~ihd_app.service.ihd_service.IhdService`, whose stores it reads; nothing here
changes anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ihd_app.core.inbox import Inbox
from ihd_app.core.model import InboxMessage, Interval, SecurityEvent, Tariff
from ihd_app.core.readings import Fuel, Reading
from ihd_app.core.tariff import LONDON
from ihd_app.core.tou_calendar import TouCalendar
from ihd_app.core.tou_tariff import calendar_cost_pence, tariff_on
from ihd_app.service.api import UsageRange
from ihd_app.service.inbox_keeper import InboxKeeper
from ihd_app.service.live_readings import LiveReadings
from ihd_app.service.usage import usage_intervals
from ihd_app.store.readings import ReadingsRepository
from ihd_app.store.security_log import SecurityLog
from ihd_app.store.tariffs import TariffRepository
from ihd_app.store.tou_calendars import TouCalendarStore


class HouseholdViews:
    """Read-only views of the service's stores, as the screens ask for them."""

    readings_store: ReadingsRepository
    security_store: SecurityLog
    tariffs: TariffRepository
    tou_calendars: TouCalendarStore
    _inbox: InboxKeeper
    _readings: LiveReadings
    _clock: Callable[[], datetime]

    def latest_reading(self, fuel: Fuel) -> Reading | None:
        return self._readings.latest(fuel)

    def live_readings(self, fuel: Fuel) -> Sequence[Reading]:
        return self._readings.recent(fuel)

    @property
    def inbox(self) -> Inbox:
        """The inbox as it is now (replaced on every change)."""
        return self._inbox.inbox

    def current_messages(self) -> Sequence[InboxMessage]:
        return self.inbox.current()

    def past_messages(self) -> Sequence[InboxMessage]:
        return self.inbox.past()

    def takeover_message(self) -> InboxMessage | None:
        return self.inbox.takeover()

    def security_log(self) -> Sequence[SecurityEvent]:
        return self.security_store.events()

    def tariff(self, fuel: Fuel) -> Tariff | None:
        now = self._clock()
        tariff = self.tariffs.current(fuel, now)
        if tariff is None:
            return None
        # Under a time-of-use calendar, the bands are today's (a weekend or a special day
        # has its own).
        return tariff_on(tariff, self.tou_calendar(fuel), now.astimezone(LONDON).date())

    def tou_calendar(self, fuel: Fuel) -> TouCalendar | None:
        return self.tou_calendars.load(fuel)

    def usage(self, fuel: Fuel, span: UsageRange, end: datetime) -> Sequence[Interval]:
        return usage_intervals(self.readings_store, self._readings, fuel, span, end)

    def cost_pence(self, fuel: Fuel, intervals: Sequence[Interval]) -> float:
        tariff = self.tariffs.current(fuel, self._clock())
        if tariff is None:
            return 0.0
        return calendar_cost_pence(tariff, self.tou_calendar(fuel), intervals)


__all__ = ["HouseholdViews"]
