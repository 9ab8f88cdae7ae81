"""The flexible loads behind the meter: the EV charger and immersion heater draw their power
while plugged in, except inside a window in which load control holds their class off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ihd_app.protocol.zcl import DeviceClass
from meter_emulator.simulation.flexible_loads import Deferral, flexible_load_named
from meter_emulator.simulation.household import Household
from meter_emulator.simulation.premises import Premises

NIGHT = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def test_plugged_in_loads_add_to_demand_and_a_deferral_takes_only_its_class_off() -> None:
    premises = Premises(Household(seed=1))
    base = premises.load_w(NIGHT)
    premises.flexible.plug_in("ev-charger", True)
    premises.flexible.plug_in("immersion-heater", True)
    assert premises.load_w(NIGHT) == pytest.approx(base + 10_000.0)
    window = Deferral(1, "dno", DeviceClass.ELECTRIC_VEHICLE, NIGHT, NIGHT + timedelta(hours=1))
    premises.flexible.deferrals.append(window)
    assert premises.load_w(NIGHT + timedelta(minutes=30)) == pytest.approx(
        premises.household.electricity_w(NIGHT + timedelta(minutes=30)) + 3_000.0
    )
    # The window is a fact about time: before and after it the charger runs.
    assert [load.name for load in premises.flexible.running(NIGHT - timedelta(seconds=1))] == [
        "ev-charger",
        "immersion-heater",
    ]
    assert [load.name for load in premises.flexible.held_off(NIGHT + timedelta(hours=1))] == []
    premises.flexible.plug_in("ev-charger", False)
    assert premises.flexible.held_off(NIGHT) == []


def test_an_unknown_load_is_named_with_the_ones_there_are() -> None:
    with pytest.raises(ValueError, match=r"no flexible load 'heat pump' \(known: ev-charger"):
        flexible_load_named("heat pump")
    assert flexible_load_named("EV charger").name == "ev-charger"
