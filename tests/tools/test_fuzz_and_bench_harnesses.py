"""The fuzzing and benchmark harnesses behind ./run fuzz and ./run bench."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from benchmarks import run as bench
from fuzzing import run as fuzz


def test_fuzz_harness_runs_every_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "fuzz.json"
    assert fuzz.main(["--seconds", "0.5", "--seed", "7", "--json", str(report)]) == 0
    counts = json.loads(report.read_text())
    assert counts["findings"] == 0
    assert set(counts["inputs"]) == set(fuzz._targets())
    assert all(n > 0 for n in counts["inputs"].values())
    assert "total" in capsys.readouterr().out


def test_fuzz_harness_reports_an_escaping_exception(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def crashes(data: bytes) -> None:
        raise IndexError("a decoder bug")

    real = fuzz._targets()
    monkeypatch.setattr(fuzz, "_targets", lambda: {**real, "zcl.decode_unit": crashes})
    monkeypatch.chdir(tmp_path)
    assert fuzz.main(["--seconds", "5", "--seed", "1"]) == 1
    assert "IndexError: a decoder bug" in capsys.readouterr().err
    assert list((tmp_path / "fuzz-findings").glob("zcl.decode_unit-*.bin"))


def test_mutations_stay_reproducible() -> None:
    pool = [b"\x01\x02\x03\x04"]
    first = [fuzz.mutate(random.Random(3), pool[0], pool) for _ in range(5)]
    second = [fuzz.mutate(random.Random(3), pool[0], pool) for _ in range(5)]
    assert first == second


def test_bench_writes_every_key_as_a_number(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    assert bench.main(["--quick", "--json", str(out)]) == 0
    figures = json.loads(out.read_text())
    for key in (
        "verify_per_s",
        "raw_ecdsa_verify_per_s",
        "verify_ratio",
        "decode_units_per_s",
        "connect_ms_p50",
        "pairing_ms_p50",
        "raw_notify_rtt_ms_p50",
        "tcp_loopback_rtt_ms_p50",
        "latency_ms_p50",
        "latency_ms_p99",
        "backfill_s",
        "backfill_ratio",
        "chart_frame_ms",
        "chart_day_frame_ms",
        "cold_start_s",
        "python_start_s",
        "rss_mb",
        "python_rss_mb",
    ):
        assert isinstance(figures[key], float)
        assert figures[key] > 0
