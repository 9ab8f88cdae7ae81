"""The kinds of household the meter emulator can play (``meter-emulator run --household``).

Each kind says how big and how well insulated the home is (its heat loss, which with the outdoor
temperature sets the gas heating), how warm its occupants keep it, when they are up, in and
heating, when they draw hot water, and how much electricity they use besides appliances. Figures
are round values of the kind GB energy statistics give: a family in a semi-detached house uses
about 11,000 kWh of gas and 3,000 of electricity a year, a single person in a flat about half.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

#: Hours of the day, as (from, to) in hours after midnight.
Periods = tuple[tuple[float, float], ...]
#: Hot-water draws, as (start, minutes) with start in minutes after midnight.
Draws = tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class Routine:
    """One kind of day (a working day, or a weekend or bank holiday) of a household.

    Attributes:
        up: Hours after midnight the household gets up (lights on if it is still dark).
        bed: Hours after midnight it goes to bed (lights off).
        heating: When the heating is timed on.
        hot_water: Showers and baths drawing on the boiler.
        at_home_by_day: Someone is in during the day (television, radio, computer).
    """

    up: float
    bed: float
    heating: Periods
    hot_water: Draws
    at_home_by_day: bool


@dataclass(frozen=True)
class HouseholdKind:
    """One kind of household.

    Attributes:
        name: As given to ``--household``.
        description: One line for ``--help`` and the docs.
        baseload_w: Always-on electricity (fridge aside): routers, standby, freezer.
        lighting_w: Lights on while the household is up and it is dark.
        evening_w: Cooking and television at the evening's peak.
        by_day_w: Television, radio and computer while someone is in during the day.
        heat_loss_w_per_k: The home's heat loss per degree of indoor-outdoor difference.
        indoor_c: The indoor temperature the household keeps, averaged over the day.
        appliance_use: How often it uses the kettle, oven, washing machine and shower, relative
            to a family (1.0).
        workday: Its working day.
        weekend: Its weekends and bank holidays.
        summer_away: Whether it goes away for a week in the summer (the home stays empty:
            no heating, hot water, lights or appliances).
    """

    name: str
    description: str
    baseload_w: float
    lighting_w: float
    evening_w: float
    by_day_w: float
    heat_loss_w_per_k: float
    indoor_c: float
    appliance_use: float
    workday: Routine
    weekend: Routine
    summer_away: bool

    def routine(self, day: date) -> Routine:
        """The routine of ``day``."""
        return self.weekend if day.weekday() >= 5 or is_bank_holiday(day) else self.workday


FAMILY_SEMI = HouseholdKind(
    name="family-semi",
    description="a family of four in a 1950s semi-detached house (the default)",
    baseload_w=140.0,
    lighting_w=220.0,
    evening_w=350.0,
    by_day_w=150.0,
    heat_loss_w_per_k=185.0,
    indoor_c=17.0,
    appliance_use=1.0,
    workday=Routine(6.5, 23.0, ((6.0, 8.5), (17.0, 22.5)), ((425, 12.0), (1170, 10.0)), False),
    weekend=Routine(7.5, 23.5, ((7.5, 10.0), (16.0, 22.5)), ((520, 12.0), (1200, 10.0)), True),
    summer_away=True,
)
SINGLE_FLAT = HouseholdKind(
    name="single-flat",
    description="one person working full time, in a purpose-built flat",
    baseload_w=90.0,
    lighting_w=110.0,
    evening_w=200.0,
    by_day_w=100.0,
    heat_loss_w_per_k=90.0,
    indoor_c=16.5,
    appliance_use=0.6,
    workday=Routine(6.25, 23.5, ((6.5, 8.0), (18.0, 23.0)), ((405, 8.0),), False),
    weekend=Routine(8.5, 23.5, ((9.0, 11.0), (17.0, 23.0)), ((555, 8.0),), True),
    summer_away=True,
)
RETIRED_COUPLE = HouseholdKind(
    name="retired-couple",
    description="a retired couple at home all day in a detached bungalow, kept warm",
    baseload_w=130.0,
    lighting_w=180.0,
    evening_w=300.0,
    by_day_w=200.0,
    heat_loss_w_per_k=170.0,
    indoor_c=18.5,
    appliance_use=0.9,
    workday=Routine(7.5, 22.5, ((7.0, 22.0),), ((480, 10.0), (1230, 6.0)), True),
    weekend=Routine(7.5, 22.5, ((7.0, 22.0),), ((480, 10.0), (1230, 6.0)), True),
    summer_away=False,
)
HOUSEHOLD_KINDS: tuple[HouseholdKind, ...] = (FAMILY_SEMI, SINGLE_FLAT, RETIRED_COUPLE)


def household_kind(name: str) -> HouseholdKind:
    """The kind called ``name``.

    Raises:
        ValueError: No kind has that name; the message lists those that do.
    """
    for kind in HOUSEHOLD_KINDS:
        if kind.name == name:
            return kind
    known = ", ".join(kind.name for kind in HOUSEHOLD_KINDS)
    raise ValueError(f"no household kind is called {name!r}; choose one of {known}")


def is_bank_holiday(day: date) -> bool:
    """England's bank holidays that fall on a fixed day or weekday (Easter aside): New Year's
    Day, the early May and spring bank holidays, the summer bank holiday, Christmas and Boxing
    Day."""
    if (day.month, day.day) in {(1, 1), (12, 25), (12, 26)}:
        return True
    if day.weekday() != 0:
        return False
    if day.month == 5:
        return day.day <= 7 or day + timedelta(days=7) > date(day.year, 5, 31)
    return day.month == 8 and day + timedelta(days=7) > date(day.year, 8, 31)
