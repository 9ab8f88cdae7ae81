"""Issue K item 3 in two processes over the virtual radio: the household gives the DNO consent
on the display (``ihd --headless --commands -``); the meter's scenario asks, as the DNO, for
half-hourly voltage, export and outage records, as the gas network for gas demand it has no
consent for, then subscribes to voltage pushed every half hour until the household withdraws
its consent on the display. The test reads what the operators opened with their own keys."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from meter_emulator.simulation.voltage import HIGH_LIMIT_V, LOW_LIMIT_V
from meter_emulator.simulation.weather import daylight
from tests.e2e.programs import Program, free_port, headless_args
from tests.e2e.test_consent_two_processes import say, start_ihd

SCENARIO = """
[scenario]
title = "The DNO's network data, with and without consent"
description = "Voltage, export, outage records, energisation, gas demand and a push."
speed = 1800

[[step]]
at = 0
action = "wait-for"
event = "consent.stored"
match = { "consent.dno/voltage-quality" = "half-hourly" }
timeout_s = 120

[[step]]
at = 0
action = "send"
role = "dno"
type = "netdata.request"
kind = "voltage"
periods = 48
name = "volts"

[[step]]
at = 0
action = "send"
role = "dno"
type = "netdata.request"
kind = "export"
periods = 48
name = "export"

[[step]]
at = 0
action = "send"
role = "dno"
type = "netdata.request"
kind = "outages"
periods = 48
name = "outages"

[[step]]
at = 0
action = "send"
role = "gdn"
type = "netdata.request"
kind = "gas-demand"
periods = 48
name = "gas"

[[step]]
at = 0
action = "outage-start"

[[step]]
at = 0
action = "send"
role = "dno"
type = "netdata.request"
kind = "energisation"
name = "status"

[[step]]
at = 0
action = "outage-end"

[[step]]
at = 0
action = "send"
role = "dno"
type = "netdata.request"
kind = "outages"
periods = 2
name = "outage-log"

[[step]]
at = 0
action = "send"
role = "dno"
type = "netdata.subscribe"
kind = "voltage"
interval_min = 30
name = "push"

[[step]]
at = 0
action = "wait-for"
event = "netdata.push-stopped"
match = { key = "@push" }
timeout_s = 120
"""


def _half_hour_in_the_dark(row: dict[str, Any]) -> bool:
    start = datetime.fromisoformat(row["start"])
    sun = daylight(start.date())
    hour = start.hour + start.minute / 60
    return hour + 0.5 <= sun.sunrise or hour >= sun.sunset


async def test_network_data_answered_under_consent_and_pushed_until_withdrawn(
    started_programs: list[Program], tmp_path: Path
) -> None:
    port = free_port()
    script = tmp_path / "network.toml"
    script.write_text(SCENARIO, encoding="utf-8")
    meter = await Program.start(
        "meter-emulator",
        headless_args(
            port,
            tmp_path / "meter",
            "--scenario",
            str(script),
            "--exit-when-done",
            "--solar-kw",
            "10",
        ),
    )
    started_programs.append(meter)
    await meter.wait_for("scenario.started")
    ihd = await start_ihd(port, tmp_path / "ihd")
    started_programs.append(ihd)
    await say(ihd, "consent dno network-planning half-hourly")
    await say(ihd, "consent dno voltage-quality half-hourly")

    # Voltage: 48 half hours, each within the statutory range, as the DNO's key opened them.
    volts = await meter.wait_for("netdata.delivered", timeout=120, kind="voltage", push=0)
    assert volts["opened_by_operator"], volts["operator_problem"]
    assert len(volts["operator_rows"]) == 48
    for row in volts["operator_rows"]:
        assert LOW_LIMIT_V <= row["min_v"] <= row["mean_v"] <= row["max_v"] <= HIGH_LIMIT_V

    # Export: nothing in the dark, something while the sun is up on 10 kW of panels.
    export = await meter.wait_for("netdata.delivered", kind="export")
    rows = export["operator_rows"]
    assert len(rows) == 48
    assert all(r["wh"] == 0 for r in rows if _half_hour_in_the_dark(r))
    assert sum(r["wh"] for r in rows) > 0

    # No power cut in the last day: "no data found", signed and sealed all the same.
    outages = await meter.wait_for("netdata.delivered", kind="outages")
    assert outages["status"] == "no-data"
    assert outages["opened_by_operator"]
    assert outages["detail"] == "No outage records recorded in that period."

    # The gas network has no consent for half-hourly gas demand: refused, naming what it may ask.
    gas = await meter.wait_for("netdata.refused", kind="gas-demand")
    assert gas["party"] == "gdn"
    assert gas["allowed"] == "monthly"
    assert "ask for monthly totals" in gas["detail"]

    # During the power cut the meter says the network supplies nothing (seed 13), and afterwards
    # its outage log has the interruption (seed 16), both by the DNO's licence.
    status = await meter.wait_for("netdata.delivered", kind="energisation")
    assert status["basis"] == "licence"
    assert status["operator_rows"][0]["network_power"] is False
    assert status["operator_rows"][0]["supply"] == "off"
    log = await meter.wait_for("netdata.delivered", kind="outages")
    (outage,) = log["operator_rows"]
    assert outage["end"] is not None
    assert datetime.fromisoformat(outage["end"]) >= datetime.fromisoformat(outage["start"])

    # Pushed every half hour of the meter's (fast) clock until the household withdraws consent.
    subscribed = await meter.wait_for("netdata.subscribed", kind="voltage")
    for push in (1, 2):
        pushed = await meter.wait_for(
            "netdata.delivered", timeout=60, key=subscribed["key"], push=push
        )
        assert pushed["opened_by_operator"]
        assert len(pushed["operator_rows"]) == 1
    await say(ihd, "consent dno voltage-quality none")
    stopped = await meter.wait_for("netdata.push-stopped", timeout=120, key=subscribed["key"])
    assert "has not been given" in stopped["reason"]
    code, stderr = await meter.exited(timeout=60)
    assert code == 0, stderr

    # The household's data-access log on the display heard of every answer and refusal.
    for key in (volts["key"], gas["key"]):
        entry = await ihd.wait_for("data.access.logged", timeout=30, key=key)
        assert entry["party"] in ("dno", "gdn")
