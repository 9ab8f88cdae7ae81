"""Data dirs only their owner can read: created so, and tightened when found open."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ihd_app.protocol.errors import ConfigurationError
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.private_dir import make_private_dir
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import MeterRuntime


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_dir_is_for_its_owner_only(tmp_path: Path) -> None:
    made = make_private_dir(tmp_path / "a" / "b")
    assert mode(made) == 0o700


def test_an_open_data_dir_is_tightened(tmp_path: Path) -> None:
    open_dir = tmp_path / "open"
    open_dir.mkdir(mode=0o755)
    open_dir.chmod(0o755)
    make_private_dir(open_dir)
    assert mode(open_dir) == 0o700


def test_a_data_dir_that_cannot_be_made_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigurationError, match="cannot make the data dir"):
        make_private_dir(blocker / "data")


async def test_both_programs_keep_their_data_private(tmp_path: Path) -> None:
    radio = RadioSpec.parse("virtual")
    service = IhdService(ServiceConfig(radio=radio, data_dir=tmp_path / "ihd"), EventLog())
    await service.close()
    MeterRuntime(MeterConfig(radio=radio, data_dir=tmp_path / "meter"), EventLog())
    assert mode(tmp_path / "ihd") == 0o700
    assert mode(tmp_path / "meter") == 0o700
