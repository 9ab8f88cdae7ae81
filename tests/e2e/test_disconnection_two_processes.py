"""Remote disconnection and reconnection over the virtual radio, two processes (seed use case 18
steps 5-7; the Ofgem slides' example threat): ``meter-emulator --headless --scenario FILE`` and
``ihd --headless --auto-ack``.

* A genuine disconnection reaches the display in plain words; the consumer's Restore is refused
  until the supplier enables the supply; once armed, the consumer's button (SIGUSR2, the button
  on the meter) switches it back on and the display says so.
* A forged, a replayed and a wrong-role supply command are each refused by the meter with its
  reason, and the supply is left as it was.
* A safety alarm is not cleared by the consumer's Restore nor by a supplier; the DNO's clear
  arms the supply and the consumer switches it back on.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.programs import Program, free_port, headless_args

SPEED = "60"


@pytest.fixture
async def programs() -> AsyncIterator[list[Program]]:
    started: list[Program] = []
    yield started
    for program in started:
        program.kill()
        await program.process.wait()


async def _run(programs: list[Program], tmp_path: Path, steps: str) -> tuple[Program, Program]:
    """Start the meter with a scenario of ``steps`` and a display; both started."""
    scenario = tmp_path / "supply.toml"
    scenario.write_text(
        '[scenario]\ntitle = "Supply switch"\ndescription = "test"\nspeed = 60\n\n' + steps,
        encoding="utf-8",
    )
    port = free_port()
    meter = await Program.start(
        "meter-emulator",
        headless_args(port, tmp_path / "meter", "--scenario", str(scenario), "--speed", SPEED),
    )
    programs.append(meter)
    await meter.wait_for("advertising")
    ihd = await Program.start(
        "ihd",
        headless_args(port, tmp_path / "ihd", "--accept-pairing", "--auto-ack", "--no-backfill"),
    )
    programs.append(ihd)
    return meter, ihd


GENUINE = """
[[step]]
action = "send"
role = "supplier"
type = "supply.disconnect"
text = "the account has been closed at your request"

[[step]]
action = "wait-for"
event = "supply.disconnected"

[[step]]
action = "restore-refused"

[[step]]
action = "send"
role = "supplier"
type = "supply.arm"

[[step]]
action = "wait-for"
event = "supply.armed"
"""


async def test_genuine_disconnection_shown_then_restored_by_the_consumer_after_arming(
    programs: list[Program], tmp_path: Path
) -> None:
    meter, ihd = await _run(programs, tmp_path, GENUINE)
    shown = await ihd.wait_for("message.accepted", type="supply.interrupted", role="meter")
    assert "has switched your electricity off remotely" in shown["text"]
    assert "the account has been closed at your request" in shown["text"]
    # The display reads no demand while the supply is off (the notices may come first: the
    # events are checked by what was seen, not in order).
    await ihd.wait_for("reading", fuel="electricity", demand_w=0.0)

    await ihd.wait_until(
        lambda: (
            bool(ihd.seen("message.rejected"))
            or any(e["type"] == "supply.armed" for e in ihd.seen("message.accepted"))
        ),
        "the armed notice",
        also=meter,
    )
    (armed,) = [e for e in ihd.seen("message.accepted") if e["type"] == "supply.armed"]
    assert armed["id"] == shown["id"], "the armed notice replaces the disconnection"
    assert "Press Restore on your meter to switch your supply back on." in armed["text"]
    await meter.wait_for("scenario.done")
    (refused,) = meter.seen("supply.restore-refused")
    assert "only after your supplier enables it" in refused["reason"]
    confirmed = {e["type"]: e["detail"] for e in meter.seen("operator.confirmed")}
    assert confirmed["supply.disconnect"].startswith("supply disconnected")
    assert confirmed["supply.arm"].startswith("supply armed")
    assert not meter.seen("supply.restored"), "arming never switches the supply on"

    meter.signal(signal.SIGUSR2)  # the consumer presses the button on the meter
    restored = await ihd.wait_for("message.accepted", type="supply.restored", role="meter")
    assert restored["id"] == shown["id"]
    assert "after your supplier enabled it" in restored["text"]
    on = await meter.wait_for("supply.restored", cause="remote-disconnection")
    assert on["by"] == "consumer (SIGUSR2)"
    assert not meter.seen("operator.error")
    assert not ihd.seen("message.rejected")


ATTACKS = """
[[step]]
action = "send"
role = "supplier"
type = "supply.disconnect"
text = "no payment"

[[step]]
action = "send"
role = "supplier"
type = "supply.arm"

[[step]]
action = "restore"

[[step]]
action = "wait-for"
event = "supply.restored"

[[step]]
action = "attack"
name = "forged-disconnection"

[[step]]
action = "attack"
name = "replayed-disconnection"

[[step]]
action = "safety-alarm"
text = "The meter's terminal cover was removed."

[[step]]
action = "attack"
name = "supplier-as-dno"

[[step]]
action = "restore-refused"

[[step]]
action = "send"
role = "dno"
type = "safety.clear"
text = "Our engineer checked the meter: it is safe."

[[step]]
action = "wait-for"
event = "safety.cleared"

[[step]]
action = "restore"
"""


async def test_forged_replayed_and_wrong_role_commands_refused_and_dno_clears_safety(
    programs: list[Program], tmp_path: Path
) -> None:
    meter, ihd = await _run(programs, tmp_path, ATTACKS)
    done = await meter.wait_for("scenario.done", timeout=30)
    assert done["steps"] == 12, meter.seen("scenario.failed")

    refused = {e["name"]: e for e in meter.seen("attack.refused")}
    assert refused["forged-disconnection"]["reason"] == "untrusted-chain"
    assert refused["replayed-disconnection"]["reason"] == "replay"
    assert refused["supplier-as-dno"]["reason"] == "role-not-authorised"
    for record in refused.values():
        assert record["as_expected"], record
        assert record["supply_unchanged"], record
        assert record["refused_by"] == "meter"
    assert refused["forged-disconnection"]["supply"] == "on"
    assert refused["replayed-disconnection"]["supply"] == "on", "the replay switched nothing off"
    assert refused["supplier-as-dno"]["supply"] == "off", "the safety alarm stays in force"
    assert not meter.seen("attack.accepted")
    errors = {e["reason"] for e in meter.seen("operator.error")}
    assert errors == {"untrusted-chain", "replay", "role-not-authorised"}
    assert len(meter.seen("supply.disconnected")) == 1, "only the genuine one was carried out"

    restore_refusal = meter.seen("supply.restore-refused")[-1]
    assert "only your network operator can clear it" in restore_refusal["reason"]
    cleared = meter.seen("safety.cleared")
    assert [c["role"] for c in cleared] == ["dno"]

    alarm = await ihd.wait_for("message.accepted", type="safety.alarm", role="meter")
    armed = await ihd.wait_for("message.accepted", type="supply.armed", id=alarm["id"])
    assert "cleared it" in armed["text"]
    restored = await ihd.wait_for("message.accepted", type="supply.restored", id=alarm["id"])
    assert "cleared the safety alarm" in restored["text"]
    assert not ihd.seen("message.rejected"), "every forgery stopped at the meter"
