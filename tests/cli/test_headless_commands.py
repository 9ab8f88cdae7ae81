"""The headless display's command channel: each line carried out on the service, or refused
with one sentence saying what is wrong and what to do."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

from ihd_app.headless.commands import HeadlessCommands
from ihd_app.protocol.consent_terms import Granularity
from ihd_app.protocol.demand_response import FlexibilityEvent
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.zcl import DeviceClass, EventStatus
from tests.ui.fakes import DEMO_NOW, make_service


def _channel() -> tuple[Any, HeadlessCommands, list[dict[str, Any]]]:
    service, _meter, _clock = make_service()
    log = EventLog()
    seen: list[dict[str, Any]] = []
    log.subscribe(seen.append)
    return service, HeadlessCommands(service, log), seen


async def test_every_command_is_carried_out_in_order(tmp_path: Path) -> None:
    service, commands, seen = _channel()
    target = tmp_path / "who-asked.csv"
    script = io.StringIO(
        "# the household's evening\n"
        "consent dno network-planning daily\n"
        "\n"
        f"export-data-access {target}\n"
        "consent dno network-planning none\n"
        "wipe\n"
        "move-out\n"
    )

    await commands.run(lambda: script)

    assert [c[0] for c in service.calls if c[0] != "export_data_access"] == [
        "set_consent",
        "set_consent",
        "wipe_local_data",
        "move_out",
    ]
    assert ("set_consent", "dno", "network-planning", Granularity.DAILY) in service.calls
    assert [e["command"] for e in seen if e["event"] == "command.done"] == [
        "consent",
        "export-data-access",
        "consent",
        "wipe",
        "move-out",
    ]
    assert target.read_text(encoding="utf-8").startswith("at,party,organisation")


async def test_a_bad_line_is_refused_in_one_sentence_and_the_next_still_runs() -> None:
    service, commands, seen = _channel()
    lines = (
        "consent dno marketing daily\n"
        "consent dno network-planning weekly\n"
        "consent dno\n"
        "forget everything\n"
        "consent 'unclosed\n"
        "consent supplier energy-advice half-hourly\n"
    )

    await commands.run(lambda: io.StringIO(lines))

    refused = [e["detail"] for e in seen if e["event"] == "command.refused"]
    assert len(refused) == 5
    assert "dno marketing is not a purpose to consent to" in refused[0]
    assert refused[1] == "'weekly' is not a level; use none, monthly, daily or half-hourly."
    assert refused[2].startswith("consent takes 3 arguments")
    assert refused[3].startswith("'forget' is not a command; the commands are:")
    assert all("\n" not in d and "Traceback" not in d for d in refused)
    assert service.calls[-1] == (
        "set_consent",
        "supplier",
        "energy-advice",
        Granularity.HALF_HOURLY,
    )


async def test_commands_that_cannot_be_read_are_reported(tmp_path: Path) -> None:
    _service, commands, seen = _channel()

    await commands.run(lambda: (tmp_path / "absent").open(encoding="utf-8"))

    [refusal] = [e for e in seen if e["event"] == "command.refused"]
    assert refusal["detail"] == "The commands cannot be read: No such file or directory."


async def test_the_householder_agrees_to_direct_control_and_opts_out_of_an_event() -> None:
    service, meter, _clock = make_service()
    log = EventLog()
    seen: list[dict[str, Any]] = []
    log.subscribe(seen.append)
    commands = HeadlessCommands(service, log)
    event = FlexibilityEvent(
        4242, DEMO_NOW + timedelta(hours=1), 60, 20, DeviceClass.ELECTRIC_VEHICLE
    )
    meter.flexibility.inject(event)
    script = io.StringIO(
        "agree dno-demo ev,immersion\n"
        "agree dno-demo kettle\n"
        "opt-out 4242\n"
        "opt-out 4242\n"
        "opt-out soon\n"
        "agree dno-demo none\n"
    )

    await commands.run(lambda: script)

    done = [e for e in seen if e["event"] == "command.done"]
    assert done[0]["devices"] == ["EV charger", "Immersion heater"]
    assert done[1] == {**done[1], "command": "opt-out", "event_id": 4242}
    assert meter.flexibility.sent[-1].status is EventStatus.OPTED_OUT
    assert meter.flexibility.agreements() == {}  # the last line withdrew it
    refused = [e["detail"] for e in seen if e["event"] == "command.refused"]
    assert refused[0].startswith("device class 'kettle' is unknown: use one of hvac,")
    assert refused[1] == (
        "there is no flexibility event 4242 to opt out of (it is over or unknown)."
    )
    assert refused[2] == "'soon' is not an event id; give the number the event has."
