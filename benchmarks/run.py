"""``./run bench [--quick] [--json FILE]``: performance figures, as medians over repeated runs.

Every figure is paired with a baseline measured in the same run on the same machine, so the ratio
means something on a slow laptop and on a fast desktop alike:

- ``verify_per_s``: full envelope verification (parse, certificate, chain, revocation, policy,
  ZCL decode, replay counter) per second; baseline ``raw_ecdsa_verify_per_s``, the bare P-256
  signature check of the same bytes with ``cryptography``, the floor no verifier can beat.
- ``decode_units_per_s``: ZCL units decoded per second; baseline ``cbor_decode_per_s``, the same
  bytes count of CBOR decoded by the C ``cbor2`` decoder.

- ``connect_ms_p50``, ``pairing_ms_p50``, ``link_ready_ms_p50``, ``raw_notify_rtt_ms_p50/p99``:
  the BLE link over the virtual radio (see :mod:`benchmarks.link`); baseline
  ``tcp_loopback_rtt_ms_p50``, the loopback TCP round trip the virtual air runs on.

- ``latency_ms_p50/p99``, ``backfill_s``, ``backfill_ratio``: the IHD's message pipeline and
  history backfill (see :mod:`benchmarks.pipeline`); baseline ``raw_notify_bytes_per_s``, and
  ``backfill_traffic_ratio``, the ratio the backfill's own traffic reaches with no work at either
  end (its ceiling on this link).
- ``throughput_msgs_per_s``: operator messages per second, meter to IHD to displayed, sent back
  to back (see :mod:`benchmarks.pipeline`); baseline ``raw_notify_units_per_s``, ratio
  ``throughput_ratio``.

- ``chart_frame_ms``: the usage chart panned and zoomed over a year of 10-second readings
  (3.2 M points), per frame (see :mod:`benchmarks.chart`); baseline ``chart_day_frame_ms``, the
  same frames over one day of readings.
- ``cold_start_s``, ``rss_mb``: a fresh IHD process to its first painted frame, and its memory
  then (see :mod:`benchmarks.startup`); baselines ``python_start_s`` and ``python_rss_mb``, a
  bare interpreter.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from benchmarks.chart import measure_chart
from benchmarks.link import measure_link
from benchmarks.pipeline import measure_pipeline
from benchmarks.startup import measure_startup
from ihd_app.protocol.envelope import parse_envelope
from ihd_app.protocol.message_types import Flow
from ihd_app.protocol.pki import TrustStore, load_certificate
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.replay import InMemoryReplayCounters
from ihd_app.protocol.resources import default_policy_path, demo_trust_dir, vectors_directory
from ihd_app.protocol.verification import Verifier
from ihd_app.protocol.zcl import decode_unit
from meter_emulator.attacks.vector_requests import IHD_ID, METER_ID, VECTOR_TIME


def _rate(action: Callable[[], None], seconds: float) -> float:
    """Calls per second of ``action`` over about ``seconds``."""
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(50):
            action()
        count += 50
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def _median_rate(action: Callable[[], None], repeats: int, seconds: float) -> float:
    return statistics.median(_rate(action, seconds) for _ in range(repeats))


class _Counter:
    """Replay counters that accept every counter: the benchmark verifies one envelope repeatedly."""

    def last_counter(self, originator: str) -> int | None:
        return None

    def advance(self, originator: str, counter: int) -> bool:
        return True


def measure(quick: bool) -> dict[str, float]:
    """Run every benchmark; returns the figures by key."""
    repeats, seconds = (3, 0.3) if quick else (7, 1.0)
    envelope = (vectors_directory() / "envelopes" / "valid-outage-planned.cbor").read_bytes()
    verifier = Verifier(
        TrustStore.from_directory(demo_trust_dir()),
        Policy.from_file(default_policy_path()),
        _Counter(),
        {METER_ID, IHD_ID},
        flows=(Flow.TO_IHD,),
        clock=lambda: VECTOR_TIME,
    )
    assert verifier.verify(envelope).accepted
    assert InMemoryReplayCounters  # the production counters are dict lookups: not the cost

    parsed = parse_envelope(envelope)
    assert parsed.certificate_der is not None
    public_key = load_certificate(parsed.certificate_der).public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    to_be_signed = cbor2.dumps(["Signature1", parsed.protected, b"", parsed.payload])
    der_signature = encode_dss_signature(
        int.from_bytes(parsed.signature[:32], "big"), int.from_bytes(parsed.signature[32:], "big")
    )

    def raw_verify() -> None:
        public_key.verify(der_signature, to_be_signed, ec.ECDSA(hashes.SHA256()))

    unit = parsed.payload
    units_cbor = cbor2.dumps({"unit": unit})

    results = {
        "verify_per_s": _median_rate(lambda: verifier.verify(envelope), repeats, seconds),
        "raw_ecdsa_verify_per_s": _median_rate(raw_verify, repeats, seconds),
        "decode_units_per_s": _median_rate(lambda: decode_unit(unit), repeats, seconds),
        "cbor_decode_per_s": _median_rate(lambda: cbor2.loads(units_cbor), repeats, seconds),
    }
    results["verify_ratio"] = results["verify_per_s"] / results["raw_ecdsa_verify_per_s"]
    results["decode_ratio"] = results["decode_units_per_s"] / results["cbor_decode_per_s"]
    return results


TARGETS = {
    "verify_per_s": (">", 2000.0),
    "latency_ms_p50": ("<", 10.0),
    "latency_ms_p99": ("<", 30.0),
    "backfill_ratio": (">", 0.5),
    "chart_frame_ms": ("<", 16.7),
    "cold_start_s": ("<", 2.0),
    "rss_mb": ("<", 300.0),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table and optionally write the JSON."""
    parser = argparse.ArgumentParser(prog="./run bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repetitions")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the figures as JSON")
    args = parser.parse_args(argv)
    results = measure(args.quick)
    results.update(asyncio.run(measure_link(args.quick)))
    results.update(asyncio.run(measure_pipeline(args.quick)))
    results.update(measure_chart(args.quick))
    results.update(measure_startup(args.quick))
    print(f"{'figure':<26} {'median':>14}  target")
    for key, value in results.items():
        target = TARGETS.get(key)
        verdict = ""
        if target is not None:
            op, bound = target
            met = value > bound if op == ">" else value < bound
            verdict = f"{op} {bound:,g}  {'met' if met else 'MISSED'}"
        print(f"{key:<26} {value:>14,.2f}  {verdict}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
