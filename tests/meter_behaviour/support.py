"""The meter emulator and the real IHD service in one process, and event waiting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ihd_app.link.pairing import AutoAccept
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import MeterRuntime
from tests.e2e.programs import free_port
from tests.event_waiting import Events

#: A quiet night: no appliance of the household model runs at 03:00, so demand is only the
#: baseload and the fridge (well under 1 kW) unless a test switches something on.
NIGHT = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@dataclass
class Stack:
    """A meter and an IHD connected over the virtual radio on loopback."""

    port: int
    meter: MeterRuntime
    meter_events: Events
    ihd: IhdService | None
    ihd_events: Events
    tmp_path: Path

    async def start_ihd(self, *, backfill: bool = False) -> None:
        """Start (or restart) the IHD and connect it to the meter."""
        log = EventLog()
        self.ihd_events = Events(log)
        self.ihd = IhdService(
            ServiceConfig(
                RadioSpec.parse(f"virtual:{self.port}"), self.tmp_path / "ihd", backfill=backfill
            ),
            log,
            pairing=AutoAccept(),
        )
        await self.ihd.start()
        assert self.ihd.link is not None
        known = self.ihd.paired.get()
        sessions = len(self.meter_events.named("session.established"))
        await self.ihd.connect(known.address if known else await self.ihd.link.find_meter())
        # The display is ready once it holds the meter's proof; the meter serves it once the
        # proof's indication is confirmed, a moment later.
        await self.meter_events.wait_count("session.established", sessions + 1)

    async def stop_ihd(self) -> None:
        """Close the IHD (the meter sees the link go)."""
        assert self.ihd is not None
        await self.ihd.close()
        self.ihd = None

    async def restart_meter(self) -> None:
        """Stop the meter and start a new one on the same radio port and data dir."""
        config = self.meter.config
        await self.meter.close()
        log = EventLog()
        self.meter_events = Events(log)
        self.meter = MeterRuntime(config, log)
        await self.meter.start()

    async def close(self) -> None:
        if self.ihd is not None:
            await self.ihd.close()
        await self.meter.close()


async def start_stack(
    tmp_path: Path,
    *,
    speed: float = 1.0,
    sim_start: datetime = NIGHT,
    with_ihd: bool = True,
    report_interval_s: float = 0.05,
) -> Stack:
    port = free_port()
    meter_log = EventLog()
    meter_events = Events(meter_log)
    meter = MeterRuntime(
        MeterConfig(
            radio=RadioSpec.parse(f"virtual:{port}"),
            data_dir=tmp_path / "meter",
            speed=speed,
            sim_start=sim_start,
            report_interval_s=report_interval_s,
        ),
        meter_log,
    )
    await meter.start()
    stack = Stack(port, meter, meter_events, None, Events(EventLog()), tmp_path)
    if with_ihd:
        await stack.start_ihd()
    return stack
