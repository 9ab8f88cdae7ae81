"""Bad values on either program's command line: one sentence naming the value, status 2.

Each runs the installed program as a person would, and checks the whole of stderr: exactly one
line, no traceback, no argparse usage dump.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ihd_app.protocol.radio_spec import describe_transport_failure
from ihd_app.protocol.resources import vectors_directory
from tests.support import METER_ID

BIN = Path(sys.executable).parent
VECTOR = vectors_directory() / "envelopes" / "valid-outage-planned.cbor"
SIGN = ["sign", "--role", "dno", "--type", "outage.restored", "--text", "x", "--target", METER_ID]


def _run(program: str, *argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = (
        [sys.executable, "-m", "meter_emulator.cli.demo"]
        if program == "demo"
        else [str(BIN / program)]
    )
    return subprocess.run(
        [*command, *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=cwd,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr.strip()


@pytest.mark.parametrize(
    ("program", "argv", "expected"),
    [
        (
            "ihd",
            ["--form-factor", "480x"],
            "ihd: error: --form-factor: '480x' is not WIDTHxHEIGHT, e.g. 480x272",
        ),
        (
            "ihd",
            ["--headless", "--form-factor", "480x"],
            "ihd: error: --form-factor: '480x' is not WIDTHxHEIGHT, e.g. 480x272",
        ),
        (
            "demo",
            ["--offscreen", "--form-factor", "abc"],
            "./run demo: error: --form-factor: 'abc' is not WIDTHxHEIGHT, e.g. 480x272",
        ),
        (
            "ihd",
            ["frame", "decode", "0102", "--cluster", "banana"],
            "ihd frame decode: error: --cluster: 'banana' is not a number (e.g. 0x0703)",
        ),
        (
            "meter-emulator",
            [*SIGN, "--message-id", "pear", "--out", "x.cbor"],
            "meter-emulator sign: error: --message-id: 'pear' is not a number (e.g. 0x1001)",
        ),
    ],
    ids=["ihd-window", "ihd-headless", "demo", "cluster", "message-id"],
)
def test_a_bad_value_is_one_sentence_naming_it(
    tmp_path: Path, program: str, argv: list[str], expected: str
) -> None:
    assert _one_line(_run(program, *argv, cwd=tmp_path)) == expected


@pytest.mark.parametrize(
    ("program", "argv"),
    [
        ("ihd", ["frame", "decode", "012"]),
        ("meter-emulator", SIGN),
    ],
    ids=["frame", "cti"],
)
def test_odd_length_hex_says_so(tmp_path: Path, program: str, argv: list[str]) -> None:
    if program == "meter-emulator":
        argv = [*argv, "--cti", "abc", "--out", str(tmp_path / "x.cbor")]
    line = _one_line(_run(program, *argv))
    assert "odd number of hex digits" in line
    assert "not hexadecimal" not in line
    assert not (tmp_path / "x.cbor").exists()


@pytest.mark.parametrize(
    ("program", "argv"),
    [
        ("ihd", ["--headless", "--radio", "virtual:1"]),
        ("ihd", ["--radio", "virtual:1"]),
        ("meter-emulator", ["--headless", "--radio", "virtual:1"]),
        ("ihd", ["envelope", "verify", str(VECTOR)]),
    ],
    ids=["ihd-headless", "ihd-window", "meter", "verify"],
)
def test_a_data_dir_that_is_a_file_is_named(tmp_path: Path, program: str, argv: list[str]) -> None:
    data_file = tmp_path / "notes.txt"
    data_file.write_text("my notes\n", encoding="utf-8")
    line = _one_line(_run(program, *argv, "--data-dir", str(data_file)))
    assert f"--data-dir {data_file} is a file, not a folder:" in line
    assert data_file.read_text(encoding="utf-8") == "my notes\n"  # untouched


def test_a_data_dir_inside_a_file_is_named(tmp_path: Path) -> None:
    data_file = tmp_path / "notes.txt"
    data_file.write_text("my notes\n", encoding="utf-8")
    line = _one_line(_run("meter-emulator", "--headless", "--data-dir", str(data_file / "meter")))
    assert f"is inside {data_file}, which is a file, not a folder" in line


# A USB moniker no dongle answers to on any machine (vendor and product 0000), so the test does
# not depend on what is plugged in; without USB at all libusb fails first, as in a container.
NO_DONGLE = "usb:0000:0000"


@pytest.mark.parametrize("program", ["ihd", "meter-emulator"])
def test_no_usb_dongle_is_one_sentence_saying_what_to_do(tmp_path: Path, program: str) -> None:
    result = _run(
        program, "--headless", "--radio", f"bumble:{NO_DONGLE}", "--data-dir", str(tmp_path)
    )
    line = _one_line(result)
    assert line.startswith(f"{program}: error: no Bluetooth USB dongle at {NO_DONGLE}: plug one in")
    assert "--radio virtual" in line


# The advice keys on python-libusb1's class names (it is not imported where no USB is wanted).
class USBErrorOther(Exception):
    """Stands for python-libusb1's error when libusb cannot start (no USB in a container)."""


class USBErrorAccess(Exception):
    """Stands for python-libusb1's error for a dongle the user may not open."""


def test_libusb_errors_become_advice() -> None:
    missing = describe_transport_failure("usb:0", USBErrorOther("LIBUSB_ERROR_OTHER [-99]"))
    assert missing.startswith("no Bluetooth USB dongle at usb:0: plug one in")
    assert missing.endswith("(LIBUSB_ERROR_OTHER [-99])")
    denied = describe_transport_failure("usb:0", USBErrorAccess("LIBUSB_ERROR_ACCESS [-3]"))
    assert denied.startswith("no permission to open the Bluetooth USB dongle at usb:0")
    other = describe_transport_failure("serial:/dev/ttyX", FileNotFoundError(2, "No such file"))
    assert other == "cannot open the Bluetooth transport serial:/dev/ttyX: No such file"


@pytest.mark.parametrize(
    ("program", "argv"),
    [("ihd", ["envelope", "verify", str(VECTOR)]), ("meter-emulator", ["scenario", "list"])],
    ids=["ihd", "meter-emulator"],
)
def test_a_reader_that_stops_reading_is_not_a_traceback(program: str, argv: list[str]) -> None:
    # As `... | head -1` once head has gone: the pipe's reading end is closed before a write.
    reading, writing = os.pipe()
    os.close(reading)
    try:
        result = subprocess.run(
            [str(BIN / program), *argv],
            stdout=writing,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=60,
        )
    finally:
        os.close(writing)
    assert result.stderr == ""
    assert result.returncode == 141  # what a shell reports for a program stopped by SIGPIPE
