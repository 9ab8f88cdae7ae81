"""``./run fuzz [--seconds N] [--engine atheris|hypothesis|mutation] [--seed S]``: fuzz every
decoder and the verifier.

Engines, chosen automatically in this order unless ``--engine`` says otherwise:

- ``atheris``: coverage-guided (libFuzzer), each target in a process of its own for its share of
  the time, seeded with the test vectors; needs the optional ``fuzz`` extra (``./run fuzz``
  installs it on first use when a wheel exists for this Python);
- ``hypothesis``: each target driven by ``@given`` over arbitrary bytes and over the seeds
  spliced and mutated, in batches until its share of the time is up;
- ``mutation``: a plain random mutation loop over the seeds (no dependency at all).

Each target must either accept its input or refuse it with
:class:`~ihd_app.protocol.errors.DecodeError` (decoders) or a verdict with a reason code
(verifier); anything else is a finding: the input is saved under ``fuzz-findings/`` and the
traceback reported. Every engine prints the inputs tried per target; the exit status is 1 if
anything escaped.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fuzzing.targets import Target
from fuzzing.targets import seeds as _seeds
from fuzzing.targets import targets as _targets

ENGINES = ("atheris", "hypothesis", "mutation")
FINDINGS_DIR = Path("fuzz-findings")
#: Longest input the engines generate: twice the largest seed, at least 4 KiB (the oversize
#: checks sit at 4 KiB for units and 8 KiB for envelopes).
MIN_MAX_LEN = 4096

__all__ = ["ENGINES", "main", "mutate", "select_engine"]


@dataclass
class Outcome:
    """What one engine did: inputs tried per target, and findings (one paragraph each)."""

    counts: dict[str, int]
    findings: list[str] = field(default_factory=list)


def mutate(rng: random.Random, data: bytes, pool: Sequence[bytes]) -> bytes:
    """One to four random edits of ``data`` (flip, set, cut, insert, delete, splice, repeat)."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        choice = rng.randrange(8)
        position = rng.randrange(len(out) + 1)
        if choice == 0 and out:
            out[position % len(out)] ^= 1 << rng.randrange(8)
        elif choice == 1 and out:
            out[position % len(out)] = rng.choice((0x00, 0xFF, 0x7F, 0x80, rng.randrange(256)))
        elif choice == 2:
            del out[position:]
        elif choice == 3:
            out[position:position] = rng.randbytes(rng.randint(1, 16))
        elif choice == 4 and out:
            del out[position : position + rng.randint(1, 8)]
        elif choice == 5:
            other = rng.choice(pool)
            cut = rng.randrange(len(other) + 1)
            out = out[:position] + bytearray(other[cut:])
        elif choice == 6 and out:
            chunk = out[position : position + rng.randint(1, 32)]
            out[position:position] = chunk * rng.randint(1, 4)
        else:
            out = bytearray(rng.randbytes(rng.randint(0, 64)))
    return bytes(out)


def _save_finding(name: str, label: object, data: bytes, findings_dir: Path) -> Path:
    findings_dir.mkdir(exist_ok=True)
    path = findings_dir / f"{name}-{label}.bin"
    path.write_bytes(data)
    return path


def _max_len(pool: Sequence[bytes]) -> int:
    return max(MIN_MAX_LEN, 2 * max((len(s) for s in pool), default=0))


# ---------------------------------------------------------------------------------------------
# Engines


def mutation_engine(seconds: float, seed: int, findings_dir: Path) -> Outcome:
    """Round-robin over the targets, 200 mutated seeds at a time, until the time is up."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible stream, not a secret
    targets = _targets()
    seeds = _seeds()
    outcome = Outcome(dict.fromkeys(targets, 0))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not outcome.findings:
        for name, target in targets.items():
            pool = seeds[name]
            for _ in range(200):
                data = mutate(rng, rng.choice(pool), pool)
                outcome.counts[name] += 1
                try:
                    target(data)
                except Exception:
                    path = _save_finding(name, outcome.counts[name], data, findings_dir)
                    outcome.findings.append(f"{name}: {path}\n{traceback.format_exc()}")
                    break
            if outcome.findings:
                break
    return outcome


def _property(
    run: Callable[[bytes], None],
    given: Callable[[Callable[[bytes], None]], Callable[[], None]],
    batch: Callable[[Callable[[], None]], Callable[[], None]],
) -> Callable[[], None]:
    """``run`` as a hypothesis test (a closure: @given refuses default arguments)."""

    def fuzz_one(data: bytes) -> None:
        run(data)

    return batch(given(fuzz_one))


def hypothesis_engine(seconds: float, seed: int, findings_dir: Path) -> Outcome:
    """Each target for its share of the time: ``@given`` arbitrary bytes, seeds spliced with
    arbitrary bytes, and seeds put through :func:`mutate`; batches of examples until the time
    is up. A failure is shrunk by hypothesis and the smallest failing input saved."""
    from hypothesis import HealthCheck, Phase, given, settings  # noqa: PLC0415 - optional
    from hypothesis import seed as hypothesis_seed  # noqa: PLC0415
    from hypothesis import strategies as st  # noqa: PLC0415

    targets = _targets()
    seeds = _seeds()
    outcome = Outcome(dict.fromkeys(targets, 0))
    share = seconds / len(targets)
    batch = settings(
        max_examples=100,
        deadline=None,
        database=None,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )

    def splice(base: bytes, at: int, cut: int, insert: bytes) -> bytes:
        at %= len(base) + 1
        return base[:at] + insert + base[at + cut :]

    for number, (name, target) in enumerate(targets.items()):
        pool = seeds[name]
        longest = _max_len(pool)
        inputs = st.one_of(
            st.binary(max_size=longest),
            st.builds(
                splice,
                st.sampled_from(pool),
                st.integers(0, longest),
                st.integers(0, 64),
                st.binary(max_size=64),
            ),
            st.builds(
                lambda r, base, pool=pool: mutate(r, base, pool),
                st.randoms(use_true_random=False),
                st.sampled_from(pool),
            ),
        )
        failures: list[tuple[bytes, str]] = []

        def run_one(
            data: bytes,
            name: str = name,
            target: Target = target,
            failures: list[tuple[bytes, str]] = failures,
        ) -> None:
            outcome.counts[name] += 1
            try:
                target(data)
            except Exception:
                failures.append((data, traceback.format_exc()))
                raise

        fuzz_one = _property(run_one, given(inputs), batch)
        deadline = time.monotonic() + share
        round_number = 0
        while time.monotonic() < deadline:
            round_number += 1
            try:
                hypothesis_seed(seed * 1_000_003 + number * 10_007 + round_number)(fuzz_one)()
            except Exception:
                if not failures:
                    raise  # not the target's failure: a fault of this harness
                # Hypothesis replays the smallest failing example last.
                data, trace = failures[-1]
                path = _save_finding(name, outcome.counts[name], data, findings_dir)
                outcome.findings.append(f"{name}: {path}\n{trace}")
                return outcome
    return outcome


_EXECUTED = re.compile(r"stat::number_of_executed_units:\s*(\d+)")
_DONE = re.compile(r"Done (\d+) runs")
_ARTIFACT = re.compile(r"Test unit written to (\S+)")


def atheris_engine(seconds: float, seed: int, findings_dir: Path) -> Outcome:
    """Each target under libFuzzer for its share of the time (whole seconds, at least one), in
    a process of its own (:mod:`fuzzing.atheris_worker`), its corpus seeded from the test
    vectors in a temporary directory."""
    names = list(_targets())
    seeds = _seeds()
    outcome = Outcome(dict.fromkeys(names, 0))
    share = max(1, round(seconds / len(names)))
    for name in names:
        with tempfile.TemporaryDirectory(prefix=f"fuzz-{name}-") as tmp:
            corpus = Path(tmp) / "corpus"
            corpus.mkdir()
            for index, data in enumerate(seeds[name]):
                (corpus / f"seed-{index:04d}").write_bytes(data)
            command = [
                sys.executable,
                "-m",
                "fuzzing.atheris_worker",
                name,
                f"-max_total_time={share}",
                f"-seed={seed or 1}",
                f"-max_len={_max_len(seeds[name])}",
                f"-artifact_prefix={tmp}/{name}-",
                "-print_final_stats=1",
                str(corpus),
            ]
            # Bounded: libFuzzer stops itself after max_total_time; the rest is start-up.
            done = subprocess.run(  # noqa: PLW1510 - the status is the verdict
                command, capture_output=True, text=True, timeout=share + 120
            )
            log = done.stderr
            executed = _EXECUTED.search(log) or _DONE.search(log)
            runs = [int(m) for m in re.findall(r"^#(\d+)\s", log, re.MULTILINE)]
            outcome.counts[name] = int(executed.group(1)) if executed else max(runs, default=0)
            if done.returncode == 0:
                continue
            artifact = _ARTIFACT.search(log)
            where = "(no input written)"
            if artifact and Path(artifact.group(1)).is_file():
                crash = Path(artifact.group(1))
                where = str(
                    _save_finding(
                        name, crash.name.removeprefix(f"{name}-"), crash.read_bytes(), findings_dir
                    )
                )
            start = log.find("=== Uncaught Python exception")
            detail = log[start:] if start >= 0 else log[-3000:]
            outcome.findings.append(f"{name}: {where}\n{detail.strip()}")
            break
    return outcome


ENGINE_FUNCTIONS = {
    "atheris": atheris_engine,
    "hypothesis": hypothesis_engine,
    "mutation": mutation_engine,
}


def available(engine: str) -> bool:
    """Whether ``engine``'s library can be imported here."""
    if engine == "mutation":
        return True
    return importlib.util.find_spec(engine) is not None


def select_engine(requested: str | None) -> str:
    """The engine to run: ``requested``, or the first available of atheris, hypothesis,
    mutation.

    Raises:
        SystemExit: ``requested`` is not installed (with the line that installs it).
    """
    if requested is not None:
        if not available(requested):
            extra = "fuzz" if requested == "atheris" else "test"
            raise SystemExit(
                f"./run fuzz: the {requested} engine is not installed "
                f'(.venv/bin/pip install -e ".[{extra}]")'
            )
        return requested
    return next(engine for engine in ENGINES if available(engine))


def main(argv: Sequence[str] | None = None) -> int:
    """Fuzz every target with the chosen engine until the time is up; 1 if anything escaped."""
    parser = argparse.ArgumentParser(prog="./run fuzz", description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="total time (default 60)")
    parser.add_argument(
        "--engine", choices=ENGINES, default=None, help="default: atheris, else hypothesis"
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: time)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the counts as JSON")
    args = parser.parse_args(argv)
    engine = select_engine(args.engine)
    seed = args.seed if args.seed is not None else time.time_ns() % 2**32
    outcome = ENGINE_FUNCTIONS[engine](args.seconds, seed, FINDINGS_DIR)
    counts, findings = outcome.counts, outcome.findings
    total = sum(counts.values())
    print(f"fuzzing with {engine}, seed {seed}, {args.seconds:.0f} s")
    for name, count in counts.items():
        print(f"  {name:<28} {count:>10,} inputs")
    print(f"  {'total':<28} {total:>10,} inputs, {len(findings)} finding(s)")
    for finding in findings:
        print(finding, file=sys.stderr)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "engine": engine,
                    "seed": seed,
                    "seconds": args.seconds,
                    "inputs": counts,
                    "total": total,
                    "findings": len(findings),
                },
                indent=2,
            )
        )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
