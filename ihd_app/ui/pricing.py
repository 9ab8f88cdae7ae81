"""Which rate band applies now and when the price next changes (local time of day).

Small and pure so the home screen, the tariff screen and the usage chart agree; when
``ihd_app.core.tariff`` offers the same, these can delegate to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from ihd_app.core.model import RateBand, Tariff


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def band_covers(band: RateBand, moment: time) -> bool:
    """Whether ``band`` applies at local time of day ``moment`` (end ``00:00`` is midnight)."""
    start = _minutes(band.start)
    end = _minutes(band.end) or 24 * 60
    now = _minutes(moment)
    if start < end:
        return start <= now < end
    # Wraps past midnight (22:00 - 06:00).
    return now >= start or now < end


def band_at(tariff: Tariff, moment: datetime) -> RateBand | None:
    """The band that applies at ``moment``."""
    local = moment.astimezone().time()
    return next((band for band in tariff.bands if band_covers(band, local)), None)


@dataclass(frozen=True)
class PriceChange:
    """The next time the unit rate changes.

    Attributes:
        at: When (local time, aware).
        band: The band that starts then.
    """

    at: datetime
    band: RateBand


def next_change(tariff: Tariff, moment: datetime) -> PriceChange | None:
    """When the unit rate next changes after ``moment`` (``None`` for a flat tariff)."""
    current = band_at(tariff, moment)
    local = moment.astimezone()
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    candidates: list[PriceChange] = []
    for offset in (0, 1, 2):
        for band in tariff.bands:
            start = (day + timedelta(days=offset)).replace(
                hour=band.start.hour, minute=band.start.minute
            )
            if start > local and band != current and band.pence_per_kwh != _rate(current):
                candidates.append(PriceChange(start, band))
    return min(candidates, key=lambda change: change.at, default=None)


def _rate(band: RateBand | None) -> float | None:
    return None if band is None else band.pence_per_kwh


def pounds_per_hour(demand_w: float, band: RateBand | None) -> float | None:
    """What the present demand costs per hour at the band's unit rate, in pounds."""
    if band is None:
        return None
    return max(demand_w, 0.0) / 1000 * band.pence_per_kwh / 100
