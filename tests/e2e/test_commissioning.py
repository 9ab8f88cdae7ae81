"""Commissioning between two processes (issue J): a display the meter's HAN device log does not
hold pairs (the window is open, the consumer says yes) yet is refused by the handshake, with the
reason on both sides and no bond left on either; commissioned (``--commission``), the same
display joins and is served."""

from __future__ import annotations

from pathlib import Path

from ihd_app.protocol.cli_common import EXIT_PAIRING_FAILED
from tests.e2e.programs import Program, bonds_in, free_port, headless_args

SECOND_DISPLAY = "00-1D-A6-00-00-00-01-02"
#: A guard against a hang on a loaded machine, never a synchronisation.
GUARD_S = 90


async def test_an_uncommissioned_display_is_refused_on_both_sides_and_joins_once_commissioned(
    started_programs: list[Program], tmp_path: Path
) -> None:
    port = free_port()
    meter_dir, ihd_dir = tmp_path / "meter", tmp_path / "ihd"
    meter = await Program.start("meter-emulator", headless_args(port, meter_dir))
    started_programs.append(meter)
    await meter.wait_for("advertising")
    second = await Program.start(
        "ihd",
        headless_args(port, ihd_dir, "--accept-pairing", "--no-backfill", "--identity", "ihd-2"),
    )
    started_programs.append(second)

    untrusted = await second.wait_for("link.untrusted", timeout=GUARD_S)
    assert untrusted["reason"] == "not-commissioned"
    code, stderr = await second.exited(timeout=GUARD_S)
    assert code == EXIT_PAIRING_FAILED
    assert "the meter was not accepted (not-commissioned)" in stderr
    assert "does not know this display" in stderr
    assert second.seen("link.paired"), "the pairing itself succeeded"
    for used in ("link.ready", "reading", "message.accepted"):
        assert not second.seen(used), used

    refused = await meter.wait_for("session.refused", timeout=GUARD_S)
    assert refused["ihd_id"] == SECOND_DISPLAY
    assert refused["reason"] == "not-commissioned"
    dropped = await meter.wait_for("session.dropped", timeout=GUARD_S)
    assert dropped["bond_deleted"] is True
    assert not meter.seen("session.established")
    assert (await meter.stop())[0] == 0
    assert bonds_in(meter_dir) == 0, "the meter deleted the refused display's bond"
    assert bonds_in(ihd_dir) == 0, "the display deleted its half too"

    # The supplier commissions it (here at the meter's start, as a demonstrator would).
    meter = await Program.start(
        "meter-emulator", headless_args(port, meter_dir, "--commission", "ihd-2")
    )
    started_programs.append(meter)
    added = await meter.wait_for("han.device-added")
    assert added["ihd_id"] == SECOND_DISPLAY
    second = await Program.start(
        "ihd",
        headless_args(port, ihd_dir, "--accept-pairing", "--no-backfill", "--identity", "ihd-2"),
    )
    started_programs.append(second)
    ready = await second.wait_for("link.ready", timeout=GUARD_S)
    established = await meter.wait_for("session.established", timeout=GUARD_S)
    assert established["ihd_id"] == SECOND_DISPLAY
    assert ready["session"] == established["session"]
    await second.wait_for("reading", fuel="electricity", timeout=GUARD_S)
    assert (await second.stop())[0] == 0
    assert (await meter.stop())[0] == 0
