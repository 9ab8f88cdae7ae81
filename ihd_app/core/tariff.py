"""Tariffs from Price-cluster messages, and what energy costs under them.

Building a tariff
-----------------
A verified ``tariff.price`` envelope carries PublishPrice or PublishTariffInformation
(:func:`tariff_from_verified` dispatches). Prices are pence per kWh with
``PriceTrailingDigit`` digits after the point (the composer uses 4); a gas price per m3 is
converted to per kWh with the GB factor, as readings are.

* **PublishPrice with a StartTime and a duration shorter than a day** is a time-of-use band: the
  local time of day from its start, for its duration, repeating every day, named by its
  RateLabel. It is laid over the current bands (replacing whatever they said for those times).
  With no tariff yet, the rest of the day is assumed to cost the same, as "Standard", until a
  flat price arrives.
* **Any other PublishPrice** (StartTime 0, a day or longer, or 0xFFFF "until changed") is the
  flat rate: one band for the whole day, replacing every band. Send bands after it, or in its
  details (below), to build a time-of-use tariff.
* **PublishTariffInformation** sets the tariff's name (TariffLabel) and its daily standing charge
  (unless 0xFFFFFFFF, "unused"); its PriceTrailingDigit is read from the high nibble as ZSE
  specifies, or from the low nibble when the high nibble is empty (as our composer writes it).

Time-of-use bands in the envelope details
-----------------------------------------
Either message may carry the day's whole structure in its signed details::

    {"bands": [
        {"name": "Off-peak", "start": "00:30", "end": "07:30", "pence_per_kwh": 9.5},
        {"name": "Peak", "start": "16:00", "end": "19:00", "pence_per_kwh": 38.2}
    ]}

* ``start`` and ``end`` are local wall-clock times "HH:MM" (Europe/London unless another zone is
  injected); ``end`` is exclusive and may be "24:00" (or "00:00") for midnight at the end of the
  day; an ``end`` earlier than ``start`` wraps past midnight ("23:00" to "07:00"); equal times
  mean the whole day.
* ``name``: 1-24 characters. ``pence_per_kwh``: a number from 0 to 10,000.
* Bands must not overlap; at most 48. Times no band covers cost the base rate: the PublishPrice
  in the same envelope (its label and price), or for PublishTariffInformation the current
  tariff's bands. Invalid details raise :class:`TariffError`, nothing is half-applied.

Costs
-----
Bands are by local time of day (DST-safe: on the day clocks change, 01:30 means what the wall
clock says). :func:`energy_cost_pence` spreads each interval's energy evenly over its duration
and splits it across bands. The standing charge is **pro rata by time**:
:func:`standing_charge_pence` charges each local calendar day's standing charge in proportion
to the part of that day covered, so a whole day costs exactly one standing charge (also on the
23- and 25-hour days), half-hour bars add up to the day, and a live "cost today so far" grows
through the day. :func:`cost_pence` charges the standing charge for the time its intervals
cover (overlaps counted once, gaps in the data not charged).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from ihd_app.core.model import Interval, RateBand, Tariff
from ihd_app.core.readings import GAS_KWH_PER_M3, Fuel
from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.verification import VerifiedMessage
from ihd_app.protocol.zcl import PublishPrice, PublishTariffInformation, UnitOfMeasure
from ihd_app.protocol.zcl.messaging import START_NOW
from ihd_app.protocol.zcl.price import CURRENCY_GBP, STANDING_CHARGE_UNUSED
from ihd_app.protocol.zcl.primitives import utc_to_datetime

#: The zone bands are read in, unless another is injected.
LONDON = ZoneInfo("Europe/London")
DAY_S = 86_400
#: Name of the rate assumed for times no band covers yet.
STANDARD = "Standard"
MAX_BANDS = 48
MAX_BAND_NAME = 24
MAX_PENCE_PER_KWH = 10_000.0
_DAY = timedelta(days=1)


class TariffError(IhdError):
    """A price message or details that cannot make a usable tariff, or a tariff without rates."""


# -- bands as segments of the day --------------------------------------------------------------


@dataclass(frozen=True)
class _Segment:
    start: float  # seconds after local midnight, inclusive
    end: float  # exclusive, at most DAY_S
    band: RateBand


def _seconds(moment: time) -> float:
    return moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6


def _time_of(seconds: float) -> time:
    whole = round(seconds) % DAY_S
    return time(whole // 3600, whole // 60 % 60, whole % 60)


def _band(name: str, start: float, end: float, pence: float) -> RateBand:
    return RateBand(name, _time_of(start), _time_of(end), pence)


def _pieces(band: RateBand) -> list[tuple[float, float]]:
    """The band's part(s) of the day; a band past midnight is two parts."""
    start, end = _seconds(band.start), _seconds(band.end)
    if end <= start:  # past midnight, up to midnight (end 00:00), or the whole day (equal)
        end += DAY_S
    if end <= DAY_S:
        return [(start, end)]
    return [(start, float(DAY_S)), (0.0, end - DAY_S)]


@dataclass(frozen=True)
class _Day:
    """A tariff's bands as segments of the day, sorted, covering it exactly once."""

    segments: tuple[_Segment, ...]
    starts: tuple[float, ...]

    def at(self, seconds: float) -> _Segment:
        return self.segments[max(bisect_right(self.starts, seconds) - 1, 0)]


@lru_cache(maxsize=64)
def _day(bands: tuple[RateBand, ...]) -> _Day:
    """The day cut into segments; raises if the bands leave a gap or overlap."""
    if not bands:
        raise TariffError("no unit rate is known yet for this tariff")
    parts = sorted(
        (_Segment(start, end, band) for band in bands for start, end in _pieces(band)),
        key=lambda s: s.start,
    )
    position = 0.0
    for segment in parts:
        if segment.start > position:
            raise TariffError(f"no band covers {_time_of(position):%H:%M}")
        if segment.start < position:
            raise TariffError(f"band {segment.band.name} overlaps another at {segment.band.start}")
        position = segment.end
    if position < DAY_S:
        raise TariffError(f"no band covers {_time_of(position):%H:%M}")
    return _Day(tuple(parts), tuple(p.start for p in parts))


def _overlay(
    base: Sequence[tuple[float, float, str, float]],
    top: Sequence[tuple[float, float, str, float]],
) -> tuple[RateBand, ...]:
    """``top`` laid over ``base`` (which covers the day), as merged, whole-day bands."""
    cuts = sorted({0.0, float(DAY_S)} | {p for s in (*base, *top) for p in (s[0], s[1])})
    merged: list[list[float | str]] = []
    for start, end in pairwise(cuts):
        owner = next((s for s in top if s[0] <= start < s[1]), None) or next(
            (s for s in base if s[0] <= start < s[1]), None
        )
        if owner is None:
            raise TariffError(f"no rate is known for {_time_of(start):%H:%M}")
        _, _, name, pence = owner
        if merged and merged[-1][2] == name and merged[-1][3] == pence and merged[-1][1] == start:
            merged[-1][1] = end
        else:
            merged.append([start, end, name, pence])
    return tuple(_band(str(n), float(s), float(e), float(p)) for s, e, n, p in merged)


def _as_parts(bands: Iterable[RateBand]) -> list[tuple[float, float, str, float]]:
    return [(s, e, b.name, b.pence_per_kwh) for b in bands for s, e in _pieces(b)]


def _whole_day(name: str, pence: float) -> list[tuple[float, float, str, float]]:
    return [(0.0, float(DAY_S), name, pence)]


# -- details ------------------------------------------------------------------------------------


def _clock(value: object, field: str, index: int) -> float:
    if not isinstance(value, str):
        raise TariffError(f'bands[{index}].{field} must be a time like "16:00"')
    hours, sep, minutes = value.strip().partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise TariffError(f"bands[{index}].{field} '{value}' is not HH:MM")
    h, m = int(hours), int(minutes)
    if (h, m) == (24, 0) and field == "end":
        return float(DAY_S)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise TariffError(f"bands[{index}].{field} '{value}' is not a time of day")
    return float(h * 3600 + m * 60)


def parse_bands(value: object) -> tuple[RateBand, ...]:
    """Read the ``bands`` list of an envelope's details (format in the module docstring).

    The result may leave parts of the day uncovered (they take the base rate).

    Raises:
        TariffError: Not a list of valid, non-overlapping bands.
    """
    if not isinstance(value, list) or not value:
        raise TariffError("details 'bands' must be a non-empty list")
    if len(value) > MAX_BANDS:
        raise TariffError(f"details 'bands' may list at most {MAX_BANDS} bands")
    bands: list[RateBand] = []
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise TariffError(f"bands[{index}] must be a map")
        name = item.get("name")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= MAX_BAND_NAME:
            raise TariffError(f"bands[{index}].name must be text of 1-{MAX_BAND_NAME} characters")
        pence = item.get("pence_per_kwh")
        if (
            isinstance(pence, bool)
            or not isinstance(pence, int | float)
            or not math.isfinite(pence)
            or not 0 <= pence <= MAX_PENCE_PER_KWH
        ):
            raise TariffError(
                f"bands[{index}].pence_per_kwh must be a number from 0 to {MAX_PENCE_PER_KWH:g}"
            )
        start = _clock(item.get("start"), "start", index)
        end = _clock(item.get("end"), "end", index)
        bands.append(_band(name.strip(), start, end % DAY_S, float(pence)))
    parts = sorted(_as_parts(bands))
    for previous, following in pairwise(parts):
        if following[0] < previous[1]:
            raise TariffError(f"bands {previous[2]} and {following[2]} overlap")
    return tuple(bands)


def _detail_bands(details: Mapping[str, object] | None) -> tuple[RateBand, ...] | None:
    if not details or "bands" not in details:
        return None
    return parse_bands(details["bands"])


# -- building -----------------------------------------------------------------------------------


def flat_tariff(
    fuel: Fuel,
    pence_per_kwh: float,
    *,
    name: str = STANDARD,
    standing_charge_pence_per_day: float = 0.0,
    effective_from: datetime | None = None,
) -> Tariff:
    """A one-rate tariff (for defaults and tests)."""
    return Tariff(
        fuel=fuel,
        name=name,
        bands=(RateBand(name, time(0), time(0), pence_per_kwh),),
        standing_charge_pence_per_day=standing_charge_pence_per_day,
        effective_from=effective_from or datetime(2000, 1, 1, tzinfo=UTC),
    )


def _digits(value: int) -> int:
    return value >> 4 if value > 0x0F else value


def _check_fuel(tariff: Tariff | None, fuel: Fuel) -> None:
    if tariff is not None and tariff.fuel is not fuel:
        raise TariffError(f"a {fuel.value} price cannot update the {tariff.fuel.value} tariff")


def apply_price(
    tariff: Tariff | None,
    price: PublishPrice,
    *,
    fuel: Fuel,
    received_at: datetime,
    details: Mapping[str, object] | None = None,
    tz: tzinfo = LONDON,
) -> Tariff:
    """``tariff`` (or a new one) updated with a PublishPrice (rules in the module docstring).

    Raises:
        TariffError: Another currency or unit, a zero-length band, bad details, wrong fuel.
    """
    _check_fuel(tariff, fuel)
    if price.currency != CURRENCY_GBP:
        raise TariffError(f"prices in currency {price.currency} are not supported (GBP is 826)")
    pence = price.price / 10 ** _digits(price.price_trailing_digit)
    if price.unit_of_measure == UnitOfMeasure.M3:
        pence /= GAS_KWH_PER_M3
    elif price.unit_of_measure != UnitOfMeasure.KWH:
        raise TariffError(f"prices per unit {price.unit_of_measure} are not supported")
    label = price.rate_label.strip() or STANDARD
    start = received_at if price.start_time == START_NOW else utc_to_datetime(price.start_time)
    listed = _detail_bands(details)
    if listed is not None:
        bands = _overlay(_whole_day(label, pence), _as_parts(listed))
    elif price.start_time != START_NOW and price.duration_minutes < DAY_S // 60:
        if price.duration_minutes == 0:
            raise TariffError(f"price '{label}' lasts 0 minutes")
        local = start.astimezone(tz)
        begin = _seconds(local.time())
        window = _band(label, begin, begin + price.duration_minutes * 60, pence)
        base = _as_parts(tariff.bands) if tariff and tariff.bands else _whole_day(STANDARD, pence)
        bands = _overlay(base, _as_parts([window]))
    else:
        bands = _overlay(_whole_day(label, pence), [])
    if tariff is None:
        return Tariff(fuel, label, bands, 0.0, start)
    return replace(tariff, bands=bands, effective_from=start)


def apply_tariff_information(
    tariff: Tariff | None,
    information: PublishTariffInformation,
    *,
    fuel: Fuel,
    received_at: datetime,
    details: Mapping[str, object] | None = None,
) -> Tariff:
    """``tariff`` (or a new one) with the name, standing charge and any detail bands of a
    PublishTariffInformation.

    A new tariff with no bands in its details has no unit rate yet (:func:`price_at` raises
    until a PublishPrice arrives); its standing charge already counts.

    Raises:
        TariffError: Another currency, bad details, bands leaving times uncovered with no
            current rate for them, wrong fuel.
    """
    _check_fuel(tariff, fuel)
    if information.currency != CURRENCY_GBP:
        raise TariffError(
            f"tariffs in currency {information.currency} are not supported (GBP is 826)"
        )
    standing = (
        (tariff.standing_charge_pence_per_day if tariff else 0.0)
        if information.standing_charge == STANDING_CHARGE_UNUSED
        else information.standing_charge / 10 ** _digits(information.price_trailing_digit)
    )
    name = information.tariff_label.strip() or (tariff.name if tariff else STANDARD)
    start = (
        received_at
        if information.start_time == START_NOW
        else utc_to_datetime(information.start_time)
    )
    bands = tariff.bands if tariff else ()
    listed = _detail_bands(details)
    if listed is not None:
        bands = _overlay(_as_parts(bands), _as_parts(listed))
    return Tariff(fuel, name, bands, standing, start)


def tariff_from_verified(
    current: Tariff | None,
    verified: VerifiedMessage,
    *,
    received_at: datetime,
    tz: tzinfo = LONDON,
) -> Tariff:
    """The fuel's tariff after a verified ``tariff.price`` envelope (the fuel is the unit's
    endpoint; ``current`` must be that fuel's tariff or ``None``).

    Raises:
        TariffError: It carries neither PublishPrice nor PublishTariffInformation, or as
            :func:`apply_price` / :func:`apply_tariff_information`.
    """
    unit = verified.unit
    details = verified.claims.details
    if unit is not None and isinstance(unit.command, PublishPrice):
        return apply_price(
            current,
            unit.command,
            fuel=Fuel.of(unit.endpoint),
            received_at=received_at,
            details=details,
            tz=tz,
        )
    if unit is not None and isinstance(unit.command, PublishTariffInformation):
        return apply_tariff_information(
            current,
            unit.command,
            fuel=Fuel.of(unit.endpoint),
            received_at=received_at,
            details=details,
        )
    carried = "no ZCL payload" if unit is None else type(unit.command).__name__
    raise TariffError(f"'{verified.message_type.name}' carries {carried}, not a price")


# -- prices by time -----------------------------------------------------------------------------


def _local_seconds(moment: datetime, tz: tzinfo) -> float:
    return _seconds(moment.astimezone(tz).time())


def price_at(tariff: Tariff, moment: datetime, tz: tzinfo = LONDON) -> RateBand:
    """The band that applies at ``moment`` (by local wall-clock time of day).

    Raises:
        TariffError: The tariff has no unit rate yet, or its bands leave a gap.
    """
    return _day(tariff.bands).at(_local_seconds(moment, tz)).band


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _offset_changes(start: datetime, end: datetime, tz: tzinfo) -> list[datetime]:
    """Instants in [start, end] where the zone's UTC offset changes (to the second)."""

    def offset(seconds: int) -> timedelta | None:
        return datetime.fromtimestamp(seconds, UTC).astimezone(tz).utcoffset()

    found: list[datetime] = []
    step = 6 * 3600
    low, stop = math.floor(start.timestamp()), math.ceil(end.timestamp())
    while low < stop:
        high = min(low + step, stop)
        if offset(low) != offset(high):
            a, b = low, high
            while b - a > 1:
                middle = (a + b) // 2
                if offset(a) == offset(middle):
                    a = middle
                else:
                    b = middle
            found.append(datetime.fromtimestamp(b, UTC))
        low = high
    return found


def _boundaries(day_bands: _Day, start: datetime, end: datetime, tz: tzinfo) -> list[datetime]:
    """Every instant in (start, end) where the band by wall-clock time may change."""
    first = start.astimezone(tz).date() - _DAY
    last = end.astimezone(tz).date() + _DAY
    points: set[datetime] = set(_offset_changes(start, end, tz))
    day = first
    while day <= last:
        for segment in day_bands.segments:
            wall = datetime.combine(day, _time_of(segment.start), tzinfo=tz)
            for fold in (0, 1):
                points.add(wall.replace(fold=fold).astimezone(UTC))
        day += _DAY
    return sorted(p for p in points if start < p < end)


def next_price_change(
    tariff: Tariff, moment: datetime, tz: tzinfo = LONDON
) -> tuple[datetime, RateBand] | None:
    """When the rate next changes after ``moment`` and the band from then, or ``None`` for a
    flat tariff. Changes are by wall-clock time: on the night clocks change the instant
    follows the clock.

    Raises:
        TariffError: As :func:`price_at`.
    """
    day_bands = _day(tariff.bands)
    current = price_at(tariff, moment, tz)
    if len({(s.band.name, s.band.pence_per_kwh) for s in day_bands.segments}) == 1:
        return None
    for instant in _boundaries(day_bands, moment, moment + 2 * _DAY, tz):
        band = price_at(tariff, instant, tz)
        if (band.name, band.pence_per_kwh) != (current.name, current.pence_per_kwh):
            return instant, band
    return None  # pragma: no cover - a tariff with two rates changes within two days


def _split(
    day_bands: _Day, start: datetime, end: datetime, tz: tzinfo
) -> Iterator[tuple[float, RateBand]]:
    """(seconds, band) pieces of [start, end)."""
    duration = (end - start).total_seconds()
    if duration <= 0:
        yield 0.0, day_bands.at(_local_seconds(start, tz)).band
        return
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    if duration <= DAY_S and local_start.utcoffset() == local_end.utcoffset():
        # Wall clock and real time run together: cut by seconds of the day.
        position = _seconds(local_start.time())
        stop = position + duration
        while position < stop:
            day_offset = (position // DAY_S) * DAY_S
            within = position - day_offset
            segment = day_bands.at(within)
            if segment.end <= within:  # rounding put us on the previous segment's end
                segment = day_bands.at(segment.end)
            piece_end = min(segment.end + day_offset, stop)
            yield piece_end - position, segment.band
            position = piece_end
        return
    cuts = [start, *_boundaries(day_bands, start, end, tz), end]
    for a, b in pairwise(cuts):
        yield (b - a).total_seconds(), day_bands.at(_local_seconds(a, tz)).band


def energy_cost_pence(tariff: Tariff, intervals: Iterable[Interval], tz: tzinfo = LONDON) -> float:
    """What the energy of ``intervals`` costs at the unit rates (no standing charge).

    Raises:
        TariffError: As :func:`price_at`.
    """
    day_bands = _day(tariff.bands)
    total = 0.0
    for interval in intervals:
        if interval.kwh == 0:
            continue
        seconds = interval.duration.total_seconds()
        end = interval.start + interval.duration
        for piece, band in _split(day_bands, interval.start, end, tz):
            share = piece / seconds if seconds > 0 else 1.0
            total += interval.kwh * share * band.pence_per_kwh
    return total


def standing_charge_pence(
    tariff: Tariff, start: datetime, end: datetime, tz: tzinfo = LONDON
) -> float:
    """The standing charge for [start, end): each local calendar day's charge in proportion to
    the part of that day covered (a 23- or 25-hour day still costs one charge in total)."""
    if end <= start or tariff.standing_charge_pence_per_day == 0:
        return 0.0
    days = 0.0
    day = start.astimezone(tz).date()
    while True:
        day_start, day_end = _midnight(day, tz), _midnight(day + _DAY, tz)
        if day_start >= end:
            break
        overlap = (min(end, day_end) - max(start, day_start)).total_seconds()
        if overlap > 0:
            days += overlap / (day_end - day_start).total_seconds()
        day += _DAY
    return days * tariff.standing_charge_pence_per_day


def covered_spans(intervals: Iterable[Interval]) -> list[tuple[datetime, datetime]]:
    """The time ``intervals`` cover, as sorted, merged [start, end) spans."""
    spans = sorted((i.start, i.start + i.duration) for i in intervals if i.duration > timedelta(0))
    merged: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def cost_pence(tariff: Tariff, intervals: Iterable[Interval], tz: tzinfo = LONDON) -> float:
    """Unit cost of ``intervals`` plus the pro-rata standing charge for the time they cover.

    Raises:
        TariffError: As :func:`price_at` (when there is energy to price).
    """
    items = list(intervals)
    standing = sum(
        standing_charge_pence(tariff, start, end, tz) for start, end in covered_spans(items)
    )
    if not any(i.kwh for i in items):
        return standing
    return energy_cost_pence(tariff, items, tz) + standing


def cost_per_hour_pence(
    tariff: Tariff, demand_w: float, moment: datetime, tz: tzinfo = LONDON
) -> float:
    """What the present demand costs per hour at the present unit rate (the Home screen's
    pence per hour). Export (negative demand) costs nothing; the standing charge is not
    included.

    Raises:
        TariffError: As :func:`price_at`.
    """
    return max(demand_w, 0.0) / 1000 * price_at(tariff, moment, tz).pence_per_kwh


__all__ = [
    "LONDON",
    "STANDARD",
    "TariffError",
    "apply_price",
    "apply_tariff_information",
    "cost_pence",
    "cost_per_hour_pence",
    "covered_spans",
    "energy_cost_pence",
    "flat_tariff",
    "next_price_change",
    "parse_bands",
    "price_at",
    "standing_charge_pence",
    "tariff_from_verified",
]
