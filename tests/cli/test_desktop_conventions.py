"""The display as a desktop program: settings file, log file, one instance per data dir."""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest

from ihd_app.cli.app_config import apply_config_defaults, default_config_path, load_config
from ihd_app.cli.instance_lock import DataDirInUse, DataDirLock
from ihd_app.cli.log_file import BACKUP_COUNT, MAX_BYTES, install_log_file
from ihd_app.cli.main import build_parser
from ihd_app.cli.main import main as ihd
from ihd_app.protocol.cli_common import UsageError
from ihd_app.protocol.radio_spec import RadioSpec

BIN = Path(sys.executable).parent


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = build_parser()
    apply_config_defaults(parser, argv)
    return parser.parse_args(argv)


# -- the settings file ---------------------------------------------------------------------------


def test_settings_file_lives_in_the_isolated_config_dir() -> None:
    # tests/conftest.py points XDG_CONFIG_HOME at a temporary folder.
    assert default_config_path().parent.parent == Path(os.environ["XDG_CONFIG_HOME"])
    assert default_config_path().name == "ihd.toml"


def test_settings_file_gives_defaults_and_flags_win(tmp_path: Path) -> None:
    config = tmp_path / "ihd.toml"
    config.write_text(
        'radio = "virtual:9400"\ntheme = "high-contrast"\nform_factor = "800x480"\n'
        'kiosk = true\ndata_dir = "~/ihd-data"\nlog_dir = "/tmp/ihd-logs"\n'
    )
    args = _parse(["--config", str(config)])
    assert args.radio == RadioSpec.parse("virtual:9400")
    assert args.theme == "high-contrast"
    assert args.form_factor == (800, 480)
    assert args.kiosk is True
    assert args.data_dir == Path.home() / "ihd-data"
    assert args.log_dir == Path("/tmp/ihd-logs")  # noqa: S108
    args = _parse(["--config", str(config), "--theme", "light", "--radio", "virtual:9500"])
    assert args.theme == "light"
    assert args.radio == RadioSpec.parse("virtual:9500")


def test_the_default_settings_file_is_read_when_present() -> None:
    path = default_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('theme = "dark"\n')
    try:
        assert _parse([]).theme == "dark"
    finally:
        path.unlink()
    assert _parse([]).theme is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('colour = "red"\n', "unknown setting 'colour'"),
        ('theme = "pink"\n', "theme 'pink' is not one of light, dark, high-contrast"),
        ("kiosk = 1\n", "'kiosk' must be true or false"),
        ("radio = 3\n", "'radio' must be a non-empty string"),
        ("theme = \n", "is not valid TOML"),
        ('form_factor = "480x"\n', "form_factor '480x' is not WIDTHxHEIGHT, e.g. 480x272"),
    ],
)
def test_a_bad_settings_file_is_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    config = tmp_path / "ihd.toml"
    config.write_text(text)
    with pytest.raises(UsageError, match=message):
        load_config(config, required=True)
    assert ihd(["--config", str(config), "--headless"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ihd: error: ")
    assert err.count("\n") == 1


def test_a_named_settings_file_must_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ihd(["--config", str(tmp_path / "missing.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_bad_radio_in_the_settings_file_is_reported_like_the_flag(tmp_path: Path) -> None:
    config = tmp_path / "ihd.toml"
    config.write_text('radio = "carrier-pigeon"\n')
    with pytest.raises(SystemExit) as exit_info:
        _parse(["--config", str(config)])
    assert exit_info.value.code == 2


# -- the log file --------------------------------------------------------------------------------


@pytest.fixture
def quiet_stderr_handler() -> Iterator[logging.StreamHandler[TextIO]]:
    """What configure_logging leaves: a bare stderr handler, the root at CRITICAL."""
    root = logging.getLogger()
    handler: logging.StreamHandler[TextIO] = logging.StreamHandler()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.CRITICAL)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def test_log_file_takes_info_while_stderr_stays_quiet(
    tmp_path: Path, quiet_stderr_handler: logging.StreamHandler[TextIO]
) -> None:
    log_file = install_log_file(tmp_path / "logs")
    try:
        logging.getLogger("ihd_app.test").info("the display started")
        logging.getLogger("ihd_app.test").debug("too fine to keep")
        assert quiet_stderr_handler.level == logging.CRITICAL
        assert log_file.handler.maxBytes == MAX_BYTES
        assert log_file.handler.backupCount == BACKUP_COUNT
    finally:
        log_file.close()
    assert logging.getLogger().level == logging.CRITICAL
    text = log_file.path.read_text()
    assert "INFO ihd_app.test: the display started" in text
    assert "too fine" not in text
    assert log_file.path == tmp_path / "logs" / "ihd.log"


def test_log_file_rotates(tmp_path: Path) -> None:
    log_file = install_log_file(tmp_path)
    try:
        line = "x" * 1000
        for _ in range(MAX_BYTES // 1000 + 10):
            logging.getLogger("ihd_app.test").info(line)
    finally:
        log_file.close()
    assert (tmp_path / "ihd.log.1").is_file()
    assert log_file.path.stat().st_size < MAX_BYTES


def test_an_unwritable_log_dir_is_a_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(UsageError, match="cannot write the log file"):
        install_log_file(blocker / "logs")


# -- one display per data dir --------------------------------------------------------------------


def test_second_lock_on_a_data_dir_is_refused_and_freed_on_release(tmp_path: Path) -> None:
    with DataDirLock(tmp_path / "data") as first:
        assert first.path.read_text() == str(os.getpid())
        with pytest.raises(DataDirInUse, match=f"already running .* \\(process {os.getpid()}\\)"):
            DataDirLock(tmp_path / "data").acquire()
        DataDirLock(tmp_path / "other").acquire()  # another data dir is another display
    with DataDirLock(tmp_path / "data"):
        pass


@pytest.mark.parametrize("mode", [["--headless"], []], ids=["headless", "window"])
def test_second_display_on_the_same_data_dir_exits_with_one_line(
    tmp_path: Path, mode: list[str]
) -> None:
    data_dir = tmp_path / "data"
    # The test process holds the lock as a running display would (the OS lock is per process).
    with DataDirLock(data_dir):
        result = subprocess.run(
            [str(BIN / "ihd"), *mode, "--data-dir", str(data_dir), "--log-dir", str(tmp_path)],
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr == (
        f"ihd: error: another IHD is already running on the data dir {data_dir} "
        f"(process {os.getpid()}); close it, or give this one another --data-dir\n"
    )
