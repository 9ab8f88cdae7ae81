"""Figures are said in words a speech engine reads naturally, not symbols it spells out."""

from __future__ import annotations

import pytest

from ihd_app.ui import spoken


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (2.45, "2 pounds 45"),
        (1.0, "1 pound"),
        (1.05, "1 pound 05"),
        (0.45, "45 pence"),
        (0.0, "0 pence"),
        (12.999, "13 pounds"),
        (-0.3, "minus 30 pence"),
    ],
)
def test_money_is_said_in_pounds_and_pence(value: float, said: str) -> None:
    assert spoken.pounds(value) == said


def test_cost_per_hour_is_said_as_home_shows_it() -> None:
    # Home: "35.5p per hour" below a pound, "£1.24 per hour" from a pound.
    assert spoken.per_hour(0.355) == "35.5 pence an hour"
    assert spoken.per_hour(0.30) == "30 pence an hour"
    assert spoken.per_hour(1.24) == "1 pound 24 an hour"


def test_energy_power_and_rates_are_said_in_words() -> None:
    assert spoken.kilowatt_hours(9.8) == "9.8 kilowatt hours"
    assert spoken.kilowatt_hours(10.0) == "10 kilowatt hours"
    assert spoken.demand(1240) == "using 1.24 kilowatts"
    assert spoken.demand(-500) == "exporting 0.5 kilowatts"
    assert spoken.pence_per_kwh(24.86) == "24.86 pence per kilowatt hour"
    assert spoken.pence_per_kwh(38.2) == "38.2 pence per kilowatt hour"


@pytest.mark.parametrize(
    ("written", "said"),
    [
        (
            "From 1 February your Peak unit rate will be 27.9p/kWh (was 28.6p/kWh).",
            "From 1 February your Peak unit rate will be 27.9 pence per kilowatt hour "
            "(was 28.6 pence per kilowatt hour).",
        ),
        ("You are using more than 3.0 kW.", "You are using more than 3.0 kilowatts."),
        ("A credit of £2.45 and £10 today.", "A credit of 2 pounds 45 and 10 pounds today."),
        ("£1,250.00 owed", "1250 pounds owed"),
        ("9.8 kWh used, 35.5p per hour", "9.8 kilowatt hours used, 35.5 pence per hour"),
        ("Price per kWh: 20 p / kWh", "Price per kWh: 20 pence per kilowatt hour"),
        ("Gas supply turned off at 18:00.", "Gas supply turned off at 18:00."),
    ],
)
def test_a_messages_symbols_are_said_in_words(written: str, said: str) -> None:
    assert spoken.in_words(written) == said
