"""The attack suite over the real Bluetooth LE link (``python -m benchmarks.attacks``), counted.

Each test runs one family of :mod:`benchmarks.attacks` on the virtual radio, with the real
display service or a hostile central against the meter emulator, and asserts the counts: every
attempt made, every one refused as the profile requires, none accepted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import attacks
from benchmarks.attacks import Row
from meter_emulator.attacks.console import DEMONSTRATION_ORDER
from meter_emulator.attacks.forgery import ATTACKS

#: Partial units (and orphan continuations, and oversized FIRST segments) per flood here; the
#: report sends 100.
FLOOD = 25


def _assert_all_refused(rows: list[Row]) -> None:
    for row in rows:
        assert row.attempts > 0, row
        assert (row.refused, row.accepted) == (row.attempts, 0), row


async def test_console_forgeries_floods_and_oversized_units_are_refused(tmp_path: Path) -> None:
    async with attacks.running_meter(tmp_path) as meter:
        async with attacks.running_display(tmp_path, meter) as (ihd, ihd_events):
            console = await attacks.console_attacks(meter, ihd, ihd_events)
            indications = await attacks.indication_attacks(meter, ihd, ihd_events, FLOOD)
            # The display's side: one security-log entry per forgery, each notified back.
            assert len(ihd.security_log()) == len(ATTACKS)
            assert all(entry.notified for entry in ihd.security_log())
        writes = await attacks.write_attacks(tmp_path, meter, FLOOD)

    _assert_all_refused(console + indications + writes)
    # Every attack of the console, in the console's order, refused with its own reason.
    assert [r.attack for r in console] == [f"console: {name}" for name in DEMONSTRATION_ORDER]
    expected = {a.name: a.expected.value for a in ATTACKS}
    for row in console:
        name = row.attack.removeprefix("console: ")
        assert row.observed == f"refused: {expected[name]}"
        assert (row.attempts, row.refused, row.accepted) == (1, 1, 0)
    assert meter.runtime.attacks.summary() == {
        "launched": 15,
        "refused_as_expected": 15,
        "refused_otherwise": 0,
        "accepted": 0,
        "unanswered": 0,
    }

    # Floods, orphans and oversized units in both directions: FLOOD attempts each, all refused.
    assert [r.attack for r in indications + writes] == [
        "truncated indications (flood)",
        "orphan continuation indications",
        "oversized reassembly (indication)",
        "truncated writes (flood)",
        "orphan continuation writes",
        "oversized reassembly (write)",
    ]
    assert [(r.attempts, r.refused, r.accepted) for r in indications + writes] == [
        (FLOOD, FLOOD, 0)
    ] * 6
    # The meter named each refused write's reason.
    reasons = [e["reason"] for e in meter.events.named("ihd.segment-error")]
    assert reasons.count("malformed") == FLOOD
    assert reasons.count("oversize") == FLOOD


async def test_unpaired_access_is_refused_with_insufficient_authentication(
    tmp_path: Path,
) -> None:
    (row,) = await attacks.unpaired_access(tmp_path)
    # Five reads, one write, three subscriptions.
    assert (row.attempts, row.refused, row.accepted) == (9, 9, 0)
    assert row.observed == "ATT 0x05 ×9"


async def test_a_rejected_numeric_comparison_fails_on_both_sides_and_bonds_nothing(
    tmp_path: Path,
) -> None:
    (row,) = await attacks.wrong_comparison(tmp_path)
    assert (row.attempts, row.refused, row.accepted) == (2, 2, 0)
    assert "display says no: display failed" in row.observed
    assert "meter says no: display failed" in row.observed


async def test_a_downgrade_to_unauthenticated_pairing_is_refused(tmp_path: Path) -> None:
    offer, access = await attacks.downgrade(tmp_path)
    # Just Works with Secure Connections, and legacy pairing: both refused, no bond.
    assert (offer.attempts, offer.refused, offer.accepted) == (2, 2, 0)
    assert "just-works-refused" in offer.observed
    assert "legacy-pairing-refused" in offer.observed
    # An unauthenticated key encrypts the link but opens nothing.
    assert (access.attempts, access.refused, access.accepted) == (9, 9, 0)
    assert "authenticated=False" in access.observed


def test_the_report_counts_and_fails_on_anything_accepted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        Row("a", "refused", "refused", attempts=3, refused=3),
        Row("b", "refused", "accepted", attempts=2, refused=1, accepted=1),
    ]

    async def fake_suite(_workdir: Path, *, flood: int) -> list[Row]:
        return rows

    monkeypatch.setattr(attacks, "run_suite", fake_suite)
    assert attacks.main([]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[-1].split()[-3:] == ["5", "4", "1"]
    assert "NOT REFUSED: b" in err

    rows.pop()
    assert attacks.main([]) == 0
