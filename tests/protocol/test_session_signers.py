"""Envelopes within a link's session may carry the signer's key id alone (issue J, DESIGN.md
§6): the verifier accepts that only for the certificate the session's handshake verified, never
for one merely seen before in an embedded certificate, and not once the session has ended."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import parse_envelope, sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.message_types import Flow
from ihd_app.protocol.pki import Identity, TrustStore
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.replay import InMemoryReplayCounters
from ihd_app.protocol.verification import SessionSigners, Verifier
from ihd_app.protocol.zcl import Endpoint
from tests.support import IHD_ID, METER_ID, NOW

Identities = Callable[[str], Identity]


def _meter_notice(meter: Identity, counter: int, *, embed: bool) -> bytes:
    payload, details = compose(
        MessageRequest("supply.interrupted", message_id=counter, text="Supply interrupted")
    )
    claims = new_claims(
        meter, "supply.interrupted", IHD_ID, counter, issued_at=NOW, details=details
    )
    return sign_envelope(meter, claims, payload, embed_certificate=embed)


def _receipt(ihd: Identity, counter: int, session: str) -> bytes:
    payload, details = compose(
        MessageRequest(
            "message.receipt",
            message_id=counter,
            refers_to=f"k{counter}",
            fuel=Endpoint.ELECTRICITY,
            at=NOW,
        )
    )
    details["session"] = session
    claims = new_claims(
        ihd,
        "message.receipt",
        METER_ID,
        counter,
        issued_at=NOW - timedelta(seconds=1),
        details=details,
    )
    return sign_envelope(ihd, claims, payload, embed_certificate=False)


def _display(trust: TrustStore, policy: Policy, signers: SessionSigners | None) -> Verifier:
    return Verifier(
        trust,
        policy,
        InMemoryReplayCounters(),
        {IHD_ID},
        clock=lambda: NOW,
        session_signers=signers,
    )


def test_the_meters_key_id_alone_is_accepted_with_the_certificate_the_handshake_verified(
    trust: TrustStore, policy: Policy, identities: Identities
) -> None:
    meter = identities("meter")
    notice = _meter_notice(meter, 1, embed=False)
    assert parse_envelope(notice).certificate_der is None
    assert len(notice) < len(_meter_notice(meter, 1, embed=True)) - 300

    without_session = _display(trust, policy, None).verify(notice)
    assert without_session.reason is Reason.UNKNOWN_SIGNER
    assert "no handshake of this link verified it" in without_session.detail

    in_session = _display(trust, policy, lambda _kid, _session: meter.certificate_der)
    verdict = in_session.verify(notice)
    assert verdict.accepted, verdict.detail
    assert verdict.message is not None
    assert verdict.message.signer.entity_id == meter.entity_id


def test_a_certificate_seen_embedded_before_does_not_stand_for_the_key_id_alone(
    trust: TrustStore, policy: Policy, identities: Identities
) -> None:
    meter = identities("meter")
    verifier = _display(trust, policy, lambda _kid, _session: None)
    assert verifier.verify(_meter_notice(meter, 1, embed=True)).accepted
    assert verifier.verify(_meter_notice(meter, 2, embed=False)).reason is Reason.UNKNOWN_SIGNER


def test_once_the_session_has_ended_the_key_id_alone_is_refused(
    trust: TrustStore, policy: Policy, identities: Identities
) -> None:
    meter = identities("meter")
    current: list[bytes | None] = [meter.certificate_der]
    verifier = _display(trust, policy, lambda _kid, _session: current[0])
    assert verifier.verify(_meter_notice(meter, 1, embed=False)).accepted
    current[0] = None  # the link dropped; the next handshake has not verified anyone yet
    assert verifier.verify(_meter_notice(meter, 2, embed=False)).reason is Reason.UNKNOWN_SIGNER
    current[0] = meter.certificate_der
    assert verifier.verify(_meter_notice(meter, 3, embed=False)).accepted


def test_a_session_certificate_of_another_signer_does_not_verify_the_key_id(
    trust: TrustStore, policy: Policy, identities: Identities
) -> None:
    """A fake meter's session: its handshake verified the fake's certificate, and an envelope
    naming the genuine meter's key id alone is not checked against it."""
    fake_session = _display(
        trust, policy, lambda _kid, _session: identities("supplier").certificate_der
    )
    refused = fake_session.verify(_meter_notice(identities("meter"), 1, embed=False))
    assert refused.reason is Reason.UNKNOWN_SIGNER


def test_the_meter_takes_a_displays_key_id_alone_only_in_the_session_that_verified_it(
    trust: TrustStore, policy: Policy, identities: Identities
) -> None:
    ihd = identities("ihd")
    opened = {"session-1": ihd.certificate_der}

    def signers(_kid: bytes, session: str | None) -> bytes | None:
        return opened.get(session) if session is not None else None

    meter = Verifier(
        trust,
        policy,
        InMemoryReplayCounters(),
        {METER_ID},
        flows=tuple(Flow),
        clock=lambda: NOW,
        sessions=lambda issuer, session: issuer == ihd.entity_id and session in opened,
        session_signers=signers,
    )
    verdict = meter.verify(_receipt(ihd, 1, "session-1"))
    assert verdict.accepted, verdict.detail
    assert meter.verify(_receipt(ihd, 2, "session-2")).reason is Reason.UNKNOWN_SIGNER
