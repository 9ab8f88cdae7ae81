"""``./run`` keeps the caller's working directory: paths a person types resolve against it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.support import METER_ID

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "run"


def _run(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RUN), *argv], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )


def test_a_relative_out_path_lands_in_the_callers_directory(tmp_path: Path) -> None:
    signed = _run(
        tmp_path,
        "meter-emulator",
        "sign",
        "--role",
        "dno",
        "--type",
        "outage.restored",
        "--text",
        "Restored",
        "--target",
        METER_ID,
        "--out",
        "message.cbor",
    )
    assert signed.returncode == 0, signed.stderr
    assert (tmp_path / "message.cbor").stat().st_size > 0
    assert not (ROOT / "message.cbor").exists()
    # ... and the file is found again by the same relative name.
    verified = _run(tmp_path, "ihd", "envelope", "verify", "message.cbor")
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["verdict"] == "accepted"


def test_a_relative_input_file_is_read_from_the_callers_directory(tmp_path: Path) -> None:
    (tmp_path / "garbage.bin").write_bytes(b"not an envelope")
    result = _run(tmp_path, "ihd", "envelope", "verify", "garbage.bin")
    # Read and refused as malformed, not "No such file" from inside the checkout.
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["reason"] == "malformed"
