"""The security demonstration: every attack goes straight to the IHD, bypassing the meter's own
checks, and the IHD refuses each one with its reason code; the meter sees the reason come back
in the IHD's signed error notification."""

from __future__ import annotations

from collections import Counter

from meter_emulator.attacks.console import AttackConsole
from meter_emulator.attacks.forgery import ATTACKS
from meter_emulator.scenarios.loader import load_scenario, resolve_scenario
from meter_emulator.scenarios.player import ScenarioPlayer
from tests.meter_behaviour.support import Stack


async def test_every_attack_is_refused_by_the_ihd_with_its_reason(stack: Stack) -> None:
    meter, ihd = stack.meter, stack.ihd_events
    assert stack.ihd is not None
    scenario = load_scenario(resolve_scenario("security-demonstration"))
    await ScenarioPlayer(meter, scenario).play()

    done = await stack.meter_events.wait("scenario.done")
    assert done["attacks"] == {
        "launched": len(ATTACKS),
        "refused_as_expected": len(ATTACKS),
        "refused_otherwise": 0,
        "accepted": 0,
        "unanswered": 0,
    }
    steps = stack.meter_events.named("scenario.step")
    assert [s["n"] for s in steps] == list(range(1, len(scenario.steps) + 1))

    # The display's side: one refusal per attack, each with the attack's expected reason.
    expected = Counter(a.expected.value for a in ATTACKS)
    rejected = Counter(e["reason"] for e in ihd.named("message.rejected"))
    assert rejected == expected
    assert len(ihd.named("message.rejected")) == 15
    # The meter's side: each attack matched to the IHD's error notification by its envelope.
    all_refused = stack.meter_events.named("attack.refused")
    refused = {e["name"]: e for e in all_refused if e.get("refused_by") != "meter"}
    assert set(refused) == {a.name for a in ATTACKS}
    for forged in ATTACKS:
        assert refused[forged.name]["reason"] == forged.expected.value
        assert refused[forged.name]["as_expected"] is True
    sent = stack.meter_events.named("attack.sent")
    to_display = [s["name"] for s in sent if s.get("target") != "meter"]
    assert to_display == [a.name for a in AttackConsole.available()]
    assert all(s["expected_reason"] for s in sent)

    # The meter stopped the two bad operator messages before the display saw them, and the
    # three attacks on the supply switch.
    assert [e["reason"] for e in stack.meter_events.named("operator.error")] == [
        "role-not-authorised",
        "revoked-signer",
        "untrusted-chain",
        "replay",
        "role-not-authorised",
    ]
    on_supply = {e["name"]: e for e in all_refused if e.get("refused_by") == "meter"}
    assert set(on_supply) == {"forged-disconnection", "replayed-disconnection", "supplier-as-dno"}
    assert all(e["as_expected"] and e["supply_unchanged"] for e in on_supply.values())
    assert {e["supply"] for e in on_supply.values()} == {"on"}
    assert len(stack.meter_events.named("supply.disconnected")) == 1, "the genuine one only"
    # Only genuine messages were ever shown: the notice, and the meter's notices of the genuine
    # disconnection, its enabling and the consumer's restoration; the replay was refused.
    accepted = ihd.named("message.accepted")
    assert [a["type"] for a in accepted] == [
        "outage.planned",
        "supply.interrupted",
        "supply.armed",
        "supply.restored",
    ]
    assert "Planned power cut on Tuesday 10:00-14:00 for cable repairs." in [
        m.text for m in stack.ihd.current_messages()
    ]
    log = stack.ihd.security_log()
    assert len(log) == 15
    assert all(entry.notified for entry in log)


async def test_replay_without_an_accepted_message_sends_the_original_first(stack: Stack) -> None:
    record = stack.meter.attacks.launch("replay")
    refused = await stack.meter_events.wait("attack.refused", name="replay")
    assert refused["reason"] == "replay"
    assert record.as_expected
    assert len(stack.ihd_events.named("message.accepted")) == 1, "the genuine original"
    assert not stack.meter_events.named("attack.accepted")
