"""Fuzzing the envelope parser and the verifier: any bytes give a verdict with a reason code.

Random bytes mostly die in the CBOR decoder, so most examples here are mutations of genuine
envelopes (bit flips, truncations, splices, CBOR-level edits), which reach the later checks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import cbor2
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import parse_envelope, sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.pki import Identity, TrustStore
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.replay import InMemoryReplayCounters
from ihd_app.protocol.verification import Verifier
from tests.support import METER_ID, NOW

FUZZ = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _genuine(identities: Callable[[str], Identity]) -> bytes:
    dno = identities("dno")
    payload, details = compose(
        MessageRequest("outage.planned", message_id=1, text="Power cut 10:00-14:00")
    )
    claims = new_claims(
        dno, "outage.planned", METER_ID, 7, issued_at=NOW - timedelta(minutes=1), details=details
    )
    return sign_envelope(dno, claims, payload)


def _fresh_verifier(trust: TrustStore, policy: Policy) -> Verifier:
    return Verifier(trust, policy, InMemoryReplayCounters(), {METER_ID}, clock=lambda: NOW)


def _assert_refused_with_reason(verifier: Verifier, data: bytes) -> None:
    verdict = verifier.verify(data)
    assert verdict.reason is None or isinstance(verdict.reason, Reason)
    assert verdict.detail


@FUZZ
@given(data=st.binary(max_size=6000))
def test_random_bytes_get_a_reason(data: bytes, trust: TrustStore, policy: Policy) -> None:
    verdict = _fresh_verifier(trust, policy).verify(data)
    assert not verdict.accepted
    assert isinstance(verdict.reason, Reason)


@FUZZ
@given(
    position=st.integers(min_value=0),
    bit=st.integers(min_value=0, max_value=7),
    cut=st.integers(min_value=0),
    insert=st.binary(max_size=16),
    mode=st.sampled_from(["flip", "truncate", "insert", "delete"]),
)
def test_mutated_envelopes_never_raise_and_never_pass(
    identities: Callable[[str], Identity],
    trust: TrustStore,
    policy: Policy,
    position: int,
    bit: int,
    cut: int,
    insert: bytes,
    mode: str,
) -> None:
    genuine = _genuine(identities)
    index = position % len(genuine)
    if mode == "flip":
        mutated = genuine[:index] + bytes([genuine[index] ^ (1 << bit)]) + genuine[index + 1 :]
    elif mode == "truncate":
        mutated = genuine[: cut % len(genuine)]
    elif mode == "insert":
        mutated = genuine[:index] + insert + genuine[index:]
    else:
        mutated = genuine[:index] + genuine[index + 1 + cut % 8 :]
    verdict = _fresh_verifier(trust, policy).verify(mutated)
    assert isinstance(verdict.reason, Reason) or verdict.accepted
    if verdict.accepted:
        # Only a change outside what is signed may pass: the unprotected header (certificate
        # bytes that still hash to the kid cannot change) - so the signed parts are identical.
        original = parse_envelope(genuine)
        parsed = parse_envelope(mutated)
        assert (parsed.protected, parsed.payload) == (original.protected, original.payload)


_cbor_leaf = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64 - 1),
    st.binary(max_size=40),
    st.text(max_size=20),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
)
_cbor_value = st.recursive(
    _cbor_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.integers(-70000, 40), inner, max_size=4)
    ),
    max_leaves=12,
)


@FUZZ
@given(
    label=st.sampled_from([1, 3, 4, 5, 6, 7, -65537, -65538, -65539, -65540, -65541]),
    value=_cbor_value,
)
def test_any_claim_value_gets_a_reason(
    identities: Callable[[str], Identity],
    trust: TrustStore,
    policy: Policy,
    label: int,
    value: object,
) -> None:
    """Replace one claim with an arbitrary CBOR value (re-encoded, so structurally valid CBOR)."""
    item = cbor2.loads(_genuine(identities))
    protected_bytes, unprotected, payload, signature = item.value
    protected = cbor2.loads(protected_bytes)
    # The same value again re-encodes the very envelope that was signed (version 1 for 1).
    assume(cbor2.dumps(protected[15].get(label)) != cbor2.dumps(value))
    protected[15][label] = value
    mutated = cbor2.dumps(
        cbor2.CBORTag(18, [cbor2.dumps(protected), unprotected, payload, signature])
    )
    verdict = _fresh_verifier(trust, policy).verify(mutated)
    assert isinstance(verdict.reason, Reason)


@FUZZ
@given(structure=_cbor_value)
def test_any_cbor_structure_gets_a_reason(
    structure: object, trust: TrustStore, policy: Policy
) -> None:
    for data in (cbor2.dumps(structure), cbor2.dumps(cbor2.CBORTag(18, structure))):
        verdict = _fresh_verifier(trust, policy).verify(data)
        assert isinstance(verdict.reason, Reason)


def test_deeply_nested_cbor_is_malformed_not_a_crash(trust: TrustStore, policy: Policy) -> None:
    data = b"\x81" * 3000 + b"\x00"  # 3000 nested arrays
    verdict = _fresh_verifier(trust, policy).verify(data)
    assert verdict.reason is Reason.MALFORMED


def test_trailing_bytes_after_envelope_are_malformed(
    identities: Callable[[str], Identity], trust: TrustStore, policy: Policy
) -> None:
    verdict = _fresh_verifier(trust, policy).verify(_genuine(identities) + b"\x00")
    assert verdict.reason is Reason.MALFORMED
    assert "trailing" in verdict.detail


def test_parse_refuses_oversize_before_decoding() -> None:
    with pytest.raises(DecodeError) as caught:
        parse_envelope(b"\xff" * 5000)
    assert caught.value.reason is Reason.OVERSIZE
