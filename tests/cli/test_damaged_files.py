"""A damaged bonds.json or ihd.sqlite3: set aside (renamed, never deleted), told in one sentence
naming both paths, and the program carries on (no bonds; an empty database).

The programs run as real processes with their events on stdout (tests.e2e.programs): each test
waits for ``storage.set-aside``, then stops the program and reads the whole of stderr.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ihd_app.protocol.resources import vectors_directory
from ihd_app.protocol.set_aside import SET_ASIDE_EVENT, bond_file_problem, set_aside
from ihd_app.store.database import DATABASE_FILE, MIGRATIONS, Database
from tests.e2e.programs import BIN, Program, free_port, headless_args

DAMAGED_BONDS = {
    "truncated": b'{"C0:1D:A6:00:01:01/P": {"00:1D:A6:00',
    "empty": b"",
    "not-bonds": b"[1, 2, 3]",
}


def _kept(directory: Path, name: str) -> Path:
    pattern = rf"{re.escape(name)}\.corrupt-\d{{8}}T\d{{6}}Z"
    (kept,) = [p for p in directory.glob(f"{name}.corrupt-*") if re.fullmatch(pattern, p.name)]
    return kept


def _assert_told(stderr: str, program: str, original: Path, kept: Path) -> None:
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith(f"{program}: warning: {original} could not be read (")
    assert f"kept as {kept}" in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("damage", list(DAMAGED_BONDS), ids=list(DAMAGED_BONDS))
async def test_the_meter_sets_a_damaged_bonds_file_aside_and_carries_on(
    tmp_path: Path, damage: str
) -> None:
    bonds = tmp_path / "bonds.json"
    bonds.write_bytes(DAMAGED_BONDS[damage])
    meter = await Program.start("meter-emulator", headless_args(free_port(), tmp_path))
    try:
        told = await meter.wait_for(SET_ASIDE_EVENT)
        await meter.wait_for("meter.started")  # carried on, advertising with no bonds
    finally:
        code, stderr = await meter.stop()
    kept = _kept(tmp_path, "bonds.json")
    assert kept.read_bytes() == DAMAGED_BONDS[damage]
    assert told["file"] == str(bonds)
    assert told["kept_as"] == str(kept)
    assert code == 0
    _assert_told(stderr, "meter-emulator", bonds, kept)
    assert "carries on with no bonds" in stderr


@pytest.mark.parametrize(
    ("name", "consequence"),
    [
        ("meter-state.json", "without its saved replay counters, consent answers and power"),
        ("store-and-forward.json", "with no messages waiting for the display"),
    ],
)
async def test_the_meter_sets_its_other_damaged_files_aside_and_carries_on(
    tmp_path: Path, name: str, consequence: str
) -> None:
    damaged = tmp_path / name
    damaged.write_bytes(b'{"counters": {')
    meter = await Program.start("meter-emulator", headless_args(free_port(), tmp_path))
    try:
        told = await meter.wait_for(SET_ASIDE_EVENT)
        await meter.wait_for("meter.started")
    finally:
        code, stderr = await meter.stop()
    kept = _kept(tmp_path, name)
    assert kept.read_bytes() == b'{"counters": {'
    assert told["kept_as"] == str(kept)
    assert code == 0
    _assert_told(stderr, "meter-emulator", damaged, kept)
    assert consequence in stderr


async def test_the_display_sets_a_damaged_bonds_file_aside_and_carries_on(tmp_path: Path) -> None:
    bonds = tmp_path / "bonds.json"
    bonds.write_bytes(DAMAGED_BONDS["truncated"])
    port = free_port()
    meter = await Program.start("meter-emulator", headless_args(port, tmp_path / "meter"))
    # The air is up before the display starts: otherwise it rightly says once that it waits.
    await meter.wait_for("advertising")
    ihd = await Program.start("ihd", headless_args(port, tmp_path, "--accept-pairing"))
    try:
        await meter.wait_for("meter.started")
        await ihd.wait_for(SET_ASIDE_EVENT)
        # ... and pairs afresh, writing a new bonds file beside the kept one.
        await ihd.wait_for("link.paired", timeout=30)
    finally:
        code, stderr = await ihd.stop()
        await meter.stop()
    kept = _kept(tmp_path, "bonds.json")
    assert kept.read_bytes() == DAMAGED_BONDS["truncated"]
    assert bond_file_problem(bonds) is None  # the new one is sound
    assert code == 0
    _assert_told(stderr, "ihd", bonds, kept)


def _damage_database(data_dir: Path) -> bytes:
    data_dir.mkdir(parents=True, exist_ok=True)
    damaged = b"this is not SQLite " * 300
    (data_dir / DATABASE_FILE).write_bytes(damaged)
    (data_dir / f"{DATABASE_FILE}-wal").write_bytes(b"journal")
    return damaged


async def test_the_headless_display_sets_a_damaged_database_aside(tmp_path: Path) -> None:
    damaged = _damage_database(tmp_path)
    port = free_port()
    meter = await Program.start("meter-emulator", headless_args(port, tmp_path / "meter"))
    try:
        await meter.wait_for("meter.started")
        ihd = await Program.start("ihd", headless_args(port, tmp_path))
        try:
            told = await ihd.wait_for(SET_ASIDE_EVENT)
            await ihd.wait_for("link.searching")  # carried on: radio open, looking for the meter
        finally:
            code, stderr = await ihd.stop()
    finally:
        await meter.stop()
    kept = _kept(tmp_path, DATABASE_FILE)
    assert kept.read_bytes() == damaged
    assert Path(f"{kept}-wal").read_bytes() == b"journal"  # its journal went with it
    assert told["kept_as"] == str(kept)
    assert code == 0
    _assert_told(stderr, "ihd", tmp_path / DATABASE_FILE, kept)
    with Database.in_data_dir(tmp_path) as fresh:
        assert fresh.set_aside is None  # what the display made in its place is sound


async def test_the_window_shows_a_dialog_for_a_damaged_database(tmp_path: Path) -> None:
    damaged = _damage_database(tmp_path)
    window_args = ["--events", "-", "--radio", f"virtual:{free_port()}"]
    ihd = await Program.start(
        "ihd", [*window_args, "--data-dir", str(tmp_path), "--log-dir", str(tmp_path)]
    )
    try:
        await ihd.wait_for(SET_ASIDE_EVENT, timeout=30)
    finally:
        code, _ = await ihd.stop()
    kept = _kept(tmp_path, DATABASE_FILE)
    assert kept.read_bytes() == damaged
    assert code == 0  # the window carried on until it was closed
    # The dialog logs what it tells (tests.ui checks the dialog itself).
    log = (tmp_path / "ihd.log").read_text(encoding="utf-8")
    assert f"{tmp_path / DATABASE_FILE} could not be read" in log
    assert f"kept as {kept}" in log


def test_envelope_verify_tells_of_a_damaged_database(tmp_path: Path) -> None:
    damaged = _damage_database(tmp_path)
    vector = vectors_directory() / "envelopes" / "valid-outage-planned.cbor"
    at_time = ["--at", "2026-12-01T12:00:00Z"]
    result = subprocess.run(
        [
            str(BIN / "ihd"),
            "envelope",
            "verify",
            str(vector),
            *at_time,
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["verdict"] == "accepted"
    kept = _kept(tmp_path, DATABASE_FILE)
    assert kept.read_bytes() == damaged
    _assert_told(result.stderr, "ihd", tmp_path / DATABASE_FILE, kept)


# -- the pieces --------------------------------------------------------------------------------


def test_set_aside_never_overwrites_an_earlier_one(tmp_path: Path) -> None:
    moment = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
    first = tmp_path / "bonds.json"
    first.write_text("one", encoding="utf-8")
    a = set_aside(first, "bad", "on we go", clock=lambda: moment)
    first.write_text("two", encoding="utf-8")
    b = set_aside(first, "bad", "on we go", clock=lambda: moment)
    assert a.kept_as.name == "bonds.json.corrupt-20261203T170000Z"
    assert b.kept_as.name == "bonds.json.corrupt-20261203T170000Z-2"
    assert a.kept_as.read_text(encoding="utf-8") == "one"
    assert b.kept_as.read_text(encoding="utf-8") == "two"
    assert not first.exists()


def test_a_bonds_file_bumble_wrote_is_sound(tmp_path: Path) -> None:
    bonds = tmp_path / "bonds.json"
    bonds.write_text(
        '{"C0:1D:A6:00:01:01/P": {"00:1D:A6:00:00:01/P": {"address_type": 1, '
        '"ltk": {"value": "00112233445566778899aabbccddeeff", "authenticated": true}}}}',
        encoding="utf-8",
    )
    assert bond_file_problem(bonds) is None
    assert bond_file_problem(tmp_path / "absent.json") is None
    bonds.write_text('{"C0:1D:A6:00:01:01/P": {"peer": {"ltk": {"value": "zz"}}}}', "utf-8")
    assert bond_file_problem(bonds) == "a bond in it is damaged"


def test_a_sound_database_is_left_alone(tmp_path: Path) -> None:
    with Database.in_data_dir(tmp_path) as database:
        database.connection.execute("INSERT INTO settings VALUES ('k', 'v')")
    with Database.in_data_dir(tmp_path) as again:
        assert again.set_aside is None
        assert again.connection.execute("SELECT value FROM settings").fetchone() == ("v",)
    assert not list(tmp_path.glob("*.corrupt-*"))


#: The window on a radio nobody answers, closing itself (and its dialog) after a second.
WINDOW = ["--radio", "virtual:1", "--exit-after", "1"]


def test_a_database_of_a_newer_program_is_refused_not_set_aside(tmp_path: Path) -> None:
    with Database.in_data_dir(tmp_path) as database:
        database.connection.execute("PRAGMA user_version = 99")
    result = subprocess.run(
        [str(BIN / "ihd"), "--data-dir", str(tmp_path), "--log-dir", str(tmp_path), *WINDOW],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 1
    assert result.stderr == (
        f"ihd: error: {tmp_path / DATABASE_FILE} has schema version 99, newer than this "
        f"program's {len(MIGRATIONS)}; upgrade the program instead\n"
    )
    assert not list(tmp_path.glob("*.corrupt-*"))
