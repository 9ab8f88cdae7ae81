"""Issue M item 1 in two processes over the virtual radio: prepayment.

``meter-emulator --headless`` plays a scenario (the supplier's signed credit and payment mode,
an electric shower running, a vended top-up code); ``ihd --headless --commands -`` is the
consumer on the display (emergency credit, a top-up code, restore supply). The simulation
clock runs an hour per second, so credit runs out in seconds; every step waits on events.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.e2e.programs import Program, free_port, headless_args

# The workday test turns friendly credit off (the supplier's choice, signed with the payment
# mode): at an hour of the household per second a slow machine would otherwise reach 16:00,
# and what happens then would depend on the machine's speed.
HEADER = """
[scenario]
title = "Prepayment in two processes"
description = "Credit runs out; the consumer acts on the display."
speed = 3600
start = "{start}"

[[step]]
at = 0
action = "prepay-top-up"
pence = 20

[[step]]
action = "wait-for"
event = "prepay.credit-adjusted"
timeout_s = 30

[[step]]
action = "prepay-mode"
mode = "prepayment"
friendly_credit = {friendly}

[[step]]
action = "appliance"
name = "shower"
on = true
"""

WORKDAY = (
    HEADER.format(start="2026-12-08T11:00:00+00:00", friendly="false")
    + """
[[step]]
action = "wait-for"
event = "prepay.restore"
match = { restored = true }
timeout_s = 120

[[step]]
action = "wait-for"
event = "prepay.disconnected"
timeout_s = 120

[[step]]
action = "vend-utrn"
pence = 2000

[[step]]
action = "wait-for"
event = "prepay.topup"
match = { verdict = "wrong" }
timeout_s = 120
"""
)

EVENING = (
    HEADER.format(start="2026-12-08T18:00:00+00:00", friendly="true")
    + """
[[step]]
action = "wait-for"
event = "prepay.friendly-credit"
timeout_s = 120
"""
)


async def seen(
    program: Program,
    event: str,
    timeout: float = 60,
    when: Callable[[dict[str, Any]], bool] = lambda _r: True,
    **fields: Any,
) -> dict[str, Any]:
    """The latest ``event`` with ``fields`` (and ``when``), once the program has logged one;
    in any order with the other waits (one of the two programs may run ahead)."""

    def found() -> list[dict[str, Any]]:
        return [
            r
            for r in program.seen(event)
            if all(r.get(k) == v for k, v in fields.items()) and when(r)
        ]

    await program.wait_until(lambda: bool(found()), f"{event} {fields}", timeout=timeout)
    return found()[-1]


async def say(ihd: Program, command: str) -> None:
    """Type ``command`` on the display's command channel."""
    assert ihd.process.stdin is not None
    ihd.process.stdin.write(f"{command}\n".encode())
    await ihd.process.stdin.drain()


async def start_pair(
    started_programs: list[Program], tmp_path: Path, script: str
) -> tuple[Program, Program]:
    port = free_port()
    path = tmp_path / "prepay.toml"
    path.write_text(script, encoding="utf-8")
    meter = await Program.start(
        "meter-emulator",
        headless_args(port, tmp_path / "meter", "--scenario", str(path), "--exit-when-done"),
    )
    started_programs.append(meter)
    await meter.wait_for("scenario.started")
    ihd = await Program.start(
        "ihd",
        headless_args(
            port, tmp_path / "ihd", "--accept-pairing", "--auto-ack", "--no-backfill",
            "--commands", "-",
        ),
        stdin=True,
    )  # fmt: skip
    started_programs.append(ihd)
    return meter, ihd


async def test_credit_runs_out_emergency_credit_then_a_utrn_restores_the_supply(
    started_programs: list[Program], tmp_path: Path
) -> None:
    meter, ihd = await start_pair(started_programs, tmp_path, WORKDAY)
    # Credit runs down and the display is told: the balance, then the low-credit alert.
    status = await seen(ihd, "prepay.status", prepayment=True)
    assert status["credit_p"] <= 20
    low = await seen(ihd, "message.accepted", type="prepay.alert")
    assert low["role"] == "meter"
    # 11:00 on a Tuesday is outside friendly credit: the meter disconnects itself.
    off = await seen(meter, "prepay.disconnected")
    assert off["supply"] == "off"
    await seen(ihd, "prepay.status", supply="off")

    await say(ihd, "emergency-credit")
    taken = await seen(meter, "prepay.emergency-credit", taken=True)
    assert taken["supply"] == "armed"
    await say(ihd, "restore-supply")
    await seen(meter, "prepay.restore", restored=True)

    # The shower spends the emergency credit; off again; the supplier vends a code.
    issued = await seen(meter, "prepay.utrn-issued", timeout=120)
    code = issued["code"]
    await say(ihd, f"top-up {code[:10]} {code[10:]}")
    valid = await seen(ihd, "prepay.topup-result", verdict="valid")
    assert valid["value_p"] == 2000
    credited = await seen(meter, "prepay.topup", verdict="valid")
    assert credited["supply"] == "armed", "a top-up arms the supply; the consumer restores it"
    await say(ihd, "restore-supply")
    # After the emergency credit's restore (no credit), this one has the top-up's credit.
    restored = await seen(meter, "prepay.restore", restored=True, when=lambda r: r["credit_p"] > 0)
    assert restored["supply"] == "on"

    # The same code again, and one made up: refused, nothing credited.
    await say(ihd, f"top-up {code}")
    await seen(ihd, "prepay.topup-result", verdict="used")
    await say(ihd, "top-up 1234 5678 9012 3456 7890")
    wrong = await seen(ihd, "prepay.topup-result", verdict="wrong")
    assert wrong["value_p"] == 0
    await seen(meter, "prepay.topup", verdict="wrong")
    # (The meter also logs each verified reply of the display by its type: no verdict there.)
    assert [e.get("verdict") for e in meter.seen("prepay.topup") if "verdict" in e] == [
        "valid",
        "used",
        "wrong",
    ]
    code_, stderr = await meter.exited(timeout=60)
    assert code_ == 0, stderr
    assert not meter.seen("ihd.rejected")


async def test_friendly_credit_keeps_the_supply_on_and_says_why(
    started_programs: list[Program], tmp_path: Path
) -> None:
    meter, ihd = await start_pair(started_programs, tmp_path, EVENING)
    friendly = await seen(meter, "prepay.friendly-credit", timeout=120)
    assert friendly["supply"] == "on"
    said = await seen(
        ihd,
        "message.accepted",
        when=lambda r: "stays on because it is between 16:00 and 10:00" in str(r.get("text")),
    )
    assert said["type"] == "prepay.alert"
    await seen(ihd, "prepay.status", when=lambda r: r["friendly_credit"] != "")
    code, stderr = await meter.exited(timeout=60)
    assert code == 0, stderr
    assert not meter.seen("prepay.disconnected")
