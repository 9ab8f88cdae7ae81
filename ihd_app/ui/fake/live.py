"""Live readings for the fake service, so the demo display moves (``python -m ihd_app.ui``)."""

from __future__ import annotations

import asyncio
import math
import random
from datetime import UTC, datetime

from ihd_app.core.readings import Fuel, Reading
from ihd_app.protocol.zcl import SupplyStatus
from ihd_app.ui.fake.demo_data import populate
from ihd_app.ui.fake.service import FakeService


async def simulate_readings(service: FakeService, period_s: float = 2.0) -> None:
    """A reading of each fuel every ``period_s`` until cancelled."""
    rng = random.Random(11)  # noqa: S311 - demo noise, not security
    summation = {Fuel.ELECTRICITY: 18_442_180.0, Fuel.GAS: 81_220_400.0}
    step = 0
    while True:
        now = datetime.now(UTC)
        electricity = 900 + 700 * (1 + math.sin(step / 15)) / 2 + rng.gauss(0, 60)
        gas_reading = service.latest_reading(Fuel.GAS)
        gas_off = gas_reading is not None and gas_reading.supply is SupplyStatus.OFF
        gas = 0.0 if gas_off else 3800 + rng.gauss(0, 150)
        for fuel, watts in ((Fuel.ELECTRICITY, electricity), (Fuel.GAS, gas)):
            summation[fuel] += watts * period_s / 3600
            supply = SupplyStatus.OFF if fuel is Fuel.GAS and gas_off else SupplyStatus.ON
            service.inject_reading(Reading(fuel, now, watts, summation[fuel], supply))
        step += 1
        await asyncio.sleep(period_s)


class DemoService(FakeService):
    """The fake service with the demo household and moving live readings."""

    def __init__(self) -> None:
        super().__init__(backfill_steps=40)
        self._live_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await super().start()
        self._live_task = asyncio.ensure_future(simulate_readings(self))

    async def close(self) -> None:
        if self._live_task is not None:
            self._live_task.cancel()
            await asyncio.gather(self._live_task, return_exceptions=True)
            self._live_task = None
        await super().close()


async def demo_service() -> DemoService:
    """A factory for :func:`ihd_app.ui.app.run_gui`: the demo household, now."""
    service = DemoService()
    populate(service, datetime.now(UTC))
    return service
