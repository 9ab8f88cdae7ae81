"""The meter's live readings: its registers advanced by the household's demand on the simulation
clock, and reported to a subscribed IHD on Metering at a fixed cadence (the formatting first on
each connection), as ZSE meters do."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from ihd_app.protocol.zcl import (
    METERING,
    Endpoint,
    ReportAttributes,
    Unit,
    UnitOfMeasure,
    formatting_report,
    metering_record,
)
from ihd_app.protocol.zcl.clusters import MeteringAttribute
from meter_emulator.behaviour.meter import MeterBehaviour
from meter_emulator.gatt import MeterGattServer
from meter_emulator.simulation.clock import SimClock
from meter_emulator.simulation.premises import Premises

#: Demand and register are reported in thousandths of a kWh (W and Wh) for electricity and in
#: dm3 (litres) for gas, as ZSE meters commonly do.
DIVISOR = 1000
#: Gas: kWh of heat per m3 (GB volume correction x calorific value / 3.6).
GAS_KWH_PER_M3 = 1.02264 * 39.5 / 3.6


class LiveReports:
    """Keeps the registers and reports them with the demand and the supply status.

    Args:
        server: The GATT server, once the meter has started.
        behaviour: The meter's behaviour (samples the demand).
        premises: The premises (supply status).
        sim: The simulation clock.
    """

    def __init__(
        self,
        server: Callable[[], MeterGattServer | None],
        behaviour: MeterBehaviour,
        premises: Premises,
        sim: SimClock,
    ) -> None:
        self._server = server
        self._behaviour = behaviour
        self._premises = premises
        self._sim = sim
        self.registers_wh = {Endpoint.ELECTRICITY: 4_215_300.0, Endpoint.GAS: 18_450_000.0}
        self._formatting_sent = False
        self._last_sample_at: datetime | None = None

    def link_dropped(self) -> None:
        """The IHD disconnected: send the formatting again on its next connection."""
        self._formatting_sent = False

    async def run(self, interval: float) -> None:
        """Report every ``interval`` seconds, until cancelled."""
        loop = asyncio.get_running_loop()
        next_tick = loop.time()
        while True:
            next_tick += interval
            # A timer, not synchronisation: the meter reports on a fixed cadence.
            await asyncio.sleep(max(0.0, next_tick - loop.time()))
            await self.report_once(interval)

    async def report_once(self, interval_s: float) -> None:
        """Advance the registers; report them if an IHD listens on a secure link."""
        server = self._server()
        if server is None:
            return
        sample = self._behaviour.sample()
        # Energy over the simulated time since the last report (``--speed`` makes it more).
        elapsed = (
            interval_s * self._sim.speed
            if self._last_sample_at is None
            else max(0.0, (sample.at - self._last_sample_at).total_seconds())
        )
        self._last_sample_at = sample.at
        demand = {Endpoint.ELECTRICITY: sample.electricity_w, Endpoint.GAS: sample.gas_w}
        supply = {
            Endpoint.ELECTRICITY: self._premises.supply_status(electricity=True),
            Endpoint.GAS: self._premises.supply_status(electricity=False),
        }
        for endpoint, watts in demand.items():
            self.registers_wh[endpoint] += max(0.0, watts) * elapsed / 3600
        if not (server.ihd_secure and server.is_subscribed("Metering")):
            return
        if not self._formatting_sent:
            for endpoint, unit in (
                (Endpoint.ELECTRICITY, UnitOfMeasure.KWH),
                (Endpoint.GAS, UnitOfMeasure.M3),
            ):
                report = formatting_report(unit, 1, DIVISOR)
                await server.notify_metering(
                    Unit.of(report, cluster_id=METERING, endpoint=endpoint).encode()
                )
            self._formatting_sent = True
        for endpoint, watts in demand.items():
            register = self.registers_wh[endpoint]
            if endpoint is Endpoint.GAS:
                # Gas is metered in litres (dm3): W of heat -> dm3/h, Wh -> dm3.
                demand_raw = round(watts / GAS_KWH_PER_M3)
                register_raw = round(register / GAS_KWH_PER_M3)
            else:
                demand_raw, register_raw = round(watts), round(register)
            report = ReportAttributes(
                (
                    metering_record(MeteringAttribute.INSTANTANEOUS_DEMAND, demand_raw),
                    metering_record(MeteringAttribute.CURRENT_SUMMATION_DELIVERED, register_raw),
                    metering_record(MeteringAttribute.SUPPLY_STATUS, supply[endpoint]),
                )
            )
            await server.notify_metering(
                Unit.of(report, cluster_id=METERING, endpoint=endpoint).encode()
            )
