"""The household load profile: deterministic, plausible, and seed-dependent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from meter_emulator.simulation.household import Household

DAY = datetime(2026, 11, 23, tzinfo=UTC)


def _day(household: Household, fuel: str) -> list[float]:
    sample = household.electricity_w if fuel == "electricity" else household.gas_w
    return [sample(DAY + timedelta(minutes=m)) for m in range(0, 24 * 60, 1)]


def test_same_seed_same_day() -> None:
    assert _day(Household(seed=4), "electricity") == _day(Household(seed=4), "electricity")
    assert _day(Household(seed=4), "electricity") != _day(Household(seed=5), "electricity")


def test_daily_electricity_is_a_plausible_household() -> None:
    minutes = _day(Household(seed=1), "electricity")
    kwh = sum(minutes) / 60 / 1000
    assert 5 < kwh < 20, kwh  # a GB home uses about 8-10 kWh a day
    assert min(minutes) > 100  # the baseload never switches off
    assert max(minutes) > 2500  # kettle, oven or shower show up as spikes


def test_solar_exports_at_midday() -> None:
    sunny = Household(seed=1, solar_peak_w=3000)
    assert sunny.electricity_w(DAY.replace(hour=13)) < 0


def test_gas_heating_runs_morning_and_evening_only() -> None:
    gas = _day(Household(seed=1), "gas")
    assert max(gas[2 * 60 : 5 * 60]) == 0  # no heating at night
    assert max(gas[6 * 60 : 8 * 60]) > 10000
