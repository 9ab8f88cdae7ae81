"""A real meter runtime (not on the air) whose wall and simulation clocks move only when the
test says, with the operators' view of network data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.consent_terms import Grant, Granularity
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.radio_spec import RadioSpec
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import MeterRuntime
from meter_emulator.simulation.clock import SimClock

#: A June afternoon: the sun is up, the panels export.
START = datetime(2026, 6, 20, 15, 0, tzinfo=UTC)
YEAR = timedelta(days=365)


@dataclass
class Meter:
    runtime: MeterRuntime
    events: list[dict[str, Any]]
    now: list[datetime]

    def advance(self, delta: timedelta) -> None:
        self.now[0] += delta

    def named(self, name: str, **fields: Any) -> list[dict[str, Any]]:
        return [
            e
            for e in self.events
            if e["event"] == name and all(e.get(k) == v for k, v in fields.items())
        ]

    def consent(self, party: str, purpose: str, level: Granularity | None) -> None:
        self.runtime.state.set_grants(
            [Grant(party, purpose, level, self.now[0] + YEAR, self.now[0])]
        )

    def ask(self, role: str, kind: str, periods: int = 48, **details: Any) -> str:
        request = MessageRequest(
            "netdata.request", periods=periods, extra_details={"kind": kind, **details}
        )
        return self.runtime.operator.send(role, request).key


def manual_meter(tmp_path: Path) -> Meter:
    """A meter with 4 kW of solar panels, on a June afternoon that moves only by hand."""
    now = [START]
    log = EventLog()
    events: list[dict[str, Any]] = []
    log.subscribe(events.append)
    runtime = MeterRuntime(
        MeterConfig(radio=RadioSpec.parse("virtual:1"), data_dir=tmp_path / "meter", solar_kw=4.0),
        log,
        clock=lambda: now[0],
        sim=SimClock(1.0, START, wall=lambda: now[0]),
    )
    return Meter(runtime, events, now)
