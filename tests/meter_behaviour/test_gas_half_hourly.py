"""Gas as a GB gas meter reports it and a GB display shows it: the meter reports its gas register
at subscription, on each half hour and when the valve moves, never a demand; the display counts
each report's gas in the half hour it was used and shows use and cost so far, not kW.

The meter and the display share one clock here, which the test moves across a half hour: the
meter's simulated time and the display's time agree, as they do at ``--speed 1``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ihd_app.core.readings import GAS_KWH_PER_M3, Fuel
from ihd_app.link.pairing import AutoAccept
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.zcl import SupplyStatus
from ihd_app.service.api import UsageRange
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from ihd_app.ui import periods
from ihd_app.ui.half_hourly import half_hourly_use, is_half_hourly
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import MeterRuntime
from tests.e2e.programs import free_port
from tests.event_waiting import Events
from tests.manual_time import SharedClock

#: A November morning with the heating on (seed 1's boiler fires at 07:42 and at 08:00).
START = datetime(2026, 11, 20, 7, 42, tzinfo=UTC)
HALF_HOUR = timedelta(minutes=30)


@dataclass
class GasStack:
    clock: SharedClock
    meter: MeterRuntime
    meter_events: Events
    ihd: IhdService
    ihd_events: Events

    async def move_clock(self, to: datetime, step: timedelta = timedelta(minutes=1)) -> None:
        """Move both clocks to ``to`` a ``step`` at a time, waiting at each until the meter has
        sampled at that time (two more electricity readings: the first may have been sampled
        before the change), so its registers follow the household's demand minute by minute."""
        while self.clock.now < to:
            self.clock.now = min(self.clock.now + step, to)
            seen = len(self.ihd_events.named("reading", fuel="electricity"))
            await self.ihd_events.wait_count("reading", seen + 2, fuel="electricity")

    def gas_readings(self) -> list[dict[str, object]]:
        return self.ihd_events.named("reading", fuel="gas")


@pytest.fixture
async def gas_stack(tmp_path: Path) -> AsyncIterator[GasStack]:
    clock = SharedClock(START)
    port = free_port()
    radio = RadioSpec.parse(f"virtual:{port}")
    meter_log, ihd_log = EventLog(), EventLog()
    meter = MeterRuntime(
        MeterConfig(radio=radio, data_dir=tmp_path / "meter", report_interval_s=0.05),
        meter_log,
        clock=clock,
    )
    await meter.start()
    ihd = IhdService(
        ServiceConfig(radio, tmp_path / "ihd", backfill=False),
        ihd_log,
        pairing=AutoAccept(),
        clock=clock,
    )
    stack = GasStack(clock, meter, Events(meter_log), ihd, Events(ihd_log))
    try:
        await ihd.start()
        assert ihd.link is not None
        await ihd.connect(await ihd.link.find_meter())
        await stack.ihd_events.wait("reading", fuel="electricity")
        yield stack
    finally:
        await ihd.close()
        await meter.close()


async def test_gas_comes_at_subscription_and_each_half_hour_without_demand(
    gas_stack: GasStack,
) -> None:
    stack = gas_stack
    first = await stack.ihd_events.wait("reading", fuel="gas")
    assert first["demand_w"] is None, "a GB gas meter reports no demand"
    # Electricity goes on every 50 ms; gas says nothing more within the half hour.
    await stack.move_clock(START + timedelta(minutes=17, seconds=59))  # 07:59:59
    assert len(stack.gas_readings()) == 1
    electricity = stack.ihd.latest_reading(Fuel.ELECTRICITY)
    assert electricity is not None
    assert electricity.demand_w is not None

    await stack.move_clock(START + timedelta(minutes=18, seconds=1))  # 08:00:01
    await stack.ihd_events.wait_count("reading", 2, fuel="gas")
    second = stack.gas_readings()[-1]
    assert second["demand_w"] is None
    used_kwh = (float(second["summation_wh"]) - float(first["summation_wh"])) / 1000
    assert used_kwh > 0.5, "18 minutes of a boiler firing on and off"
    # The meter reported its register as it stood on the half hour (08:00:00), a second's gas
    # before its register now (and within the litre it is reported in).
    meter = stack.meter.snapshot()
    short_wh = meter.gas_register_wh - float(second["summation_wh"])
    assert -GAS_KWH_PER_M3 < short_wh < meter.gas_w / 3600 + GAS_KWH_PER_M3

    # The display: no demand for gas, so no kW; the half hour 07:30-08:00 holds the gas.
    gas = stack.ihd.latest_reading(Fuel.GAS)
    assert is_half_hourly(Fuel.GAS, gas)
    now = stack.clock()
    day = stack.ihd.usage(Fuel.GAS, UsageRange.DAY, periods.period_end(UsageRange.DAY, now))
    today = [i for i in day if i.start < now]
    today_kwh = sum(i.kwh for i in today)
    assert today_kwh == pytest.approx(used_kwh, rel=1e-3)
    use = half_hourly_use(
        stack.ihd, Fuel.GAS, (today_kwh, stack.ihd.cost_pence(Fuel.GAS, today) / 100)
    )
    assert use is not None
    assert (use.half_hour_start, use.half_hour_end) == (
        START.replace(minute=30),
        now.replace(second=0),
    )
    assert use.half_hour_kwh == pytest.approx(used_kwh, rel=2e-3)  # all but a second's worth
    assert use.today_kwh == pytest.approx(used_kwh, rel=1e-3)
    assert use.updated_at == now
    assert use.next_at == START.replace(hour=8, minute=30)


async def test_gas_is_reported_when_the_valve_closes(gas_stack: GasStack) -> None:
    stack = gas_stack
    await stack.ihd_events.wait("reading", fuel="gas")
    stack.meter.behaviour.close_gas_valve("gdn")
    await stack.move_clock(START + timedelta(minutes=5))
    await stack.ihd_events.wait_count("reading", 2, fuel="gas")
    gas = stack.ihd.latest_reading(Fuel.GAS)
    assert gas is not None
    assert gas.supply is SupplyStatus.OFF
    assert gas.demand_w is None
