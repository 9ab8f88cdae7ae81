"""The meter's live readings: its registers advanced by the household's demand on the simulation
clock, and reported to a subscribed IHD on Metering (the formatting first to each new listener),
as GB meters do: electricity at a fixed cadence with its instantaneous demand; gas, from a
battery-powered meter, at subscription, at each half hour of the simulated clock and when the
valve opens or closes, with its register and valve only (a GB gas meter measures no demand).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from ihd_app.protocol.zcl import (
    METERING,
    AttributeRecord,
    Endpoint,
    ReportAttributes,
    SupplyStatus,
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
#: A GB gas meter's reporting period.
HALF_HOUR = timedelta(minutes=30)


def half_hour_floor(moment: datetime) -> datetime:
    """The start of the half hour holding ``moment``."""
    return moment.replace(minute=0 if moment.minute < 30 else 30, second=0, microsecond=0)


class LiveReports:
    """Keeps the registers and reports them (electricity with its demand) and the supply status.

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
        self._last_sample_at: datetime | None = None
        #: The links told the formatting and the gas reading (new ones are told at once).
        self._told: frozenset[tuple[str, int]] = frozenset()
        #: The valve state the last gas report gave.
        self._gas_valve_reported: SupplyStatus | None = None

    def link_dropped(self) -> None:
        """The IHD disconnected: send the formatting and gas again on its next connection."""
        self._told = frozenset()

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
        previous_at = self._last_sample_at
        # Energy over the simulated time since the last report (``--speed`` makes it more).
        elapsed = (
            interval_s * self._sim.speed
            if previous_at is None
            else max(0.0, (sample.at - previous_at).total_seconds())
        )
        self._last_sample_at = sample.at
        demand = {Endpoint.ELECTRICITY: sample.electricity_w, Endpoint.GAS: sample.gas_w}
        for endpoint, watts in demand.items():
            self.registers_wh[endpoint] += max(0.0, watts) * elapsed / 3600
        if not (server.ihd_secure and server.is_subscribed("Metering")):
            self._told = frozenset()
            return
        listeners = frozenset(
            (ihd_id, connection.handle)
            for ihd_id, connection in server.listeners("Metering").items()
        )
        newcomer = bool(listeners - self._told)
        self._told = listeners
        if newcomer:
            for endpoint, unit in (
                (Endpoint.ELECTRICITY, UnitOfMeasure.KWH),
                (Endpoint.GAS, UnitOfMeasure.M3),
            ):
                report = formatting_report(unit, 1, DIVISOR)
                await server.notify_metering(
                    Unit.of(report, cluster_id=METERING, endpoint=endpoint).encode()
                )
        electricity = self.registers_wh[Endpoint.ELECTRICITY]
        await self._notify(
            server,
            Endpoint.ELECTRICITY,
            (
                metering_record(
                    MeteringAttribute.INSTANTANEOUS_DEMAND, round(sample.electricity_w)
                ),
                metering_record(MeteringAttribute.CURRENT_SUMMATION_DELIVERED, round(electricity)),
                metering_record(
                    MeteringAttribute.SUPPLY_STATUS,
                    self._premises.supply_status(electricity=True),
                ),
            ),
        )
        gas_register = self._gas_register_due(
            sample.at, previous_at, sample.gas_w, newcomer=newcomer
        )
        if gas_register is not None:
            # Gas is metered in litres (dm3): Wh of heat -> dm3. No InstantaneousDemand: a GB
            # gas meter has none, and a 0 would tell the display no gas is being used.
            await self._notify(
                server,
                Endpoint.GAS,
                (
                    metering_record(
                        MeteringAttribute.CURRENT_SUMMATION_DELIVERED,
                        round(gas_register / GAS_KWH_PER_M3),
                    ),
                    metering_record(MeteringAttribute.SUPPLY_STATUS, self._gas_valve()),
                ),
            )

    def _gas_valve(self) -> SupplyStatus:
        return self._premises.supply_status(electricity=False)

    def _gas_register_due(
        self, at: datetime, previous_at: datetime | None, gas_w: float, *, newcomer: bool
    ) -> float | None:
        """The gas register to report now (Wh), or ``None`` when no gas report is due.

        Due to a new listener, at the first sample of a new half hour (the register as it
        stood on the half hour, as a gas meter logs it), and when the valve opened or closed.
        """
        half_hour, valve = half_hour_floor(at), self._gas_valve()
        register = self.registers_wh[Endpoint.GAS]
        crossed = previous_at is not None and half_hour_floor(previous_at) != half_hour
        if crossed:
            # The register went on past the half hour since the previous sample: take back
            # what the gas burnt after it (the demand is held from one sample to the next).
            register -= max(0.0, gas_w) * (at - half_hour).total_seconds() / 3600
        elif not newcomer and self._gas_valve_reported is valve:
            return None
        self._gas_valve_reported = valve
        return register

    @staticmethod
    async def _notify(
        server: MeterGattServer, endpoint: Endpoint, records: tuple[AttributeRecord, ...]
    ) -> None:
        report = ReportAttributes(records)
        await server.notify_metering(
            Unit.of(report, cluster_id=METERING, endpoint=endpoint).encode()
        )
