"""A household's electricity and gas use, deterministic for a given seed.

Demand is a pure function of the instant (plus the seed), so the same seed replays the same day,
time acceleration is just a faster clock, and history can be computed for any past interval
without having run through it.

Electricity: a baseload, a fridge compressor cycling, an evening peak, and appliances (kettle,
oven, shower) switched on at seeded random times. Gas: a boiler firing in the morning and
evening, and the hob at dinner time.
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

#: Half-hour slots: appliances are decided per slot, so a slot's use is reproducible on its own.
SLOT = timedelta(minutes=30)


@dataclass(frozen=True)
class Appliance:
    """An appliance that runs for a while at a fixed power.

    Attributes:
        name: What it is.
        watts: Its draw while on.
        minutes: How long one use lasts (within a half-hour slot).
        hours: Hours of the day (0-23) when it may be used.
        chance: Probability of one use in an eligible slot.
    """

    name: str
    watts: float
    minutes: float
    hours: tuple[int, ...]
    chance: float


APPLIANCES: tuple[Appliance, ...] = (
    Appliance("kettle", 3000.0, 3.0, (7, 8, 10, 13, 16, 19, 21), 0.55),
    Appliance("oven", 2400.0, 25.0, (17, 18), 0.6),
    Appliance("shower", 8500.0, 8.0, (7, 8, 21), 0.45),
    Appliance("washing machine", 2000.0, 20.0, (9, 10, 11, 19), 0.25),
)


def _unit_random(seed: int, *parts: object) -> float:
    """A reproducible number in [0, 1) for ``parts`` (no shared RNG state to keep in step)."""
    digest = hashlib.blake2b(repr((seed, *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass(frozen=True)
class Household:
    """Electricity and gas demand of one home.

    Args:
        seed: Chooses when appliances run; the same seed gives the same days.
        baseload_w: Always-on electricity (routers, standby).
        solar_peak_w: Peak solar generation at midday (exported as negative demand); 0 for none.
    """

    seed: int = 1
    baseload_w: float = 160.0
    solar_peak_w: float = 0.0

    def appliances_on(self, at: datetime) -> list[Appliance]:
        """Appliances running at ``at``."""
        slot_start = at.replace(minute=0 if at.minute < 30 else 30, second=0, microsecond=0)
        into_slot = (at - slot_start).total_seconds() / 60
        running = []
        for appliance in APPLIANCES:
            if at.hour not in appliance.hours:
                continue
            key = (slot_start.isoformat(), appliance.name)
            if _unit_random(self.seed, "use", *key) >= appliance.chance:
                continue
            start = _unit_random(self.seed, "start", *key) * (30 - appliance.minutes)
            if start <= into_slot < start + appliance.minutes:
                running.append(appliance)
        return running

    def electricity_w(self, at: datetime) -> float:
        """Electricity demand at ``at`` in watts (negative when solar exports)."""
        seconds = at.hour * 3600 + at.minute * 60 + at.second
        fridge = 110.0 if (seconds // 60) % 30 < 12 else 0.0
        evening = 0.0
        if 17 <= at.hour < 23:
            evening = 350.0 * math.sin(math.pi * (seconds / 3600 - 17) / 6)
        wobble = 15.0 * math.sin(seconds / 37.0)
        demand = self.baseload_w + fridge + evening + wobble
        demand += sum(a.watts for a in self.appliances_on(at))
        if self.solar_peak_w > 0 and 6 <= at.hour < 20:
            demand -= self.solar_peak_w * math.sin(math.pi * (seconds / 3600 - 6) / 14) ** 2
        return round(demand, 1)

    def gas_w(self, at: datetime) -> float:
        """Gas demand at ``at`` in watts of heat input (boiler and hob)."""
        hour = at.hour + at.minute / 60
        boiler = 0.0
        if 6.0 <= hour < 8.5 or 17.0 <= hour < 22.5:
            # The boiler fires for 10 minutes in every 20 while the heating is on.
            boiler = 18000.0 if (at.minute % 20) < 10 else 0.0
        hob = 0.0
        if 18.0 <= hour < 18.75 and _unit_random(self.seed, "hob", at.date().isoformat()) < 0.7:
            hob = 2500.0
        return boiler + hob


def _overlap_minutes(start_a: float, end_a: float, start_b: float, end_b: float) -> float:
    return max(0.0, min(end_a, end_b) - max(start_a, start_b))


@functools.lru_cache(maxsize=2048)
def _boiler_minutes(first: int) -> float:
    """Minutes the boiler fires in the half hour starting ``first`` minutes after midnight."""
    # The boiler fires in the first 10 minutes of every 20 while the heating is on.
    return sum(
        1.0
        for minute in range(first, first + 30)
        if (360 <= minute < 510 or 1020 <= minute < 1350) and minute % 20 < 10
    )


@functools.lru_cache(maxsize=1024)
def _hob_used(seed: int, day: date) -> bool:
    """Whether the hob is used at dinner time on ``day``."""
    return _unit_random(seed, "hob", day.isoformat()) < 0.7


@functools.lru_cache(maxsize=4096)
def _smooth_wh(baseload_w: float, solar_peak_w: float, start: time) -> float:
    """Baseload, evening peak and solar over the half hour starting at time of day ``start``,
    from six samples (they depend on the time of day only)."""
    day_start = datetime.combine(date(2000, 1, 1), start)
    smooth_w = 0.0
    for minutes in (2.5, 7.5, 12.5, 17.5, 22.5, 27.5):
        moment = day_start + timedelta(minutes=minutes)
        seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
        evening = 0.0
        if 17 <= moment.hour < 23:
            evening = 350.0 * math.sin(math.pi * (seconds / 3600 - 17) / 6)
        solar = 0.0
        if solar_peak_w > 0 and 6 <= moment.hour < 20:
            solar = solar_peak_w * math.sin(math.pi * (seconds / 3600 - 6) / 14) ** 2
        smooth_w += baseload_w + evening - solar
    return smooth_w / 6 * 0.5


def interval_energy_wh(household: Household, start: datetime, fuel: str) -> float:
    """Energy used in the half hour starting at ``start`` (on a half-hour boundary), in Wh.

    Computed from the same model as the live demand, without sampling every second: appliance
    runs and the boiler's duty cycle are integrated exactly, the smooth parts from six samples.
    Fast enough to fill the meter's profile log (:mod:`~meter_emulator.simulation.profile_log`,
    13 months, about 19,000 half hours per fuel) as it starts, from which history is served.
    """
    if fuel == "gas":
        hour = start.hour + start.minute / 60
        boiler_minutes = _boiler_minutes(start.hour * 60 + start.minute)
        # Whether the hob was used that day is looked up only for the dinner-time half hours.
        hob_minutes = _overlap_minutes(hour * 60, hour * 60 + 30, 18 * 60, 18.75 * 60)
        if hob_minutes and not _hob_used(household.seed, start.date()):
            hob_minutes = 0.0
        return (18000.0 * boiler_minutes + 2500.0 * hob_minutes) / 60
    # The smooth parts depend on the time of day only: computed once per half hour of the day.
    energy = _smooth_wh(household.baseload_w, household.solar_peak_w, start.time())
    energy += 110.0 * (12 / 30) * 0.5  # the fridge's duty cycle
    key_start = ""  # formatted only for a half hour some appliance may run in (most are not)
    for appliance in APPLIANCES:
        if start.hour not in appliance.hours:
            continue
        key_start = key_start or start.isoformat()
        if _unit_random(household.seed, "use", key_start, appliance.name) < appliance.chance:
            energy += appliance.watts * appliance.minutes / 60
    return max(0.0, energy)
