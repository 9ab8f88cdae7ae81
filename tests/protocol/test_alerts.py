"""Meter alerts to the operators: the codec, and the operator's verification of each alert
(real DEMO PKI keys and signatures). A forged alert, an alert from a signer that is not a meter,
a replay and an alert for another operator are each refused with their reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import cbor2
import pytest

from ihd_app.protocol.alerts import (
    ALERT_KINDS,
    GBCS_ALERT_CODES,
    METER_ALERT,
    AlertFormatError,
    MeterAlert,
    Severity,
    sign_alert,
    verify_alert,
)
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.message_types import Flow, message_type
from ihd_app.protocol.pki import Identity, TrustStore
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.replay import InMemoryReplayCounters
from ihd_app.protocol.verification import Verifier
from tests.support import NOW

Identities = Callable[[str], Identity]

RESTORED = MeterAlert(
    "outage-restored",
    0x8F36,
    Severity.INFO,
    NOW - timedelta(minutes=2),
    "Power restored at 11:58:00 after an outage of 47 minutes.",
    {"outage_s": 2820},
)


def _operator_verifier(trust: TrustStore, policy: Policy, operator: Identity) -> Verifier:
    return Verifier(
        trust,
        policy,
        InMemoryReplayCounters(),
        {operator.entity_id},
        flows=(Flow.TO_OPERATOR,),
        clock=lambda: NOW,
    )


def _signed(identities: Identities, alert: MeterAlert = RESTORED, counter: int = 5) -> bytes:
    return sign_alert(
        identities("meter"),
        identities("dno").entity_id,
        alert,
        counter=counter,
        issued_at=NOW - timedelta(minutes=1),
    )


def test_an_alert_survives_its_details_unchanged() -> None:
    assert MeterAlert.from_details(RESTORED.to_details()) == RESTORED
    assert RESTORED.code_hex == "0x8F36"
    assert RESTORED.code_name == "Supply Outage Restored - Outage >= 3 minutes"


def test_every_mirrored_code_is_a_gbcs_alert_code_and_every_kind_has_an_owner() -> None:
    assert set(GBCS_ALERT_CODES) >= {0x8F01, 0x8F33, 0x8F34, 0x8F35, 0x8F36, 0x8F3F}
    assert all(kind.owners for kind in ALERT_KINDS)
    spec = message_type(METER_ALERT)
    assert spec is not None
    assert spec.flow is Flow.TO_OPERATOR


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"kind": "fire"}, "alert kind 'fire'"),
        ({"code": 0x1234}, "not a mirrored GBCS alert code"),
        ({"severity": "mild"}, "severity 'mild'"),
        ({"detected_at": "yesterday"}, "detected_at"),
        ({"summary": ""}, "summary"),
    ],
)
def test_a_bad_alert_detail_is_named(change: dict[str, object], words: str) -> None:
    details = RESTORED.to_details()
    alert = details["alert"]
    assert isinstance(alert, dict)
    alert.update(change)  # type: ignore[arg-type]
    with pytest.raises(AlertFormatError, match=words):
        MeterAlert.from_details(details)


def test_the_dno_accepts_the_meters_alert_and_sees_who_signed_it(
    identities: Identities, trust: TrustStore, policy: Policy
) -> None:
    checked = verify_alert(
        _operator_verifier(trust, policy, identities("dno")), _signed(identities)
    )
    assert checked.accepted, checked.verdict.detail
    assert checked.alert == RESTORED
    message = checked.verdict.message
    assert message is not None
    assert message.signer.entity_id == identities("meter").entity_id


def test_a_forged_alert_is_refused_as_bad_signature(
    identities: Identities, trust: TrustStore, policy: Policy
) -> None:
    item = cbor2.loads(_signed(identities))
    protected = cbor2.loads(item.value[0])
    claims = protected[15]
    claims_key = next(k for k, v in claims.items() if isinstance(v, dict) and "alert" in v)
    claims[claims_key]["alert"]["summary"] = "All is well, no need to send a crew."
    item.value[0] = cbor2.dumps(protected)
    forged = cbor2.dumps(item)
    checked = verify_alert(_operator_verifier(trust, policy, identities("dno")), forged)
    assert not checked.accepted
    assert checked.verdict.reason is not None
    assert checked.verdict.reason.value == "bad-signature"


def test_an_alert_signed_by_a_supplier_is_refused_as_not_a_meters(
    identities: Identities, trust: TrustStore, policy: Policy
) -> None:
    supplier = identities("supplier")
    claims = new_claims(
        supplier,
        METER_ALERT,
        identities("dno").entity_id,
        9,
        issued_at=NOW - timedelta(minutes=1),
        details=RESTORED.to_details(),
    )
    envelope = sign_envelope(supplier, claims, b"")
    checked = verify_alert(_operator_verifier(trust, policy, identities("dno")), envelope)
    assert not checked.accepted
    assert checked.verdict.reason is not None
    assert checked.verdict.reason.value == "role-not-authorised"
    assert "a supplier may not send 'meter.alert'" in checked.verdict.detail


def test_a_replayed_alert_and_one_for_another_operator_are_refused(
    identities: Identities, trust: TrustStore, policy: Policy
) -> None:
    dno = _operator_verifier(trust, policy, identities("dno"))
    envelope = _signed(identities)
    assert verify_alert(dno, envelope).accepted
    again = verify_alert(dno, envelope)
    assert again.verdict.reason is not None
    assert again.verdict.reason.value == "replay"
    gdn = _operator_verifier(trust, policy, identities("gdn"))
    elsewhere = verify_alert(gdn, _signed(identities, counter=6))
    assert elsewhere.verdict.reason is not None
    assert elsewhere.verdict.reason.value == "wrong-target"
