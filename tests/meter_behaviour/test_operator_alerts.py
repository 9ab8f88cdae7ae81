"""Meter alerts reach the operator that owns them, verified (seed use cases 14, 15, 18, gas 03):
a meter and the real IHD service on the virtual radio in one process; the meter's behaviour
raises the events, the meter signs the alerts, each operator's inbox verifies them.

The simulation clock runs on a clock of its own, so a 47-minute outage passes without waiting
(the wall clock, which stamps and checks envelopes, stays real for the display's sake)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ihd_app.protocol.alerts import MeterAlert, Severity, sign_alert
from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.zcl import Importance
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import MeterRuntime
from meter_emulator.simulation.clock import SimClock
from tests.e2e.programs import free_port
from tests.event_waiting import Events
from tests.meter_behaviour.support import NIGHT, Stack


class _SimWall:
    """The wall clock the simulation reads: real time plus what the test skipped."""

    def __init__(self) -> None:
        self.skipped = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.skipped


@pytest.fixture
async def alerting(tmp_path: Path) -> AsyncIterator[tuple[Stack, _SimWall]]:
    port = free_port()
    log = EventLog()
    events = Events(log)
    sim_wall = _SimWall()
    meter = MeterRuntime(
        MeterConfig(
            radio=RadioSpec.parse(f"virtual:{port}"),
            data_dir=tmp_path / "meter",
            report_interval_s=0.05,
            alerts_out=tmp_path / "alerts.jsonl",
        ),
        log,
        sim=SimClock(1.0, NIGHT, wall=sim_wall),
    )
    await meter.start()
    stack = Stack(port, meter, events, None, Events(EventLog()), tmp_path)
    await stack.start_ihd()
    yield stack, sim_wall
    await stack.close()


async def test_outage_restoration_and_safety_alarm_reach_their_operators_verified(
    alerting: tuple[Stack, _SimWall], tmp_path: Path
) -> None:
    stack, sim_wall = alerting
    meter, events = stack.meter, stack.meter_events
    meter_id = meter.meter_id

    meter.behaviour.start_outage()
    gasp = await events.wait("operator.alert", kind="outage")
    assert gasp["role"] == "dno"
    assert gasp["verified"] is True
    assert gasp["facts"] == {"last_gasp": True}
    assert gasp["signer"] == meter_id, "the verified signer is the meter"
    assert gasp["severity"] == "critical"

    sim_wall.skipped += timedelta(minutes=47)
    meter.behaviour.end_outage()
    back = await events.wait("operator.alert", kind="outage-restored")
    assert back["role"] == "dno"
    assert back["code"] == "0x8F36", "an outage of 3 minutes or more (GBCS)"
    assert 2820 <= back["facts"]["outage_s"] <= 2830
    assert "47 minutes" in back["summary"]

    meter.behaviour.safety_alarm("The meter case was opened.")
    safety = await events.wait("operator.alert", kind="safety")
    tamper = await events.wait("operator.alert", kind="tamper")
    assert (safety["role"], safety["code"]) == ("dno", "0x8F3F")
    assert (tamper["role"], tamper["code"]) == ("supplier", "0x8F3F")
    # The household is told too, as before: the alarm reaches the display.
    await stack.ihd_events.wait("message.accepted", type="safety.alarm")

    meter.behaviour.gas_safety_alarm("Gas flowing faster than any appliance draws.")
    gas = await events.wait("operator.alert", kind="gas-safety")
    assert (gas["role"], gas["code"]) == ("gdn", "0x81BF")
    assert gas["code_name"] == "Supply Disabled Then Armed - Uncontrolled Gas Flow Rate"
    await stack.ihd_events.wait_count("message.accepted", 2, type="safety.alarm")
    meter.behaviour.open_gas_valve()

    meter.operator.send(
        "gdn",
        MessageRequest(
            "gas.supply-disabled",
            text="Your gas supply has been turned off for safety.",
            importance=Importance.CRITICAL,
        ),
    )
    valves = await events.wait_count("operator.alert", 2, kind="gas-valve-closed")
    assert [v["role"] for v in valves] == ["gdn", "gdn"]

    inbox = meter.inbox
    assert [e.alert.kind for e in inbox.entries("dno") if e.alert] == [
        "outage",
        "outage-restored",
        "safety",
    ]
    assert [e.alert.kind for e in inbox.entries("supplier") if e.alert] == ["tamper"]
    assert all(e.verified for e in inbox.entries())
    assert not events.named("operator.alert-refused")
    lines = (tmp_path / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    written = [json.loads(line) for line in lines]
    assert [w["kind"] for w in written] == [
        "outage",
        "outage-restored",
        "safety",
        "tamper",
        "gas-safety",
        "gas-valve-closed",
        "gas-valve-closed",
    ]
    assert all(w["verified"] and w["signer"] == meter_id for w in written)
    # An alert handed to the meter is not for it: refused, never forwarded to the display.
    gasp_again = MeterAlert("outage", None, Severity.CRITICAL, meter.wall_now(), "Power lost.")
    verdict = meter.forward(
        sign_alert(
            meter.identity,
            meter_id,
            gasp_again,
            counter=meter.next_counter(meter.identity),
            issued_at=meter.wall_now(),
        )
    )
    assert verdict.reason is not None
    assert verdict.reason.value == "unknown-command"
