"""A household's electricity and gas use through the year, deterministic for a given seed.

Demand is a pure function of the instant (plus the seed and the kind of household), so the same
seed replays the same day, time acceleration is just a faster clock, and history can be computed
for any past interval without having run through it.

Electricity: a baseload, a fridge compressor cycling, lights while the household is up in the
dark (long winter evenings, short summer ones), an evening peak, someone at home by day on
weekends (or every day), appliances (kettle, oven, shower, washing machine) switched on at seeded
random times, and solar panels following the sun and the season. Gas: the boiler heats the home
when it is cold outside (:mod:`~meter_emulator.simulation.weather`), in the periods the
household's heating is timed for, firing longer the colder it is; it also heats water for
showers and baths; and the hob is used at dinner time. A household that goes away for a summer
week uses only its baseload and fridge then. The kinds of household are in
:mod:`~meter_emulator.simulation.archetypes`.
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from meter_emulator.simulation.archetypes import FAMILY_SEMI, HouseholdKind, Periods
from meter_emulator.simulation.weather import daily_mean_c, daylight, outdoor_c

#: Half-hour slots: appliances are decided per slot, so a slot's use is reproducible on its own.
SLOT = timedelta(minutes=30)


@dataclass(frozen=True)
class Appliance:
    """An appliance that runs for a while at a fixed power.

    Attributes:
        name: What it is.
        watts: Its draw while on.
        minutes: How long one use lasts (within a half-hour slot).
        hours: Hours of the day (0-23) when it may be used on a working day.
        chance: Probability of one use in an eligible slot (for a family).
        weekend_hours: Hours when it may be used at weekends and on bank holidays.
    """

    name: str
    watts: float
    minutes: float
    hours: tuple[int, ...]
    chance: float
    weekend_hours: tuple[int, ...]

    def hours_on(self, weekend: bool) -> tuple[int, ...]:
        """The hours it may be used on a working day or a weekend."""
        return self.weekend_hours if weekend else self.hours


APPLIANCES: tuple[Appliance, ...] = (
    Appliance("kettle", 3000.0, 3.0, (7, 8, 10, 13, 16, 19, 21), 0.55, (8, 9, 11, 13, 15, 17, 21)),
    Appliance("oven", 2400.0, 25.0, (17, 18), 0.3, (12, 13, 17, 18)),
    Appliance("shower", 8500.0, 8.0, (7, 8, 21), 0.35, (8, 9, 10, 21)),
    Appliance("washing machine", 2000.0, 20.0, (9, 10, 11, 19), 0.15, (9, 10, 11, 12, 14, 15)),
)


def _unit_random(seed: int, *parts: object) -> float:
    """A reproducible number in [0, 1) for ``parts`` (no shared RNG state to keep in step)."""
    digest = hashlib.blake2b(repr((seed, *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


#: The boiler's output while it fires, and when it heats water for a shower or a bath.
BOILER_W, HOT_WATER_W = 18000.0, 15000.0
#: The household keeps its heating off on days whose mean outdoor temperature is above this.
HEATING_SEASON_C = 14.0
#: While the heating is on, the boiler fires for a part of every cycle of this many minutes.
BOILER_CYCLE_MIN = 20
#: The hob at dinner time, on most days.
HOB_W, HOB_FROM_H, HOB_TO_H, HOB_CHANCE = 2500.0, 18.0, 18.75, 0.7
#: The fridge's compressor: on for 12 minutes in every 30.
FRIDGE_W, FRIDGE_ON_MIN, FRIDGE_CYCLE_MIN = 110.0, 12, 30
#: Someone at home by day (television, radio, computer) between these hours.
BY_DAY_FROM_H, BY_DAY_TO_H = 9.0, 17.0


@dataclass(frozen=True)
class Household:
    """Electricity and gas demand of one home.

    Args:
        seed: Chooses when appliances run and the weather; the same seed gives the same days.
        solar_peak_w: Peak solar generation on a clear midsummer noon (exported as negative
            demand); 0 for none.
        kind: What household lives there (:data:`~archetypes.FAMILY_SEMI` unless told).
    """

    seed: int = 1
    solar_peak_w: float = 0.0
    kind: HouseholdKind = FAMILY_SEMI

    def is_away(self, day: date) -> bool:
        """Whether the household is away on ``day`` (its summer week)."""
        if not self.kind.summer_away:
            return False
        first = _away_week(self.seed, day.year)
        return first <= day < first + timedelta(days=7)

    def appliances_on(self, at: datetime) -> list[Appliance]:
        """Appliances running at ``at``."""
        if self.is_away(at.date()):
            return []
        weekend = self.kind.routine(at.date()) is self.kind.weekend
        slot_start = at.replace(minute=0 if at.minute < 30 else 30, second=0, microsecond=0)
        into_slot = (at - slot_start).total_seconds() / 60
        running = []
        for appliance in APPLIANCES:
            if at.hour not in appliance.hours_on(weekend):
                continue
            key = (slot_start.isoformat(), appliance.name)
            chance = appliance.chance * self.kind.appliance_use
            if _unit_random(self.seed, "use", *key) >= chance:
                continue
            start = _unit_random(self.seed, "start", *key) * (30 - appliance.minutes)
            if start <= into_slot < start + appliance.minutes:
                running.append(appliance)
        return running

    def electricity_w(self, at: datetime) -> float:
        """Electricity demand at ``at`` in watts (negative when solar exports)."""
        day = at.date()
        hour = at.hour + at.minute / 60 + at.second / 3600
        seconds = at.hour * 3600 + at.minute * 60 + at.second
        fridge = FRIDGE_W if (seconds // 60) % FRIDGE_CYCLE_MIN < FRIDGE_ON_MIN else 0.0
        wobble = 15.0 * math.sin(seconds / 37.0)
        demand = self.kind.baseload_w + fridge + wobble
        if not self.is_away(day):
            routine = self.kind.routine(day)
            demand += _activity_w(self.kind, routine.at_home_by_day, hour)
            if any(lo <= hour < hi for lo, hi in _lit(routine.up, routine.bed, day)):
                demand += self.kind.lighting_w
            demand += sum(a.watts for a in self.appliances_on(at))
        demand -= _solar_w(self.seed, self.solar_peak_w, day, hour)
        return round(demand, 1)

    def gas_w(self, at: datetime) -> float:
        """Gas demand at ``at`` in watts of heat input (heating, hot water and hob)."""
        day = at.date()
        if self.is_away(day):
            return 0.0
        routine = self.kind.routine(day)
        minute = at.hour * 60 + at.minute
        gas = 0.0
        if _in_periods(routine.heating, minute):
            duty = _heating_duty(self, day, at.hour * 2 + at.minute // 30)
            if (at.minute % BOILER_CYCLE_MIN) + at.second / 60 < duty * BOILER_CYCLE_MIN:
                gas += BOILER_W
        if any(start <= minute < start + length for start, length in routine.hot_water):
            gas += HOT_WATER_W * _mains_water_factor(day)
        hour = minute / 60
        if HOB_FROM_H <= hour < HOB_TO_H and _hob_used(self.seed, day):
            gas += HOB_W
        return gas


def _overlap_minutes(start_a: float, end_a: float, start_b: float, end_b: float) -> float:
    return max(0.0, min(end_a, end_b) - max(start_a, start_b))


def _in_periods(periods: Periods, minute: int) -> bool:
    return any(lo * 60 <= minute < hi * 60 for lo, hi in periods)


@functools.lru_cache(maxsize=64)
def _away_week(seed: int, year: int) -> date:
    """The first day of the household's summer week away in ``year``: between 20 July and
    20 August (school holidays)."""
    return date(year, 7, 20) + timedelta(days=int(_unit_random(seed, "away", year) * 25))


def _lit(up: float, bed: float, day: date) -> tuple[tuple[float, float], ...]:
    """When the lights are on: from getting up until sunrise, and from sunset until bed."""
    sun = daylight(day)
    return ((up, max(up, sun.sunrise)), (min(bed, sun.sunset), bed))


def _mains_water_factor(day: date) -> float:
    """Colder mains water in winter takes more gas to heat (15 % either way of the mean)."""
    return 1.0 + 0.15 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 20) / 365.25)


@functools.lru_cache(maxsize=8192)
def _heating_duty(household: Household, day: date, slot: int) -> float:
    """The part of each boiler cycle it fires in half hour ``slot`` (0-47) of ``day``.

    The home loses ``heat_loss × (indoor − outdoor)`` all day; the boiler makes it up in the
    hours the heating is timed on, so it fires longer on a shorter timer and on a colder day.
    """
    kind = household.kind
    if daily_mean_c(household.seed, day) >= HEATING_SEASON_C:
        return 0.0
    outdoor = outdoor_c(household.seed, day, slot / 2 + 0.25)
    on_hours = sum(hi - lo for lo, hi in kind.routine(day).heating)
    need_w = kind.heat_loss_w_per_k * max(0.0, kind.indoor_c - outdoor) * 24 / on_hours
    return min(1.0, need_w / BOILER_W)


@functools.lru_cache(maxsize=1024)
def _heating_minutes_by_phase(periods: Periods, first: int) -> tuple[int, ...]:
    """How many heating minutes of the half hour starting ``first`` minutes after midnight
    fall at each minute (0-19) of the boiler's cycle."""
    counts = [0] * BOILER_CYCLE_MIN
    for minute in range(first, first + 30):
        if _in_periods(periods, minute):
            counts[minute % BOILER_CYCLE_MIN] += 1
    return tuple(counts)


@functools.lru_cache(maxsize=1024)
def _hob_used(seed: int, day: date) -> bool:
    """Whether the hob is used at dinner time on ``day``."""
    return _unit_random(seed, "hob", day.isoformat()) < HOB_CHANCE


def _activity_w(kind: HouseholdKind, by_day: bool, hour: float) -> float:
    """Cooking and television in the evening, and someone at home by day."""
    watts = 0.0
    if 17 <= hour < 23:
        watts += kind.evening_w * math.sin(math.pi * (hour - 17) / 6)
    if by_day and BY_DAY_FROM_H <= hour < BY_DAY_TO_H:
        watts += kind.by_day_w
    return watts


def _solar_w(seed: int, peak_w: float, day: date, hour: float) -> float:
    """Solar generation: zero at sunrise and sunset, highest at noon; a winter noon gives a
    fifth of a midsummer one, and each day has its own cloud."""
    if peak_w <= 0:
        return 0.0
    sun = daylight(day)
    if not sun.sunrise <= hour < sun.sunset:
        return 0.0
    season = 0.2 + 0.8 * max(0.0, (sun.hours - 7.8) / 8.8)
    cloud = 0.45 + 0.55 * _unit_random(seed, "cloud", day.toordinal())
    return peak_w * season * cloud * math.sin(math.pi * (hour - sun.sunrise) / sun.hours) ** 2


@functools.lru_cache(maxsize=4096)
def _activity_wh(kind: HouseholdKind, by_day: bool, start: time) -> float:
    """Evening and daytime activity over the half hour starting at ``start``, from six
    samples (they depend on the time of day only)."""
    first = start.hour + start.minute / 60
    return sum(_activity_w(kind, by_day, first + m / 60) for m in _SAMPLES) / 6 * 0.5


#: Minutes into a half hour at which smooth demand is sampled.
_SAMPLES = (2.5, 7.5, 12.5, 17.5, 22.5, 27.5)


def interval_energy_wh(household: Household, start: datetime, fuel: str) -> float:
    """Energy used in the half hour starting at ``start`` (on a half-hour boundary), in Wh.

    Computed from the same model as the live demand, without sampling every second: appliance
    runs, lights, hot water and the boiler's duty cycle are integrated exactly, the smooth parts
    from six samples. Fast enough to fill the meter's profile log
    (:mod:`~meter_emulator.simulation.profile_log`, 13 months, about 19,000 half hours per fuel)
    as it starts, from which history is served.
    """
    day = start.date()
    away = household.is_away(day)
    routine = household.kind.routine(day)
    first = start.hour * 60 + start.minute
    if fuel == "gas":
        if away:
            return 0.0
        duty_minutes = _heating_duty(household, day, first // 30) * BOILER_CYCLE_MIN
        firing = 0.0
        if duty_minutes > 0:
            phases = _heating_minutes_by_phase(routine.heating, first)
            firing = sum(
                count * min(1.0, duty_minutes - phase)
                for phase, count in enumerate(phases)
                if count and phase < duty_minutes
            )
        hot_water = sum(
            _overlap_minutes(first, first + 30, s, s + length) for s, length in routine.hot_water
        )
        hob = _overlap_minutes(first, first + 30, HOB_FROM_H * 60, HOB_TO_H * 60)
        if hob and not _hob_used(household.seed, day):
            hob = 0.0
        return (
            BOILER_W * firing + HOT_WATER_W * _mains_water_factor(day) * hot_water + HOB_W * hob
        ) / 60
    kind = household.kind
    energy = kind.baseload_w * 0.5 + FRIDGE_W * FRIDGE_ON_MIN / FRIDGE_CYCLE_MIN * 0.5
    if household.solar_peak_w > 0:
        hour = first / 60
        solar = sum(
            _solar_w(household.seed, household.solar_peak_w, day, hour + m / 60) for m in _SAMPLES
        )
        energy -= solar / 6 * 0.5
    if away:
        return max(0.0, energy)
    energy += _activity_wh(kind, routine.at_home_by_day, start.time())
    lit = sum(
        _overlap_minutes(first, first + 30, lo * 60, hi * 60)
        for lo, hi in _lit(routine.up, routine.bed, day)
    )
    energy += kind.lighting_w * lit / 60
    weekend = routine is kind.weekend
    key_start = ""  # formatted only for a half hour some appliance may run in (most are not)
    for appliance in APPLIANCES:
        if start.hour not in appliance.hours_on(weekend):
            continue
        key_start = key_start or start.isoformat()
        chance = appliance.chance * kind.appliance_use
        if _unit_random(household.seed, "use", key_start, appliance.name) < chance:
            energy += appliance.watts * appliance.minutes / 60
    return max(0.0, energy)  # import only: what solar exports is not in the import register


def appliance_starts(
    household: Household, slot_start: datetime
) -> list[tuple[Appliance, datetime]]:
    """The appliances the household starts in the half hour from ``slot_start`` (on a half-hour
    boundary) and when each starts: the same decisions :meth:`Household.appliances_on` makes."""
    if household.is_away(slot_start.date()):
        return []
    weekend = household.kind.routine(slot_start.date()) is household.kind.weekend
    starts = []
    for appliance in APPLIANCES:
        if slot_start.hour not in appliance.hours_on(weekend):
            continue
        key = (slot_start.isoformat(), appliance.name)
        if (
            _unit_random(household.seed, "use", *key)
            >= appliance.chance * household.kind.appliance_use
        ):
            continue
        offset = _unit_random(household.seed, "start", *key) * (30 - appliance.minutes)
        starts.append((appliance, slot_start + timedelta(minutes=offset)))
    return starts
