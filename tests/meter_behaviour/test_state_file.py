"""The meter's memory of handled replies survives restarts and stays bounded."""

from __future__ import annotations

from pathlib import Path

import pytest

from meter_emulator import state
from meter_emulator.state import MeterState


def test_handled_replies_survive_a_restart(tmp_path: Path) -> None:
    first = MeterState(tmp_path / "meter-state.json")
    first.remember("a" * 64)
    assert first.advance("ihd", 5)
    again = MeterState(tmp_path / "meter-state.json")
    assert again.handled("a" * 64)
    assert not again.handled("b" * 64)
    assert again.last_counter("ihd") == 5


def test_the_log_is_compacted_to_what_is_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state, "REMEMBERED_REPLIES", 10)
    memory = MeterState(tmp_path / "meter-state.json")
    for n in range(45):
        memory.remember(f"{n:064x}")
    lines = (tmp_path / "meter-state-handled.log").read_text().split()
    assert len(lines) <= 2 * 10
    reopened = MeterState(tmp_path / "meter-state.json")
    assert reopened.handled(f"{44:064x}")
    assert not reopened.handled(f"{0:064x}")


def test_a_reply_and_its_counter_are_written_in_one_append(tmp_path: Path) -> None:
    path = tmp_path / "meter-state.json"
    memory = MeterState(path)
    with memory.reply():
        assert memory.advance("ihd", 7)
        # Killed here (before the digest is logged): nothing of this reply is on disk, so the
        # display's re-sent copy is accepted as new, not refused as a replay.
        killed = MeterState(path)
        assert killed.last_counter("ihd") is None
        assert not killed.handled("c" * 64)
        memory.remember("c" * 64)
    restarted = MeterState(path)
    assert restarted.handled("c" * 64)  # a re-sent copy is a known duplicate
    assert restarted.last_counter("ihd") == 7  # from the log line, with the digest


def test_a_refused_reply_still_saves_the_counters_it_advanced(tmp_path: Path) -> None:
    path = tmp_path / "meter-state.json"
    memory = MeterState(path)
    with memory.reply():
        assert memory.advance("ihd", 9)
    assert MeterState(path).last_counter("ihd") == 9


def test_a_log_of_bare_digests_from_before_still_loads(tmp_path: Path) -> None:
    (tmp_path / "meter-state-handled.log").write_text("d" * 64 + "\n" + "e" * 64 + " ihd=4\n")
    loaded = MeterState(tmp_path / "meter-state.json")
    assert loaded.handled("d" * 64)
    assert loaded.handled("e" * 64)
    assert loaded.last_counter("ihd") == 4
