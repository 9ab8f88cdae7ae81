"""The household load profile: deterministic, plausible, and seed-dependent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from meter_emulator.simulation.archetypes import (
    FAMILY_SEMI,
    HOUSEHOLD_KINDS,
    RETIRED_COUPLE,
    HouseholdKind,
    household_kind,
    is_bank_holiday,
)
from meter_emulator.simulation.household import SLOT, Household, interval_energy_wh

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


def _monthly_kwh(household: Household, fuel: str, year: int = 2026) -> list[float]:
    months = [0.0] * 12
    at = datetime(year, 1, 1, tzinfo=UTC)
    while at.year == year:
        months[at.month - 1] += interval_energy_wh(household, at, fuel) / 1000
        at += SLOT
    return months


@pytest.mark.parametrize("kind", HOUSEHOLD_KINDS, ids=lambda kind: kind.name)
def test_a_year_of_gas_follows_the_winter(kind: HouseholdKind) -> None:
    gas = _monthly_kwh(Household(seed=3, kind=kind), "gas")
    assert gas[0] >= 4 * gas[6], gas  # January's heating against July's hot water and hob
    assert gas[6] > 0, "hot water and cooking use gas in summer too"
    assert gas.index(max(gas)) in (0, 1, 11), "most gas in midwinter"
    electricity = _monthly_kwh(Household(seed=3, kind=kind), "electricity")
    assert sum(electricity[10:]) + electricity[0] > sum(electricity[5:8]), "longer evenings lit"


def test_each_kind_of_household_uses_what_such_a_home_uses_in_a_year() -> None:
    yearly = {
        kind.name: (
            sum(_monthly_kwh(Household(seed=1, kind=kind), "gas")),
            sum(_monthly_kwh(Household(seed=1, kind=kind), "electricity")),
        )
        for kind in HOUSEHOLD_KINDS
    }
    # GB typical domestic consumption: gas 7,500 (low) - 17,000 (high) kWh, electricity
    # 1,800 - 4,100 kWh (higher with an electric shower).
    gas, electricity = yearly["family-semi"]
    assert 9_000 < gas < 17_000, yearly
    assert 3_000 < electricity < 5_500, yearly
    gas, electricity = yearly["single-flat"]
    assert 3_500 < gas < 8_000, yearly
    assert 1_800 < electricity < 3_800, yearly
    assert yearly["single-flat"][0] < yearly["retired-couple"][0] < yearly["family-semi"][0] * 1.2


def test_the_half_hours_of_history_are_the_live_demand_summed() -> None:
    # History (interval_energy_wh) and live readings come from one model: a half hour's energy
    # is the integral of the live demand over it (gas exactly; electricity to within its
    # smooth parts' sampling and the live wobble).
    household = Household(seed=2, kind=FAMILY_SEMI, solar_peak_w=2000)
    for start in (
        datetime(2026, 1, 14, 6, 30, tzinfo=UTC),  # heating, hot water
        datetime(2026, 1, 17, 18, 0, tzinfo=UTC),  # a Saturday: heating, hob, lights
        datetime(2026, 6, 10, 12, 0, tzinfo=UTC),  # solar
        datetime(2026, 3, 3, 19, 30, tzinfo=UTC),
    ):
        for fuel, sample, tolerance in (
            ("gas", household.gas_w, 0.003),  # a boiler cycle sampled by the second
            ("electricity", household.electricity_w, 0.03),
        ):
            live_wh = sum(sample(start + timedelta(seconds=s)) for s in range(1800)) / 3600
            modelled = interval_energy_wh(household, start, fuel)
            assert modelled == pytest.approx(max(0.0, live_wh), rel=tolerance, abs=1.0), (
                fuel,
                start,
            )


def test_weekends_and_bank_holidays_keep_their_own_routine() -> None:
    family = Household(seed=1, kind=FAMILY_SEMI)
    wednesday, saturday = datetime(2026, 1, 14, tzinfo=UTC), datetime(2026, 1, 17, tzinfo=UTC)
    christmas = datetime(2026, 12, 25, tzinfo=UTC)  # a Friday

    def heating_at_nine(day: datetime) -> float:
        return sum(family.gas_w(day.replace(hour=9, minute=m)) for m in range(20))

    assert heating_at_nine(wednesday) == 0, "out at work"
    assert heating_at_nine(saturday) > 0
    assert heating_at_nine(christmas) > 0
    assert is_bank_holiday(date(2026, 8, 31))
    assert not is_bank_holiday(date(2026, 8, 24))
    assert is_bank_holiday(date(2026, 5, 4))
    assert is_bank_holiday(date(2026, 5, 25))


def test_lights_follow_the_sunset() -> None:
    family = Household(seed=1, kind=FAMILY_SEMI)
    lit = FAMILY_SEMI.lighting_w
    december, june = (
        datetime(2026, 12, 9, 17, 0, tzinfo=UTC),
        datetime(2026, 6, 10, 17, 0, tzinfo=UTC),
    )
    # Half an hour of electricity at 17:00, lights included in December only.
    assert family.electricity_w(december) - family.electricity_w(june) == pytest.approx(lit, abs=60)


def test_a_family_away_for_a_summer_week_uses_only_its_baseload() -> None:
    family = Household(seed=5, kind=FAMILY_SEMI)
    days = [date(2026, 7, 20) + timedelta(days=n) for n in range(40)]
    away = [day for day in days if family.is_away(day)]
    assert len(away) == 7
    noon = datetime.combine(away[3], time(12), UTC)
    assert sum(interval_energy_wh(family, noon + SLOT * n, "gas") for n in range(48)) == 0
    assert family.appliances_on(noon) == []
    assert not any(Household(seed=5, kind=RETIRED_COUPLE).is_away(day) for day in days)


def test_solar_follows_the_sun_and_the_season() -> None:
    sunny = Household(seed=1, solar_peak_w=3000)

    june = sum(_solar_part(sunny, datetime(2026, 6, d, 12, tzinfo=UTC)) for d in range(1, 29))
    december = sum(_solar_part(sunny, datetime(2026, 12, d, 12, tzinfo=UTC)) for d in range(1, 29))
    assert june > 2.5 * december > 0
    assert _solar_part(sunny, datetime(2026, 12, 9, 17, tzinfo=UTC)) == 0, "dark by 17:00"
    assert _solar_part(sunny, datetime(2026, 6, 10, 19, tzinfo=UTC)) > 0, "sun at 19:00 in June"


def _solar_part(household: Household, at: datetime) -> float:
    """What the panels take off the demand at ``at``, in watts."""
    without = Household(seed=household.seed, kind=household.kind)
    return without.electricity_w(at) - household.electricity_w(at)


def test_an_unknown_kind_of_household_is_named_with_the_choices() -> None:
    with pytest.raises(ValueError, match="no household kind is called 'mansion'; choose one of "):
        household_kind("mansion")
    assert household_kind("retired-couple") is RETIRED_COUPLE
