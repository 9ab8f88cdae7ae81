"""How figures are said aloud: words, not symbols.

A speech engine reads ``£2.45`` as "pound two point four five" and ``kWh`` letter by letter, so
what Home shows is said here in words ("2 pounds 45", "kilowatt hours").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from ihd_app.core.readings import Fuel
from ihd_app.link.meter_link import LinkState
from ihd_app.protocol.zcl import SupplyStatus
from ihd_app.service.api import IhdServiceApi
from ihd_app.ui import pricing, text
from ihd_app.ui.ambient import AmbientLevel, AmbientThresholds, ambient_level
from ihd_app.ui.half_hourly import half_hourly_use, is_half_hourly

#: Today's kWh and pounds of a fuel (``None`` without history), as Home computes them.
TodayUsage = Callable[[IhdServiceApi, Fuel, datetime], tuple[float, float] | None]


def _number(value: float, decimals: int) -> str:
    """``9.8``, ``38.25``, ``12`` (no trailing zeros to read out)."""
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:.0f}"


def pounds(value: float) -> str:
    """``2 pounds 45``, ``1 pound``, ``45 pence``, ``minus 30 pence``."""
    sign = "minus " if value < 0 else ""
    total = round(abs(value) * 100)
    whole, pennies = divmod(total, 100)
    if whole == 0:
        return f"{sign}{pennies} pence"
    unit = "pound" if whole == 1 else "pounds"
    return f"{sign}{whole} {unit}" + (f" {pennies:02d}" if pennies else "")


def per_hour(pounds_per_hour: float) -> str:
    """``31.5 pence an hour`` below a pound, ``1 pound 24 an hour`` from a pound (as Home)."""
    if abs(pounds_per_hour) < 1:
        return f"{_number(pounds_per_hour * 100, 1)} pence an hour"
    return f"{pounds(pounds_per_hour)} an hour"


def cost(pounds_value: float) -> str:
    """``7.5 pence`` below a pound, ``1 pound 24`` from a pound (as Home writes ``7.5p``)."""
    if abs(pounds_value) < 1:
        return f"{_number(pounds_value * 100, 1)} pence"
    return pounds(pounds_value)


def kilowatt_hours(kwh: float) -> str:
    """``9.8 kilowatt hours``."""
    return f"{_number(kwh, 1)} kilowatt hours"


def pence_per_kwh(value: float) -> str:
    """``38.2 pence per kilowatt hour``."""
    return f"{_number(value, 2)} pence per kilowatt hour"


def demand(watts: float) -> str:
    """``using 1.25 kilowatts``, ``exporting 0.5 kilowatts``."""
    verb = "exporting" if watts < 0 else "using"
    return f"{verb} {_number(abs(watts) / 1000, 2)} kilowatts"


_NUMBER = r"(\d[\d,]*(?:\.\d+)?)"
#: Symbols in a message's text (written by the energy industry) and the words they stand for.
_IN_WORDS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(rf"£{_NUMBER}"), lambda m: pounds(float(m[1].replace(",", "")))),
    (re.compile(rf"{_NUMBER}\s?p\s?/\s?kWh\b"), lambda m: f"{m[1]} pence per kilowatt hour"),
    (re.compile(rf"{_NUMBER}\s?kWh\b"), lambda m: f"{m[1]} kilowatt hours"),
    (re.compile(rf"{_NUMBER}\s?kW\b"), lambda m: f"{m[1]} kilowatts"),
    (re.compile(rf"{_NUMBER}p\b"), lambda m: f"{m[1]} pence"),
    (re.compile(r"\s?/\s?kWh\b"), lambda _m: " per kilowatt hour"),
]


def in_words(text: str) -> str:
    """``27.9p/kWh``, ``£2.45``, ``3.0 kW`` in a message as a speech engine should say them."""
    for pattern, words in _IN_WORDS:
        text = pattern.sub(words, text)
    return text


def _half_hourly(service: IhdServiceApi, fuel: Fuel, now: datetime, today: TodayUsage) -> str:
    """A fuel reported half-hourly, as its Home tile shows it: today so far, the last half
    hour, and when the figures were updated and will be next."""
    name = fuel.value.capitalize()
    reading = service.latest_reading(fuel)
    use = half_hourly_use(service, fuel, today(service, fuel, now))
    if reading is None or use is None:
        return f"{name}: waiting for the meter, which reports every half hour."
    parts: list[str] = []
    if use.today_kwh is None:
        parts.append(f"{name}: no history yet today.")
    else:
        costing = "" if use.today_pounds is None else f", {cost(use.today_pounds)}"
        parts.append(f"{name} so far today: {kilowatt_hours(use.today_kwh)}{costing}.")
    costing = "" if use.half_hour_pounds is None else f", {cost(use.half_hour_pounds)}"
    parts.append(
        f"From {text.clock(use.half_hour_start)} to {text.clock(use.half_hour_end)}: "
        f"{kilowatt_hours(use.half_hour_kwh)}{costing}."
    )
    if reading.supply is SupplyStatus.OFF:
        parts.append(f"The {fuel.value} supply is off.")
    elif reading.supply is SupplyStatus.ARMED:
        parts.append(f"The {fuel.value} supply is armed, ready to be turned back on.")
    parts.append(
        f"The meter reports {fuel.value} every half hour: updated at "
        f"{text.clock(use.updated_at)}, next at {text.clock(use.next_at)}."
    )
    return " ".join(parts)


def _fuel(
    service: IhdServiceApi,
    fuel: Fuel,
    now: datetime,
    today: TodayUsage,
    ambient: AmbientThresholds,
) -> str:
    name = fuel.value.capitalize()
    reading = service.latest_reading(fuel)
    if is_half_hourly(fuel, reading):
        return _half_hourly(service, fuel, now, today)
    parts: list[str] = []
    if reading is None or reading.demand_w is None:
        parts.append(f"{name}: waiting for the meter.")
    else:
        tariff = service.tariff(fuel)
        band = pricing.band_at(tariff, now) if tariff else None
        cost = pricing.pounds_per_hour(reading.demand_w, band)
        ambient_now = ambient_level(reading.demand_w / 1000, ambient, reading.supply)
        # With the supply off, the sentence below says so; "low use" would mislead.
        level = (
            f" ({ambient_now.label.lower()})"
            if fuel is Fuel.ELECTRICITY and ambient_now is not AmbientLevel.SUPPLY_OFF
            else ""
        )
        costing = "" if cost is None else f", costing {per_hour(cost)}"
        parts.append(f"{name}: {demand(reading.demand_w)} now{level}{costing}.")
    if reading is not None and reading.supply is SupplyStatus.OFF:
        parts.append(f"The {fuel.value} supply is off.")
    elif reading is not None and reading.supply is SupplyStatus.ARMED:
        parts.append(f"The {fuel.value} supply is armed, ready to be turned back on.")
    figures = today(service, fuel, now)
    if figures is None:
        parts.append("Today: no history yet.")
    else:
        kwh, cost_today = figures
        parts.append(f"Today: {kilowatt_hours(kwh)}, {pounds(cost_today)}.")
    return " ".join(parts)


def _prices(service: IhdServiceApi, now: datetime) -> str:
    tariff = service.tariff(Fuel.ELECTRICITY)
    if tariff is None:
        return "Electricity price: not received yet."
    band = pricing.band_at(tariff, now)
    said = (
        f"Electricity price now: {band.name}, {pence_per_kwh(band.pence_per_kwh)}."
        if band
        else "Electricity price now: no rate for this time."
    )
    change = pricing.next_change(tariff, now)
    if change is None:
        return f"{said} The price does not change today."
    return (
        f"{said} Next: {change.band.name}, {pence_per_kwh(change.band.pence_per_kwh)}, "
        f"from {text.clock(change.at)}."
    )


def home_summary(
    service: IhdServiceApi, now: datetime, today: TodayUsage, ambient: AmbientThresholds
) -> str:
    """What Home shows, to be read aloud: demand and cost now (gas: use so far and the last
    half hour, as the meter reports it half-hourly), today's use, the prices.

    Args:
        service: The IHD service.
        now: The current time.
        today: Today's use of a fuel, as Home works it out.
        ambient: The consumer's thresholds for low and high electricity use.
    """
    said = [f"It is {text.clock(now)}."]
    if service.link_state is not LinkState.CONNECTED:
        said.append("The display is not connected to the meter; these are the last figures.")
    said += [_fuel(service, fuel, now, today, ambient) for fuel in Fuel]
    said.append(_prices(service, now))
    return " ".join(said)
