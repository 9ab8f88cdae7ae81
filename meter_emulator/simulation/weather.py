"""The weather and daylight a household in central England lives with, deterministic for a seed.

Outdoor temperature drives the gas heating, daylight the lights and the solar panels. Both are
pure functions of the date (and the seed), so history is computed for any past day as readily as
for today. Times are UTC, which is GMT and within an hour of the clock all year.

Figures are round values for the English Midlands (about 52.5 °N): a daily mean of about 4 °C in
mid-January and 17 °C in late July, 3 °C warmer at mid-afternoon than before dawn, days of
7.8 hours at the winter solstice and 16.6 at the summer one.
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass
from datetime import date

#: Annual mean and half the seasonal swing of the daily mean temperature, °C.
MEAN_C, SEASONAL_SWING_C = 10.5, 6.7
#: Day of the year of the coldest daily mean (the warmest is half a year later).
COLDEST_DAY = 20
#: Half the swing between the coldest hour (03:00) and the warmest (15:00), °C.
DAILY_SWING_C = 3.0
#: A day's mean differs from the season's by up to this much either way (a mild or a cold spell).
SPELL_C = 3.0
#: Day length at the equinoxes and half its swing over the year, hours.
EQUINOX_DAY_H, DAY_LENGTH_SWING_H = 12.2, 4.4


def _unit_random(seed: int, *parts: object) -> float:
    """A reproducible number in [0, 1) for ``parts``."""
    digest = hashlib.blake2b(repr((seed, *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass(frozen=True)
class Daylight:
    """When the sun is up on one day, in hours after midnight UTC.

    Attributes:
        sunrise: Hours after midnight.
        sunset: Hours after midnight.
    """

    sunrise: float
    sunset: float

    @property
    def hours(self) -> float:
        """How long the day is."""
        return self.sunset - self.sunrise


@functools.lru_cache(maxsize=1024)
def daylight(day: date) -> Daylight:
    """Sunrise and sunset on ``day`` (solar noon at 12:00 UTC)."""
    angle = 2 * math.pi * (day.timetuple().tm_yday - 80) / 365.25
    length = EQUINOX_DAY_H + DAY_LENGTH_SWING_H * math.sin(angle)
    return Daylight(12.0 - length / 2, 12.0 + length / 2)


@functools.lru_cache(maxsize=2048)
def daily_mean_c(seed: int, day: date) -> float:
    """The day's mean outdoor temperature: the season's, plus the day's spell."""
    angle = 2 * math.pi * (day.timetuple().tm_yday - COLDEST_DAY) / 365.25
    spell = (2 * _unit_random(seed, "spell", day.toordinal()) - 1) * SPELL_C
    return MEAN_C - SEASONAL_SWING_C * math.cos(angle) + spell


def outdoor_c(seed: int, day: date, hour: float) -> float:
    """The outdoor temperature at ``hour`` (hours after midnight UTC) of ``day``."""
    return daily_mean_c(seed, day) + DAILY_SWING_C * math.cos(2 * math.pi * (hour - 15) / 24)
