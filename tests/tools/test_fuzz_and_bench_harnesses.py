"""The fuzzing and benchmark harnesses behind ./run fuzz and ./run bench."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest

from benchmarks import run as bench
from fuzzing import run as fuzz
from fuzzing.targets import decoder
from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.reasons import Reason


@pytest.mark.parametrize("engine", ["mutation", "hypothesis"])
def test_fuzz_harness_runs_every_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], engine: str
) -> None:
    report = tmp_path / "fuzz.json"
    argv = ["--engine", engine, "--seconds", "0.5", "--seed", "7", "--json", str(report)]
    assert fuzz.main(argv) == 0
    counts = json.loads(report.read_text())
    assert counts["engine"] == engine
    assert counts["findings"] == 0
    assert set(counts["inputs"]) == set(fuzz._targets())
    assert all(n > 0 for n in counts["inputs"].values())
    assert counts["total"] == sum(counts["inputs"].values())
    out = capsys.readouterr().out
    assert f"fuzzing with {engine}" in out
    assert "total" in out


@pytest.mark.parametrize("engine", ["mutation", "hypothesis"])
def test_fuzz_harness_reports_an_escaping_exception(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    engine: str,
) -> None:
    def crashes(data: bytes) -> None:
        raise IndexError("a decoder bug")

    real = fuzz._targets()
    monkeypatch.setattr(fuzz, "_targets", lambda: {**real, "zcl.decode_unit": crashes})
    monkeypatch.chdir(tmp_path)
    assert fuzz.main(["--engine", engine, "--seconds", "5", "--seed", "1"]) == 1
    assert "IndexError: a decoder bug" in capsys.readouterr().err
    assert list((tmp_path / "fuzz-findings").glob("zcl.decode_unit-*.bin"))


def test_a_documented_decode_error_is_not_a_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuses(data: bytes) -> None:
        raise DecodeError(Reason.MALFORMED, "not a unit")

    monkeypatch.setattr(fuzz, "_targets", lambda: {"zcl.decode_unit": decoder(refuses)})
    monkeypatch.chdir(tmp_path)
    assert fuzz.main(["--engine", "hypothesis", "--seconds", "0.2", "--seed", "2"]) == 0
    assert not (tmp_path / "fuzz-findings").exists()


@pytest.mark.parametrize(
    ("installed", "chosen"),
    [
        ({"atheris", "hypothesis"}, "atheris"),
        ({"hypothesis"}, "hypothesis"),
        (set(), "mutation"),
    ],
)
def test_engine_auto_selection_prefers_atheris_then_hypothesis(
    monkeypatch: pytest.MonkeyPatch, installed: set[str], chosen: str
) -> None:
    monkeypatch.setattr(fuzz, "available", lambda engine: engine in installed | {"mutation"})
    assert fuzz.select_engine(None) == chosen
    assert fuzz.select_engine("mutation") == "mutation"


def test_an_engine_asked_for_but_missing_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert fuzz.available("mutation")
    assert fuzz.available("hypothesis")  # the test extra
    monkeypatch.setattr(fuzz, "available", lambda engine: engine == "mutation")
    with pytest.raises(SystemExit, match=r"pip install -e \"\.\[fuzz\]\""):
        fuzz.select_engine("atheris")


def test_atheris_engine_reads_libfuzzers_counts_and_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands: list[list[str]] = []

    def libfuzzer(command: list[str], **_kwargs: object) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        name = command[3]
        if name == "envelope.parse":
            prefix = next(a for a in command if a.startswith("-artifact_prefix="))
            crash = prefix.removeprefix("-artifact_prefix=") + "crash-1"
            Path(crash).write_bytes(b"\xa1")
            log = (
                "#512\tNEW cov: 9\n === Uncaught Python exception: ===\n"
                "IndexError: a decoder bug\n"
                f"artifact_prefix='x'; Test unit written to {crash}\n"
                "stat::number_of_executed_units: 600\n"
            )
            return subprocess.CompletedProcess(command, 77, "", log)
        log = "Done 1234 runs in 1 second(s)\nstat::number_of_executed_units: 1234\n"
        return subprocess.CompletedProcess(command, 0, "", log)

    monkeypatch.setattr(fuzz.subprocess, "run", libfuzzer)
    outcome = fuzz.atheris_engine(14, 5, tmp_path / "findings")

    names = list(fuzz._targets())
    stopped_at = names.index("envelope.parse")
    assert [c[3] for c in commands] == names[: stopped_at + 1]
    assert all("-max_total_time=2" in c and "-seed=5" in c for c in commands)
    assert all(c[-1] != str(tmp_path) for c in commands)  # a temporary corpus of the seeds
    assert outcome.counts["zcl.decode_unit"] == 1234
    assert outcome.counts["envelope.parse"] == 600
    assert outcome.counts["verifier.verify"] == 0  # not reached: it stops at the finding
    (finding,) = outcome.findings
    saved = tmp_path / "findings" / "envelope.parse-crash-1.bin"
    assert saved.read_bytes() == b"\xa1"
    assert str(saved) in finding
    assert "IndexError: a decoder bug" in finding


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
        "throughput_msgs_per_s",
        "raw_notify_units_per_s",
        "throughput_ratio",
        "chart_frame_ms",
        "chart_day_frame_ms",
        "cold_start_s",
        "python_start_s",
        "rss_mb",
        "python_rss_mb",
    ):
        assert isinstance(figures[key], float)
        assert figures[key] > 0
