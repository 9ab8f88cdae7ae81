"""Scenario files: every shipped one is valid and plays to the end against the real IHD; a bad
file is one clear line naming the file, the line, the step and the problem."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from ihd_app.core.model import Interval
from ihd_app.core.readings import Fuel
from ihd_app.core.tariff import LONDON
from meter_emulator.cli.main import main
from meter_emulator.scenarios.loader import load_scenario, resolve_scenario, shipped_scenarios
from meter_emulator.scenarios.model import ScenarioError
from meter_emulator.scenarios.player import ScenarioFailedError, ScenarioPlayer
from tests.meter_behaviour.support import NIGHT, Stack, start_stack

REQUIRED = {
    "planned-outage-day",
    "power-threshold-breach-and-restore",
    "emergency-outage-and-restoration",
    "tariff-change-to-time-of-use",
    "gas-safety-gdn",
    "security-demonstration",
}


def test_every_shipped_scenario_is_valid() -> None:
    names = {path.stem for path in shipped_scenarios()}
    assert names >= REQUIRED
    for path in shipped_scenarios():
        scenario = load_scenario(path)
        assert scenario.title
        assert scenario.description
        assert scenario.steps
        assert [s.n for s in scenario.steps] == list(range(1, len(scenario.steps) + 1))
        assert all(
            b.at_s >= a.at_s for a, b in zip(scenario.steps, scenario.steps[1:], strict=False)
        )


HEADER = '[scenario]\ntitle = "Broken"\n\n'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '[[step]]\nat = 0\naction = "send"\nrole = "dno"\ntype = "outage.planned"\n',
            ":8: step 1 (send): 'outage.planned' needs a text",
        ),
        (
            '[[step]]\nat = 0\naction = "note"\ntext = "hi"\n\n[[step]]\naction = "jump"\n',
            ":10: step 2 (jump): action must be one of",
        ),
        ('[[step]]\naction = "note"\ntxt = "hi"\n', ":6: step 1 (note): unknown field 'txt'"),
        (
            '[[step]]\nat = "1m"\naction = "restore"\n[[step]]\nat = "30s"\naction = "restore"\n',
            ":8: step 2 (restore): at 30 s is before the previous step's 60 s",
        ),
        (
            '[[step]]\naction = "appliance"\nname = "jacuzzi"\non = true\n',
            ":6: step 1 (appliance): 'name' must name an appliance",
        ),
        ('[[step]]\naction = "cancel"\nref = "nothing"\n', "ref 'nothing' names no earlier"),
        ('[[step]]\naction = "attack"\nname = "teleport"\n', "'name' must be 'all' or one of"),
        ('[[step]]\naction = "voltage"\nvolts = "high"\n', "'volts' must be a number"),
        ('[[step]]\naction = "wait-for"\n', "step 1 (wait-for): needs 'event'"),
        (
            '[[step]]\naction = "send"\nrole = "dno"\ntype = "power.threshold-set"\n',
            "power.threshold-set needs a positive threshold_kw",
        ),
        (
            '[[step]]\naction = "publish-tou"\nrole = "supplier"\ncalendar = { name = "x" }\n',
            "step 1 (publish-tou): 'calendar' calendar needs tiers, days and weeks",
        ),
        ("[[step\n", ":4: not valid TOML"),
    ],
)
def test_a_bad_scenario_is_one_clear_line(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(HEADER + body)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expected in message


def test_scenario_header_and_names(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text('[[step]]\naction = "restore"\n')
    with pytest.raises(ScenarioError, match=r"no \[scenario\] table"):
        load_scenario(path)
    path.write_text('[scenario]\ntitle = "T"\nstart = "7 o\'clock"\n[[step]]\naction = "restore"\n')
    with pytest.raises(ScenarioError, match=r"x.toml:3: start .* must be 'HH:MM'"):
        load_scenario(path)
    path.write_text('[scenario]\ntitle = "T"\nstart = "07:30"\n[[step]]\naction = "restore"\n')
    start = load_scenario(path, today=date(2026, 7, 1)).start
    assert start is not None
    assert start.isoformat() == "2026-07-01T07:30:00+01:00"
    with pytest.raises(ScenarioError, match="shipped: "):
        resolve_scenario("no-such-scenario")


def test_cli_refuses_a_bad_scenario_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(HEADER + '[[step]]\naction = "send"\nrole = "ceo"\ntype = "message.general"\n')
    assert main(["--headless", "--radio", "virtual:1", "--scenario", str(path)]) == 2
    error = capsys.readouterr().err.strip()
    assert error == (
        f"meter-emulator: error: {path}:6: step 1 (send): 'role' must be one of dno, gdn, "
        "supplier, not 'ceo'"
    )
    assert main(["scenario", "check", "security-demonstration", str(path)]) == 2
    assert main(["scenario", "check", "gas-safety-gdn"]) == 0


#: Scenario -> speed to play it at here (its own speed is for people watching).
FAST = {
    "planned-outage-day": 40_000.0,
    "power-threshold-breach-and-restore": 80.0,
    "emergency-outage-and-restoration": 10_000.0,
    "tariff-change-to-time-of-use": 20.0,
    "gas-safety-gdn": 10_000.0,
    "extreme-voltage-and-safety": 1_000.0,
    "prepayment-cold-evening": 600.0,
}


async def _play(tmp_path: Path, name: str) -> Stack:
    scenario = load_scenario(resolve_scenario(name))
    stack = await start_stack(
        tmp_path, speed=FAST[name], sim_start=scenario.start or NIGHT, report_interval_s=0.02
    )
    try:
        await ScenarioPlayer(stack.meter, scenario).play()
    except ScenarioFailedError:
        await stack.close()
        raise
    return stack


async def test_planned_outage_day_plays_through(tmp_path: Path) -> None:
    stack = await _play(tmp_path, "planned-outage-day")
    try:
        ihd = stack.ihd_events
        accepted = await ihd.wait_count("message.accepted", 4)
        types = [a["type"] for a in accepted]
        assert types == ["outage.planned", "outage.planned", "outage.restored", "outage.restored"]
        assert len(ihd.named("message.superseded")) == 1
        assert [a["role"] for a in ihd.named("message.accepted")][2:] == ["meter", "dno"]
        assert stack.meter_events.named("outage.alarm")
        assert stack.ihd is not None
        notice = next(m for m in stack.ihd.inbox if m.type == "outage.planned")
        window = notice.details["outage"]
        assert isinstance(window, dict)
        assert datetime.fromisoformat(str(window["start"])) <= datetime.fromisoformat(
            str(window["end"])
        )
    finally:
        await stack.close()


async def test_threshold_scenario_plays_through(tmp_path: Path) -> None:
    stack = await _play(tmp_path, "power-threshold-breach-and-restore")
    try:
        accepted = await stack.ihd_events.wait_count("message.accepted", 5)
        types = [a["type"] for a in accepted]
        assert types == [
            "power.threshold-warning",
            "power.threshold-cleared",
            "power.threshold-warning",
            "supply.interrupted",
            "supply.restored",
        ]
        await stack.ihd_events.wait_count("message.superseded", 3)
    finally:
        await stack.close()


async def test_time_of_use_tariff_reaches_the_ihd(tmp_path: Path) -> None:
    # The electricity tariff arrives as a Calendar-cluster calendar plus a price matrix.
    stack = await _play(tmp_path, "tariff-change-to-time-of-use")
    try:
        await stack.ihd_events.wait_count("tariff.updated", 3)
        assert stack.ihd is not None
        calendar = stack.ihd.tou_calendar(Fuel.ELECTRICITY)
        assert calendar is not None
        assert calendar.complete
        assert calendar.name == "Flex TOU"
        tariff = stack.ihd.tariff(Fuel.ELECTRICITY)
        assert tariff is not None
        assert tariff.name == "Brightwater Flex"
        assert tariff.standing_charge_pence_per_day == pytest.approx(53.35)
        prices = {band.name: band.pence_per_kwh for band in tariff.bands}
        assert prices == {"Off-peak": 9.5, "Day": 24.5, "Peak": 38.2}
        # Today's bands: off-peak from 00:30, a peak (16:00-19:00 on weekdays, 17:00-18:00 at
        # weekends and bank holidays); 17:00-17:30 is peak either way.
        today = datetime.now(UTC).astimezone(LONDON).date()  # the display keeps real time
        starts = {band.name: band.start for band in tariff.bands}
        assert starts["Off-peak"] == time(0, 30)
        weekend = today.weekday() >= 5 or (today.month, today.day) in {(12, 25), (12, 26)}
        assert starts["Peak"] == (time(17) if weekend else time(16))
        five = datetime.combine(today, time(17), tzinfo=LONDON).astimezone(UTC)
        half_hour = Interval(Fuel.ELECTRICITY, five, timedelta(minutes=30), 1.0)
        assert stack.ihd.cost_pence(Fuel.ELECTRICITY, [half_hour]) == pytest.approx(
            38.2 + 53.35 / 48, rel=0.03
        )
        gas = stack.ihd.tariff(Fuel.GAS)
        assert gas is not None
        assert gas.bands[0].pence_per_kwh == pytest.approx(6.3)
    finally:
        await stack.close()


@pytest.mark.parametrize(
    "name",
    ["emergency-outage-and-restoration", "gas-safety-gdn", "extreme-voltage-and-safety"],
)
async def test_scenario_plays_through(tmp_path: Path, name: str) -> None:
    stack = await _play(tmp_path, name)
    try:
        done = await stack.meter_events.wait("scenario.done")
        assert done["steps"] == len(load_scenario(resolve_scenario(name)).steps)
        assert not stack.ihd_events.named("message.rejected")
        assert not stack.meter_events.named("operator.error")
    finally:
        await stack.close()
