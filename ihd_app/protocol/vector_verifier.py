"""The verifier an envelope test vector says to check it with (its ``verify`` section in
``resources/test-vectors/index.json``): recipient flows and targets, the documented time, the
counters an earlier delivery used (replay vectors) and the sessions the meter opened
(``wrong-session``) and the certificate a session's handshake verified (envelopes carrying the
key id alone). ``ihd --self-test`` and the tests use the same one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding

from ihd_app.protocol.message_types import Flow
from ihd_app.protocol.pki import TrustStore
from ihd_app.protocol.pki.certificates import load_certificate
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.replay import InMemoryReplayCounters
from ihd_app.protocol.timeutil import parse_instant
from ihd_app.protocol.verification import Verifier


def vector_verifier(entry: Mapping[str, Any], trust: TrustStore, policy: Policy) -> Verifier:
    """A verifier set up as the vector ``entry`` documents.

    Raises:
        KeyError, TypeError, ValueError: ``entry`` is not a vector entry.
    """
    verify = entry["verify"]
    moment = parse_instant(verify["at"])
    counters = InMemoryReplayCounters()
    # Replay vectors document the counters an earlier message already used.
    state = entry.get("state") or {}
    for originator, counter in state.get("accepted_counters", {}).items():
        counters.advance(str(originator), int(counter))
    opened = entry.get("sessions")
    sessions = (
        {(str(ihd), str(session)) for ihd, ids in opened.items() for session in ids}
        if isinstance(opened, Mapping)
        else None
    )
    pem = entry.get("session_certificate_pem")
    session_certificate = (
        load_certificate(pem.encode("ascii")).public_bytes(Encoding.DER)
        if isinstance(pem, str)
        else None
    )
    return Verifier(
        trust,
        policy,
        counters,
        [str(target) for target in verify["targets"]],
        flows=[Flow(flow) for flow in verify["accepts_flows"]],
        clock=lambda: moment,
        # Only a vector naming the meter's sessions is checked against them.
        sessions=None if sessions is None else lambda ihd, s: (ihd, s) in sessions,
        session_signers=lambda _kid, _session: session_certificate,
    )
