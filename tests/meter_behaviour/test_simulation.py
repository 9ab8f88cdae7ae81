"""The simulation clock, the premises model, the threshold state machine and the meter's
persistent state, without a radio; and live readings carrying simulated energy to the IHD."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ihd_app.protocol.consent_terms import Grant, Granularity
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.zcl import SupplyStatus
from meter_emulator.behaviour.meter import describe_duration
from meter_emulator.behaviour.threshold import (
    ThresholdMonitor,
    ThresholdSetting,
    ThresholdState,
    Transition,
)
from meter_emulator.cli.main import build_parser
from meter_emulator.config import MeterConfig
from meter_emulator.delivery import Origin, StoreAndForward
from meter_emulator.runtime import MeterRuntime
from meter_emulator.scenarios.times import parse_duration, parse_time
from meter_emulator.simulation.archetypes import SINGLE_FLAT
from meter_emulator.simulation.clock import SimClock
from meter_emulator.simulation.household import Household
from meter_emulator.simulation.premises import Premises, SupplyCause, voltage_in_range
from meter_emulator.state import MeterState
from tests.meter_behaviour.support import NIGHT, Stack

WALL = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class FakeWall:
    def __init__(self) -> None:
        self.now = WALL

    def __call__(self) -> datetime:
        return self.now


def test_sim_clock_runs_faster_and_maps_delays_to_the_wall_clock() -> None:
    wall = FakeWall()
    clock = SimClock(60, start=NIGHT, wall=wall)
    assert clock.now() == NIGHT
    wall.now += timedelta(seconds=10)
    assert clock.now() == NIGHT + timedelta(minutes=10)
    assert clock.wall_after(3600) == wall.now + timedelta(minutes=1)
    clock.set_speed(1)
    wall.now += timedelta(seconds=10)
    assert clock.now() == NIGHT + timedelta(minutes=10, seconds=10)
    with pytest.raises(ValueError, match="above 0"):
        SimClock(0)
    # A scenario's "+2h" at speed 600 is 12 real seconds ahead, on the IHD's clock.
    fast = SimClock(600, wall=wall)
    assert parse_time("+2h").resolve(fast.wall_after) == wall.now + timedelta(seconds=12)
    assert parse_time("2026-12-01T10:00:00Z").resolve(fast.wall_after) == datetime(
        2026, 12, 1, 10, tzinfo=UTC
    )


def test_durations() -> None:
    assert parse_duration(90) == 90
    assert parse_duration("1h30m") == 5400
    assert parse_duration("6h 1m") == 21660
    assert parse_duration("+45s") == 45
    for bad in ("soon", -1, True, "1d"):
        with pytest.raises(ValueError, match=r"duration|negative"):
            parse_duration(bad)
    assert describe_duration(90) == "1 minute 30 seconds"
    assert describe_duration(3600) == "1 hour"
    assert describe_duration(60) == "1 minute"


def test_premises_switch_valve_voltage_and_forced_appliances() -> None:
    premises = Premises(Household(seed=1))
    quiet = premises.load_w(NIGHT)
    assert quiet < 500
    premises.set_appliance("washing-machine", True)
    assert premises.load_w(NIGHT) == pytest.approx(quiet + 2000, abs=1)
    premises.set_appliance("washing machine", None)
    assert premises.load_w(NIGHT) == quiet
    with pytest.raises(ValueError, match="known: kettle"):
        premises.set_appliance("sauna", True)
    day = [NIGHT + timedelta(minutes=m) for m in range(0, 24 * 60, 7)]
    assert all(voltage_in_range(premises.network_voltage(t)) for t in day)
    premises.off_causes.add(SupplyCause.POWER_THRESHOLD)
    assert premises.electricity_w(NIGHT) == 0
    assert premises.supply_status(electricity=True) is SupplyStatus.OFF
    premises.gas_valve_open = False
    assert premises.gas_w(NIGHT.replace(hour=7)) == 0
    assert premises.supply_status(electricity=False) is SupplyStatus.OFF
    premises.off_causes = {SupplyCause.NETWORK_OUTAGE}
    assert premises.network_voltage(NIGHT) == 0


def test_threshold_state_machine() -> None:
    monitor = ThresholdMonitor(ThresholdSetting(threshold_kw=3, grace_s=60))
    assert monitor.evaluate(2000, NIGHT) is None
    assert monitor.evaluate(3500, NIGHT) is Transition.WARN
    assert monitor.evaluate(3500, NIGHT + timedelta(seconds=59)) is None
    assert monitor.evaluate(2500, NIGHT + timedelta(seconds=59)) is Transition.CLEAR
    assert monitor.evaluate(3500, NIGHT + timedelta(seconds=70)) is Transition.WARN
    assert monitor.evaluate(3500, NIGHT + timedelta(seconds=130)) is Transition.INTERRUPT
    assert monitor.state is ThresholdState.INTERRUPTED
    assert monitor.evaluate(0, NIGHT + timedelta(seconds=140)) is None
    monitor.restored()
    assert monitor.state is ThresholdState.NORMAL
    assert ThresholdMonitor().evaluate(99_000, NIGHT) is None


def test_meter_state_counters_consent_threshold(tmp_path: Path) -> None:
    state = MeterState(tmp_path / "state.json")
    first = state.next_issued("dno")
    assert state.next_issued("dno") > first
    dno = Grant(
        "dno", "network-planning", Granularity.DAILY, None, datetime(2026, 1, 1, tzinfo=UTC)
    )
    state.set_grants([dno])
    state.set_threshold((3.5, 30))
    again = MeterState(tmp_path / "state.json")
    assert again.next_issued("dno") > first + 1
    assert again.grants == [dno]
    assert again.threshold == (3.5, 30)


def test_store_and_forward_keeps_order_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "queue.json"
    queue = StoreAndForward(path)
    a = queue.put(b"\x01garbage", Origin.ATTACK, "a", WALL.isoformat())
    queue.put(b"\x02garbage", Origin.FILE, "b", WALL.isoformat(), persist=False)
    queue.put(b"\x03garbage", Origin.METER, "c", WALL.isoformat())
    assert len(a.key) == 32
    reloaded = StoreAndForward(path)
    assert [item.label for item in reloaded.pending()] == ["a", "c"]
    head = reloaded.head()
    assert head is not None
    reloaded.remove(head.seq)
    assert [item.label for item in StoreAndForward(path).pending()] == ["c"]
    assert reloaded.put(b"\x04", Origin.METER, "d", "").seq > head.seq


async def test_live_readings_carry_simulated_energy(stack: Stack) -> None:
    """At 10x, a second of readings holds ten seconds' energy."""
    stack.meter.behaviour.set_appliance("shower", True)
    demand = stack.meter.snapshot().electricity_w
    readings = stack.ihd_events
    before = len(readings.named("reading", fuel="electricity"))
    first = (await readings.wait_count("reading", before + 2, fuel="electricity"))[-1]
    last = (await readings.wait_count("reading", before + 22, fuel="electricity"))[-1]
    wall_s = (
        datetime.fromisoformat(last["ts"]) - datetime.fromisoformat(first["ts"])
    ).total_seconds()
    energy = last["summation_wh"] - first["summation_wh"]
    expected = demand * 10 * wall_s / 3600
    assert energy == pytest.approx(expected, rel=0.3)


def test_solar_panels_export_at_midday_through_the_meter(tmp_path: Path) -> None:
    noon = datetime(2026, 6, 21, 12, 0, tzinfo=UTC)
    sunny = MeterRuntime(
        MeterConfig(
            radio=RadioSpec.parse("virtual"),
            data_dir=tmp_path,
            solar_kw=4.0,
            sim_start=noon,
            speed=1,
        ),
        EventLog(),
    )
    # 4 kW of panels under that day's cloud export well over a kilowatt beyond the house's use.
    assert sunny.snapshot().electricity_w < -1000


def test_the_household_chosen_at_start_is_the_one_the_meter_measures(tmp_path: Path) -> None:
    args = build_parser().parse_args(["--household", "single-flat", "--headless"])
    flat = MeterRuntime(
        MeterConfig(
            radio=RadioSpec.parse("virtual"),
            data_dir=tmp_path,
            household=args.household,
            sim_start=datetime(2026, 1, 14, 12, 0, tzinfo=UTC),
        ),
        EventLog(),
    )
    assert flat.household.kind is SINGLE_FLAT
    # Midday on a working day in January: the flat is empty, its heating off, the lights off.
    assert flat.snapshot().gas_w == 0
    assert flat.snapshot().electricity_w < SINGLE_FLAT.baseload_w + 250
