"""``ihd --self-test`` of the installed (unfrozen) program: what CI also runs on the frozen one."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ihd_app.cli import self_test
from ihd_app.cli.self_test import SelfTestError, run_self_test, self_test_main
from ihd_app.protocol.resources import vectors_directory

BIN = Path(sys.executable).parent


def test_installed_ihd_passes_its_self_test_offscreen_by_itself() -> None:
    # No QT_QPA_PLATFORM: the self-test must choose offscreen itself (CI and a bare terminal).
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    result = subprocess.run(
        [str(BIN / "ihd"), "--self-test"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # Every committed unit vector, however many helpers have added.
    units = len(list((vectors_directory() / "units").glob("*.json")))
    assert lines[0].startswith(f"self-test: {units} unit test vectors decoded")
    assert "envelopes verified with the DEMO trust store" in lines[1]
    assert "window opened on the offscreen platform at 800x480; 9 screens painted" in lines[2]
    assert lines[-1] == "self-test: passed"


@pytest.fixture
def vectors(tmp_path: Path) -> Path:
    """A private copy of the committed test vectors, to break."""
    copy = tmp_path / "test-vectors"
    shutil.copytree(vectors_directory(), copy)
    return copy


def _no_window() -> str:
    return "window not opened (this test is about the vectors)"


def test_every_step_reports_on_a_good_copy(vectors: Path) -> None:
    out = io.StringIO()
    run_self_test(out, vectors=vectors, window_check=_no_window)
    assert out.getvalue().count("\n") == 3


def test_a_unit_vector_decoding_differently_fails_with_its_name(vectors: Path) -> None:
    path = vectors / "units" / "metering-demand-export.json"
    entry = json.loads(path.read_text())
    entry["decoded"]["endpoint"] = 2
    path.write_text(json.dumps(entry))
    with pytest.raises(SelfTestError, match="unit vector metering-demand-export decoded differ"):
        run_self_test(io.StringIO(), vectors=vectors, window_check=_no_window)


def test_a_tampered_envelope_fails_with_a_sentence(vectors: Path) -> None:
    path = vectors / "envelopes" / "valid-outage-planned.cbor"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01  # the last byte of the signature
    path.write_bytes(bytes(data))
    with pytest.raises(
        SelfTestError,
        match="envelope vector valid-outage-planned was bad-signature but should be accepted",
    ):
        run_self_test(io.StringIO(), vectors=vectors, window_check=_no_window)


def test_a_missing_trust_store_fails_with_a_sentence(vectors: Path, tmp_path: Path) -> None:
    with pytest.raises(SelfTestError, match="the trust store or policy did not load"):
        run_self_test(
            io.StringIO(), vectors=vectors, trust_dir=tmp_path / "none", window_check=_no_window
        )


def test_self_test_main_exits_1_with_one_line(
    vectors: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.rmtree(vectors / "units")
    monkeypatch.setattr(self_test, "vectors_directory", lambda: vectors)
    out, err = io.StringIO(), io.StringIO()
    assert self_test_main(out, err) == 1
    assert err.getvalue() == f"ihd: self-test failed: no unit test vectors in {vectors / 'units'}\n"
    assert "passed" not in out.getvalue()


def test_a_module_missing_from_a_frozen_build_is_a_sentence_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def missing(*_: object, **__: object) -> None:
        raise ModuleNotFoundError("No module named 'bumble.transport.tcp_client'")

    monkeypatch.setattr(self_test, "run_self_test", missing)
    err = io.StringIO()
    assert self_test_main(io.StringIO(), err) == 1
    assert err.getvalue() == (
        "ihd: self-test failed: the program itself is broken (ModuleNotFoundError: "
        "No module named 'bumble.transport.tcp_client')\n"
    )
