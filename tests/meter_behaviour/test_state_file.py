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
