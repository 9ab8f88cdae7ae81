"""The demo's meter has a power threshold, so "switch the shower on" (README) warns the display."""

from __future__ import annotations

from pathlib import Path

from meter_emulator.cli.demo import DEMO_SCENARIO
from meter_emulator.scenarios.loader import load_scenario, resolve_scenario
from meter_emulator.scenarios.player import ScenarioPlayer
from tests.meter_behaviour.support import NIGHT, start_stack


async def test_the_shower_crosses_the_demo_threshold_and_the_display_is_warned(
    tmp_path: Path,
) -> None:
    stack = await start_stack(tmp_path, sim_start=NIGHT)
    try:
        await ScenarioPlayer(stack.meter, load_scenario(resolve_scenario(DEMO_SCENARIO))).play()
        confirmed = await stack.meter_events.wait("operator.confirmed", type="power.threshold-set")
        assert confirmed["type"] == "power.threshold-set"
        # At night nothing else is on: the shower alone crosses it.
        assert not stack.ihd_events.named("message.accepted", type="power.threshold-warning")
        stack.meter.behaviour.set_appliance("shower", True)
        warning = await stack.ihd_events.wait(
            "message.accepted", type="power.threshold-warning", role="meter"
        )
        assert warning["type"] == "power.threshold-warning"
        # The demo's grace period is long: a shower of a few minutes warns, never cuts.
        assert stack.meter.snapshot().off_causes == ()
    finally:
        await stack.close()
