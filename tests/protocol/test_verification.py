"""The verification pipeline: every reason code, its order, and the committed test vectors."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import cbor2
import pytest

from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import Claims, sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.message_types import Flow, message_type_names
from ihd_app.protocol.pki import Identity, TrustStore
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.reasons import METER_ONLY_REASONS, Reason
from ihd_app.protocol.replay import InMemoryReplayCounters
from ihd_app.protocol.resources import vectors_directory
from ihd_app.protocol.vector_verifier import vector_verifier
from ihd_app.protocol.verification import Verifier
from ihd_app.protocol.zcl import DisplayMessage, Importance, decode_frame, decode_unit
from meter_emulator.attacks.forgery import ATTACKS, Attack, AttackContext
from meter_emulator.attacks.forgery import attack as attack_by_name
from meter_emulator.attacks.unit_vectors import write_unit_vectors
from meter_emulator.attacks.vectors import write_test_vectors
from tests.support import IHD_ID, METER_ID, NOW

Identities = Callable[[str], Identity]

OUTAGE = MessageRequest(
    "outage.planned", message_id=42, text="Power cut Tue 10:00-14:00", importance=Importance.HIGH
)


def _envelope(
    identities: Identities,
    signer: str = "dno",
    type_name: str = "outage.planned",
    counter: int = 1,
    request: MessageRequest = OUTAGE,
    **changes: object,
) -> bytes:
    identity = identities(signer)
    payload, details = compose(replace(request, type_name=type_name))
    claims = new_claims(
        identity,
        type_name,
        METER_ID,
        counter,
        issued_at=NOW - timedelta(minutes=1),
        details=details,
    )
    return sign_envelope(identity, replace(claims, **changes), payload)  # type: ignore[arg-type]


def test_genuine_outage_notice_is_accepted_with_verified_originator(
    verifier: Verifier, identities: Identities
) -> None:
    verdict = verifier.verify(_envelope(identities))
    assert verdict.accepted, verdict.detail
    assert verdict.message is not None
    assert verdict.message.signer.organisation == "Northern Power Distribution"
    assert verdict.message.role.value == "dno"
    assert verdict.message.unit is not None
    command = verdict.message.unit.command
    assert isinstance(command, DisplayMessage)
    assert command.message == "Power cut Tue 10:00-14:00"
    assert command.control.importance is Importance.HIGH


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name)
def test_each_attack_is_refused_with_its_reason(
    verifier: Verifier, identities: Identities, attack: object
) -> None:
    assert isinstance(attack, Attack)
    payload, _ = compose(OUTAGE)
    ctx = AttackContext(identities, METER_ID, NOW, counter=10, payload=payload)
    data = attack.build(ctx)
    if attack.replays:
        assert verifier.verify(data).accepted, "the original must be accepted first"
    verdict = verifier.verify(data)
    assert verdict.reason is attack.expected, verdict.detail
    assert verdict.message is None
    assert verdict.detail  # a sentence, never empty


def test_every_reason_code_has_an_attack_that_produces_it() -> None:
    # The meter's own reasons are demonstrated on the link (tests/e2e/test_link_trust.py).
    assert {a.expected for a in ATTACKS} == set(Reason) - METER_ONLY_REASONS


def test_claimed_role_must_match_certificate(verifier: Verifier, identities: Identities) -> None:
    verdict = verifier.verify(_envelope(identities, "supplier", "message.general", role="dno"))
    assert verdict.reason is Reason.ROLE_NOT_AUTHORISED
    assert "certificate says 'supplier'" in verdict.detail


def test_issuer_must_match_certificate(verifier: Verifier, identities: Identities) -> None:
    verdict = verifier.verify(
        _envelope(identities, "supplier", "message.general", issuer="90-B3-D5-1F-30-01-00-01")
    )
    assert verdict.reason is Reason.ROLE_NOT_AUTHORISED


def test_payload_must_be_the_command_the_type_allows(
    verifier: Verifier, identities: Identities
) -> None:
    # A tariff envelope (supplier may send it) smuggling a DisplayMessage.
    identity = identities("supplier")
    payload, _ = compose(OUTAGE)
    claims = new_claims(identity, "tariff.price", METER_ID, 5, issued_at=NOW)
    verdict = verifier.verify(sign_envelope(identity, claims, payload))
    assert verdict.reason is Reason.UNKNOWN_COMMAND
    assert "PublishPrice" in verdict.detail


def test_a_tariff_envelope_may_carry_a_calendar_week_profile(
    verifier: Verifier, identities: Identities
) -> None:
    # A time-of-use calendar travels in tariff.price, one piece per envelope.
    identity = identities("supplier")
    payload = bytes.fromhex("0707010900023412000069000000C80000000101010101010202")
    claims = new_claims(identity, "tariff.price", METER_ID, 5, issued_at=NOW)
    verdict = verifier.verify(sign_envelope(identity, claims, payload))
    assert verdict.accepted, verdict.detail
    assert verdict.message is not None
    assert verdict.message.unit is not None
    assert type(verdict.message.unit.command).__name__ == "PublishWeekProfile"


def test_a_calendar_command_from_the_meter_is_still_refused(
    verifier: Verifier, identities: Identities
) -> None:
    # The meter may not send tariff.price at all: a calendar does not change who sets prices.
    identity = identities("gdn")
    payload = bytes.fromhex("0707010900023412000069000000C80000000101010101010202")
    claims = new_claims(identity, "tariff.price", METER_ID, 5, issued_at=NOW)
    verdict = verifier.verify(sign_envelope(identity, claims, payload))
    assert verdict.reason is Reason.ROLE_NOT_AUTHORISED


def test_ihd_refuses_types_meant_for_the_meter(verifier: Verifier, identities: Identities) -> None:
    request = MessageRequest("power.threshold-set", threshold_kw=7.0)
    verdict = verifier.verify(_envelope(identities, "dno", "power.threshold-set", request=request))
    assert verdict.reason is Reason.UNKNOWN_COMMAND


def test_counter_only_advances_for_fully_valid_envelopes(
    trust: TrustStore, policy: Policy, identities: Identities
) -> None:
    counters = InMemoryReplayCounters()
    verifier = Verifier(trust, policy, counters, {METER_ID}, clock=lambda: NOW)
    forged = _envelope(identities, counter=100, audience="00-1D-A6-00-00-00-99-99")
    assert verifier.verify(forged).reason is Reason.WRONG_TARGET
    assert counters.last_counter("90-B3-D5-1F-30-01-00-01") is None
    assert verifier.verify(_envelope(identities, counter=50)).accepted
    assert verifier.verify(_envelope(identities, counter=50)).reason is Reason.REPLAY
    assert verifier.verify(_envelope(identities, counter=49)).reason is Reason.REPLAY
    assert verifier.verify(_envelope(identities, counter=51)).accepted


def test_clock_skew_of_a_minute_is_tolerated(
    trust: TrustStore, policy: Policy, identities: Identities
) -> None:
    early = Verifier(
        trust,
        policy,
        InMemoryReplayCounters(),
        {METER_ID},
        clock=lambda: NOW - timedelta(minutes=1, seconds=30),
    )
    # Issued at NOW - 1 min, so this clock is 30 s behind nbf: inside the skew.
    assert early.verify(_envelope(identities)).accepted
    late = Verifier(
        trust,
        policy,
        InMemoryReplayCounters(),
        {METER_ID},
        clock=lambda: NOW - timedelta(minutes=3),
    )
    assert late.verify(_envelope(identities)).reason is Reason.NOT_YET_VALID


def test_cancel_only_by_the_messages_originator(
    trust: TrustStore, policy: Policy, identities: Identities
) -> None:
    owners = {42: "90-B3-D5-1F-30-03-00-01"}  # message 42 came from the supplier
    verifier = Verifier(
        trust,
        policy,
        InMemoryReplayCounters(),
        {METER_ID},
        clock=lambda: NOW,
        message_owner=owners.get,
    )
    cancel = MessageRequest("message.cancel", message_id=42)
    by_dno = _envelope(identities, "dno", "message.cancel", request=cancel)
    verdict = verifier.verify(by_dno)
    assert verdict.reason is Reason.ROLE_NOT_AUTHORISED
    assert "only 90-B3-D5-1F-30-03-00-01" in verdict.detail
    by_supplier = _envelope(identities, "supplier", "message.cancel", request=cancel, counter=2)
    assert verifier.verify(by_supplier).accepted


def test_signer_known_in_advance_needs_no_embedded_certificate(
    trust: TrustStore, policy: Policy, identities: Identities
) -> None:
    meter = identities("meter")
    payload, _ = compose(
        MessageRequest("supply.interrupted", message_id=9, text="Supply interrupted")
    )
    claims = new_claims(meter, "supply.interrupted", IHD_ID, 1, issued_at=NOW)
    data = sign_envelope(meter, claims, payload, embed_certificate=False)
    unknowing = Verifier(trust, policy, InMemoryReplayCounters(), {IHD_ID}, clock=lambda: NOW)
    assert unknowing.verify(data).reason is Reason.UNKNOWN_SIGNER
    knowing = unknowing.with_trust(trust.with_signers([meter.certificate]))
    assert knowing.verify(data).accepted


def test_swapped_embedded_certificate_is_refused(
    verifier: Verifier, identities: Identities
) -> None:
    item = cbor2.loads(_envelope(identities))
    protected, _, payload, signature = item.value
    swapped = {33: identities("supplier").certificate_der}
    data = cbor2.dumps(cbor2.CBORTag(18, [protected, swapped, payload, signature]))
    assert verifier.verify(data).reason is Reason.BAD_SIGNATURE


def test_swapped_certificate_is_refused_even_after_the_signer_is_cached(
    verifier: Verifier, identities: Identities
) -> None:
    genuine = _envelope(identities, counter=1)
    assert verifier.verify(genuine).accepted  # the DNO's certificate is now remembered
    item = cbor2.loads(_envelope(identities, counter=2))
    protected, _, payload, signature = item.value
    swapped = {33: identities("supplier").certificate_der}
    data = cbor2.dumps(cbor2.CBORTag(18, [protected, swapped, payload, signature]))
    assert verifier.verify(data).reason is Reason.BAD_SIGNATURE


def test_a_certificate_seen_in_a_refused_envelope_does_not_make_its_signer_known(
    verifier: Verifier, identities: Identities
) -> None:
    payload, _ = compose(OUTAGE)
    ctx = AttackContext(identities, METER_ID, NOW, counter=10, payload=payload)
    untrusted = attack_by_name("untrusted-signer").build(ctx)
    assert verifier.verify(untrusted).reason is Reason.UNTRUSTED_CHAIN
    # The same rogue key, now without its certificate: still a stranger.
    unknown = attack_by_name("unknown-signer").build(ctx)
    assert verifier.verify(unknown).reason is Reason.UNKNOWN_SIGNER


def test_meter_recipient_accepts_ihd_replies(
    trust: TrustStore, policy: Policy, identities: Identities
) -> None:
    meter_side = Verifier(
        trust,
        policy,
        InMemoryReplayCounters(),
        {METER_ID},
        flows=tuple(Flow),
        clock=lambda: NOW,
    )
    ack = MessageRequest("message.confirmation", message_id=42, at=NOW)
    assert meter_side.verify(
        _envelope(identities, "ihd", "message.confirmation", request=ack)
    ).accepted


def test_verdict_json_names_reason_and_explains_it(
    verifier: Verifier, identities: Identities
) -> None:
    verdict = verifier.verify(_envelope(identities, "supplier"))
    document = verdict.to_dict()
    assert document["verdict"] == "rejected"
    assert document["reason"] == "role-not-authorised"
    assert document["explanation"] == Reason.ROLE_NOT_AUTHORISED.explanation
    json.dumps(document)  # JSON-safe


def _vector_entries() -> list[dict[str, object]]:
    index = json.loads((vectors_directory() / "index.json").read_text())
    return list(index["vectors"])


@pytest.mark.parametrize("entry", _vector_entries(), ids=lambda e: str(e["name"]))
def test_committed_vector_gets_its_expected_verdict(
    entry: dict[str, object], trust: TrustStore, policy: Policy
) -> None:
    verify = entry["verify"]
    expected = entry["expected"]
    assert isinstance(verify, dict)
    assert isinstance(expected, dict)
    verifier = vector_verifier(entry, trust, policy)
    data = (vectors_directory() / str(entry["file"])).read_bytes()
    verdict = verifier.verify(data)
    assert (verdict.reason.value if verdict.reason else None) == expected["reason"], verdict.detail


def test_vectors_cover_every_message_type_and_reason() -> None:
    names = {str(e["name"]) for e in _vector_entries()}
    for type_name in message_type_names():
        assert f"valid-{type_name.replace('.', '-')}" in names
    reasons = {e["expected"]["reason"] for e in _vector_entries()}  # type: ignore[index]
    # not-commissioned is the meter's answer to a handshake, not a verdict on an envelope.
    assert reasons - {None} == {r.value for r in Reason} - {Reason.NOT_COMMISSIONED.value}


def test_vector_generator_reproduces_the_verdicts(
    tmp_path: Path, pki_dir: Path, policy: Policy
) -> None:
    fresh = write_test_vectors(tmp_path, pki_dir, policy)
    committed = {str(e["name"]): e["expected"] for e in _vector_entries()}
    assert {str(e["name"]): e["expected"] for e in fresh} == committed


def test_claims_round_trip_through_cbor() -> None:
    claims = Claims("a", "b", 1, 2, 3, b"\x01", "message.general", "dno", 2**64 - 1, {"k": [1]})
    assert Claims.from_cbor_map(claims.to_cbor_map()) == claims


def _unit_vector_files() -> list[Path]:
    return sorted((vectors_directory() / "units").glob("*.json"))


@pytest.mark.parametrize("path", _unit_vector_files(), ids=lambda p: p.stem)
def test_committed_unit_vector_decodes_as_documented(path: Path) -> None:
    entry = json.loads(path.read_text())
    data = bytes.fromhex(entry["hex"])
    decoded = decode_frame(data, 0x0703) if entry["kind"] == "bare ZCL frame" else decode_unit(data)
    assert decoded.to_dict() == entry["decoded"]
    assert decoded.encode() == data


def test_unit_vectors_are_reproduced_exactly(tmp_path: Path) -> None:
    write_unit_vectors(tmp_path)
    for path in _unit_vector_files():
        assert (tmp_path / path.name).read_text() == path.read_text(), path.name


def test_a_type_the_role_may_not_send_names_the_policy_file_not_its_path(
    verifier: Verifier, identities: Identities
) -> None:
    verdict = verifier.verify(_envelope(identities, "supplier", "outage.emergency"))
    assert verdict.reason is Reason.ROLE_NOT_AUTHORISED
    # The detail reaches the operator console and the display's log: no machine's folders.
    assert verdict.detail == "a supplier may not send 'outage.emergency' (policy default.toml)"
