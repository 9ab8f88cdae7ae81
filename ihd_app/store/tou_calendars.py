"""Each fuel's time-of-use calendar pieces, as JSON in the ``settings`` table.

The pieces are small (a few profiles, seasons and prices) and read whole, so a settings value
serves; a table of their own would need a migration for no query it could answer better.
"""

from __future__ import annotations

from ihd_app.core.readings import Fuel
from ihd_app.core.tou_calendar import TouCalendar
from ihd_app.store.settings import Settings

_KEY = "tariff.tou_calendar.{fuel}"


class TouCalendarStore:
    """The calendar being collected, or in force, per fuel.

    Args:
        settings: The display's settings.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def load(self, fuel: Fuel) -> TouCalendar | None:
        """The fuel's calendar, or ``None`` if it has none."""
        return TouCalendar.from_json(self._settings.get(_KEY.format(fuel=fuel.value)))

    def save(self, fuel: Fuel, calendar: TouCalendar) -> None:
        """Keep ``calendar`` as the fuel's."""
        self._settings.set(_KEY.format(fuel=fuel.value), calendar.to_json())

    def drop(self, fuel: Fuel) -> bool:
        """Forget the fuel's calendar (a flat price replaced it); whether there was one."""
        return self._settings.delete(_KEY.format(fuel=fuel.value))
