"""What ``./run fuzz`` fuzzes: every decoder and the verifier, and the seeds each starts from.

Each target must either accept its input or refuse it with
:class:`~ihd_app.protocol.errors.DecodeError` (decoders: ``ProtocolError`` subclasses with a
reason code) or a verdict with a reason code (verifier); anything else escapes as an exception,
which every engine reports as a finding. Seeds are the committed test vectors (every unit and
envelope, and their segments), so mutations reach deep checks rather than dying in the first
length byte.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable

from ihd_app.protocol.envelope import parse_envelope
from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.message_types import Flow
from ihd_app.protocol.pki import TrustStore
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.replay import InMemoryReplayCounters
from ihd_app.protocol.resources import default_policy_path, demo_trust_dir, vectors_directory
from ihd_app.protocol.segmentation.reassembler import Reassembler
from ihd_app.protocol.segmentation.segmenter import Segmenter
from ihd_app.protocol.verification import Verifier
from ihd_app.protocol.zcl import MESSAGING, METERING, PRICE, decode_frame, decode_unit
from meter_emulator.attacks.vector_requests import VECTOR_TIME

Target = Callable[[bytes], None]


def decoder(decode: Callable[[bytes], object]) -> Target:
    """A target that runs ``decode`` and lets only a DecodeError with a Reason pass."""

    def run(data: bytes) -> None:
        try:
            decode(data)
        except DecodeError as exc:
            if not isinstance(exc.reason, Reason):
                raise AssertionError(f"reason {exc.reason!r} is not a Reason") from None

    return run


def targets() -> dict[str, Target]:
    """Every target by name (a fresh verifier and reassembler each call)."""
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
        "zcl.decode_unit": decoder(decode_unit),
        "zcl.decode_frame.price": decoder(lambda d: decode_frame(d, PRICE)),
        "zcl.decode_frame.metering": decoder(lambda d: decode_frame(d, METERING)),
        "zcl.decode_frame.messaging": decoder(lambda d: decode_frame(d, MESSAGING)),
        "segmentation.reassemble": reassemble,
        "envelope.parse": decoder(parse_envelope),
        "verifier.verify": verify,
    }


def seeds() -> dict[str, list[bytes]]:
    """The seed corpus of every target, from ``resources/test-vectors``."""
    root = vectors_directory()
    units = [
        bytes.fromhex(json.loads(p.read_text())["hex"])
        for p in sorted((root / "units").glob("*.json"))
    ]
    envelopes = [p.read_bytes() for p in sorted((root / "envelopes").glob("*.cbor"))]
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
