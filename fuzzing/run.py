"""``./run fuzz [--seconds N] [--seed S]``: mutation fuzzing of every decoder and the verifier.

Seeds are the committed test vectors (every unit and envelope), so mutations reach deep checks
rather than dying in the first length byte. Each target must either accept its input or refuse it
with :class:`~ihd_app.protocol.errors.DecodeError` (decoders) or a verdict with a reason code
(verifier); anything else is a finding, saved under ``fuzz-findings/`` and reported.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from ihd_app.protocol.envelope import parse_envelope
from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.message_types import Flow
from ihd_app.protocol.pki import TrustStore
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.replay import InMemoryReplayCounters
from ihd_app.protocol.resources import default_policy_path, demo_trust_dir, vectors_directory
from ihd_app.protocol.segmentation import Reassembler, Segmenter
from ihd_app.protocol.verification import Verifier
from ihd_app.protocol.zcl import MESSAGING, METERING, PRICE, decode_frame, decode_unit
from meter_emulator.attacks.vectors import VECTOR_TIME

Target = Callable[[bytes], None]


def _decoder(decode: Callable[[bytes], object]) -> Target:
    def run(data: bytes) -> None:
        try:
            decode(data)
        except DecodeError as exc:
            if not isinstance(exc.reason, Reason):
                raise AssertionError(f"reason {exc.reason!r} is not a Reason") from None

    return run


def _targets() -> dict[str, Target]:
    verifier = Verifier(
        TrustStore.from_directory(demo_trust_dir()),
        Policy.from_file(default_policy_path()),
        InMemoryReplayCounters(),
        {"00-1D-A6-00-00-00-00-01", "00-1D-A6-00-00-00-01-01"},
        flows=tuple(Flow),
        clock=lambda: VECTOR_TIME,
    )
    reassembler = Reassembler(max_unit_bytes=4096, clock=lambda: 0.0)

    def verify(data: bytes) -> None:
        verdict = verifier.verify(data)
        if verdict.reason is not None and not isinstance(verdict.reason, Reason):
            raise AssertionError(f"verdict reason {verdict.reason!r} is not a Reason")

    def reassemble(data: bytes) -> None:
        with contextlib.suppress(DecodeError):
            reassembler.feed(data)
        if reassembler.buffered > reassembler.max_unit_bytes:
            raise AssertionError("reassembly buffer exceeded its bound")

    return {
        "zcl.decode_unit": _decoder(decode_unit),
        "zcl.decode_frame.price": _decoder(lambda d: decode_frame(d, PRICE)),
        "zcl.decode_frame.metering": _decoder(lambda d: decode_frame(d, METERING)),
        "zcl.decode_frame.messaging": _decoder(lambda d: decode_frame(d, MESSAGING)),
        "segmentation.reassemble": reassemble,
        "envelope.parse": _decoder(parse_envelope),
        "verifier.verify": verify,
    }


def _seeds() -> dict[str, list[bytes]]:
    root = vectors_directory()
    units = [
        bytes.fromhex(json.loads(p.read_text())["hex"]) for p in (root / "units").glob("*.json")
    ]
    envelopes = [p.read_bytes() for p in (root / "envelopes").glob("*.cbor")]
    segmenter = Segmenter(mtu=23)
    segments = [s for unit in units + envelopes[:4] for s in segmenter.segment(unit)]
    bare = [u[3:] for u in units]
    return {
        "zcl.decode_unit": units,
        "zcl.decode_frame.price": bare,
        "zcl.decode_frame.metering": bare,
        "zcl.decode_frame.messaging": bare,
        "segmentation.reassemble": segments,
        "envelope.parse": envelopes,
        "verifier.verify": envelopes,
    }


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


def main(argv: Sequence[str] | None = None) -> int:
    """Fuzz every target in turn until the time is up; 1 if anything escaped."""
    parser = argparse.ArgumentParser(prog="./run fuzz", description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="total time (default 60)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: time)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the counts as JSON")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else time.time_ns() % 2**32
    rng = random.Random(seed)  # noqa: S311 - a reproducible stream, not a secret
    targets = _targets()
    seeds = _seeds()
    counts = dict.fromkeys(targets, 0)
    findings: list[str] = []
    deadline = time.monotonic() + args.seconds
    findings_dir = Path("fuzz-findings")
    while time.monotonic() < deadline and not findings:
        for name, target in targets.items():
            pool = seeds[name]
            for _ in range(200):
                data = mutate(rng, rng.choice(pool), pool)
                counts[name] += 1
                try:
                    target(data)
                except Exception:
                    findings_dir.mkdir(exist_ok=True)
                    path = findings_dir / f"{name}-{counts[name]}.bin"
                    path.write_bytes(data)
                    findings.append(f"{name}: {path}\n{traceback.format_exc()}")
                    break
    total = sum(counts.values())
    print(f"fuzzing seed {seed}, {args.seconds:.0f} s")
    for name, count in counts.items():
        print(f"  {name:<28} {count:>10,} inputs")
    print(f"  {'total':<28} {total:>10,} inputs, {len(findings)} finding(s)")
    for finding in findings:
        print(finding, file=sys.stderr)
    if args.json:
        args.json.write_text(
            json.dumps(
                {"seed": seed, "inputs": counts, "total": total, "findings": len(findings)},
                indent=2,
            )
        )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
