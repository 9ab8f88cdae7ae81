"""A data response leaves the home signed by the meter and sealed to the requesting operator's
certificate (seed Appendix D): only that operator reads it, and it can tell the meter signed it.
Real DEMO PKI keys, real signatures, real encryption."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import cbor2
import pytest

from ihd_app.protocol.data_response import (
    DataResponse,
    open_data_response,
    seal_data_response,
)
from ihd_app.protocol.envelope import parse_envelope, sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.envelope.sealed import seal, sealed_for, unseal
from ihd_app.protocol.errors import IhdError, SealedResponseError
from ihd_app.protocol.message_types import Flow
from ihd_app.protocol.pki import Identity, TrustStore
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.replay import InMemoryReplayCounters
from ihd_app.protocol.resources import vectors_directory
from ihd_app.protocol.verification import Verifier
from meter_emulator.attacks.sealed_vectors import write_sealed_vectors
from tests.support import METER_ID, NOW

Identities = Callable[[str], Identity]

HALF_HOURS = (210, 180, 950, 400, 0, 1234)
RESPONSE = DataResponse(
    refers_to="00112233445566778899aabbccddeeff",
    fuel="electricity",
    end=NOW - timedelta(minutes=30),
    granularity="half-hourly",
    values_wh=HALF_HOURS,
)


def _sealed_for_dno(identities: Identities, response: DataResponse = RESPONSE) -> bytes:
    return seal_data_response(
        identities("meter"),
        identities("dno").certificate,
        response,
        counter=7,
        issued_at=NOW - timedelta(minutes=1),
    )


def _rewrite(sealed: bytes, change: Callable[[list[Any]], None]) -> bytes:
    item = cbor2.loads(sealed)
    change(item.value)
    return bytes(cbor2.dumps(item))


def test_the_requesting_operator_opens_the_values_the_meter_signed(
    identities: Identities, trust: TrustStore
) -> None:
    sealed = _sealed_for_dno(identities)
    opened = open_data_response(
        sealed, identities("dno"), trust, now=NOW, request_key=RESPONSE.refers_to
    )
    assert opened.response == RESPONSE
    assert opened.response.values_wh == HALF_HOURS
    assert opened.response.kwh == pytest.approx(2.974)
    assert opened.meter.entity_id == identities("meter").entity_id
    assert opened.claims.audience == identities("dno").entity_id
    assert opened.sealed_for == identities("dno").entity_id
    assert opened.sealed_bytes == len(sealed)
    assert sealed_for(sealed) == identities("dno").kid


def test_nothing_on_the_path_learns_the_values_or_which_meter_signed(
    identities: Identities,
) -> None:
    sealed = _sealed_for_dno(identities)
    meter = identities("meter")
    assert meter.certificate_der not in sealed
    assert meter.entity_id.encode() not in sealed
    assert meter.kid not in sealed
    assert b"values_wh" not in sealed
    assert cbor2.dumps(list(HALF_HOURS)) not in sealed
    # Each response gets its own ephemeral key: two seals of the same answer differ.
    assert _sealed_for_dno(identities) != sealed


@pytest.mark.parametrize("other", ["supplier", "gdn"])
def test_another_operator_cannot_open_a_response_sealed_for_the_dno(
    identities: Identities, trust: TrustStore, other: str
) -> None:
    sealed = _sealed_for_dno(identities)
    with pytest.raises(SealedResponseError, match="not for"):
        open_data_response(sealed, identities(other), trust, now=NOW)
    # Relabelled with the other operator's key id, its key still derives the wrong content key.

    def relabel(value: list[Any]) -> None:
        recipient_unprotected = value[3][0][1]
        recipient_unprotected[4] = identities(other).kid  # kid is not authenticated

    relabelled = _rewrite(sealed, relabel)
    with pytest.raises(SealedResponseError, match="does not decrypt") as raised:
        unseal(relabelled, identities(other))
    assert isinstance(raised.value, IhdError)


def test_a_response_altered_on_the_way_is_refused(
    identities: Identities, trust: TrustStore
) -> None:
    def flip(value: list[Any]) -> None:
        ciphertext = bytearray(value[2])
        ciphertext[40] ^= 0x01
        value[2] = bytes(ciphertext)

    def downgrade(value: list[Any]) -> None:
        value[0] = cbor2.dumps({1: 1})  # the protected header is authenticated too

    for change in (flip, downgrade):
        with pytest.raises(SealedResponseError, match="does not decrypt"):
            open_data_response(
                _rewrite(_sealed_for_dno(identities), change), identities("dno"), trust, now=NOW
            )
    with pytest.raises(SealedResponseError, match="not a sealed response"):
        open_data_response(b"\xa1\x01", identities("dno"), trust, now=NOW)


def test_the_dno_cannot_pass_the_meters_answer_off_as_the_suppliers(
    identities: Identities, trust: TrustStore
) -> None:
    """Sign-then-encrypt's known weakness: a recipient re-seals the signed inner envelope to a
    third party. The signed ``aud`` names the DNO, so the supplier refuses it."""
    dno = identities("dno")
    inner = unseal(_sealed_for_dno(identities), dno)
    resealed = seal(inner, identities("supplier").certificate)
    with pytest.raises(SealedResponseError, match="addressed to"):
        open_data_response(resealed, identities("supplier"), trust, now=NOW)


def test_only_a_trusted_meter_signs_data_responses(
    identities: Identities, trust: TrustStore
) -> None:
    supplier = identities("supplier")
    claims = new_claims(
        supplier,
        "data.response",
        identities("dno").entity_id,
        1,
        issued_at=NOW,
        details=RESPONSE.to_details(),
    )
    forged = seal(sign_envelope(supplier, claims, b""), identities("dno").certificate)
    with pytest.raises(SealedResponseError, match="not a meter"):
        open_data_response(forged, identities("dno"), trust, now=NOW)


def test_the_answer_must_be_to_the_request_awaited_and_still_valid(
    identities: Identities, trust: TrustStore
) -> None:
    sealed = _sealed_for_dno(identities)
    with pytest.raises(SealedResponseError, match="answers request"):
        open_data_response(sealed, identities("dno"), trust, now=NOW, request_key="ff" * 16)
    with pytest.raises(SealedResponseError, match="validity window"):
        open_data_response(sealed, identities("dno"), trust, now=NOW + timedelta(days=2))


def test_the_signed_envelope_inside_names_its_type_and_request(identities: Identities) -> None:
    inner = parse_envelope(unseal(_sealed_for_dno(identities), identities("dno")))
    assert inner.claims.type == "data.response"
    assert inner.claims.role == "meter"
    assert inner.certificate_der == identities("meter").certificate_der
    assert inner.claims.details["refers_to"] == RESPONSE.refers_to
    assert inner.claims.details["periods"] == len(HALF_HOURS)
    assert inner.payload == b""


def test_a_monthly_response_round_trips(identities: Identities, trust: TrustStore) -> None:
    monthly = replace(RESPONSE, granularity="monthly", values_wh=(310_000, 295_500))
    opened = open_data_response(
        _sealed_for_dno(identities, monthly), identities("dno"), trust, now=NOW
    )
    assert opened.response == monthly


def test_a_data_response_taken_out_of_its_seal_is_no_message_for_the_han(
    identities: Identities, trust: TrustStore, policy: Policy
) -> None:
    inner = unseal(_sealed_for_dno(identities), identities("dno"))
    dno = identities("dno").entity_id
    for flows in ((Flow.TO_IHD,), tuple(Flow)):  # the display's and the meter's verifier
        verifier = Verifier(
            trust, policy, InMemoryReplayCounters(), {METER_ID, dno}, flows=flows, clock=lambda: NOW
        )
        assert verifier.verify(inner).reason is Reason.UNKNOWN_COMMAND


def test_the_committed_sealed_vector_opens_with_the_dnos_key_only(
    identities: Identities, trust: TrustStore
) -> None:
    folder = vectors_directory() / "sealed"
    entry = json.loads((folder / "data-response-to-dno.json").read_text(encoding="utf-8"))
    sealed = (folder / "data-response-to-dno.cbor").read_bytes()
    assert sealed.hex() == entry["sealed_hex"]
    at = datetime.fromisoformat(entry["open_at"])
    opened = open_data_response(sealed, identities(entry["recipient"]), trust, now=at)
    assert opened.response.to_details() == entry["expected"]["details"]
    assert opened.meter.entity_id == entry["expected"]["signer"]
    assert unseal(sealed, identities("dno")).hex() == entry["signed_envelope_hex"]
    for other in entry["not_openable_by"]:
        with pytest.raises(SealedResponseError):
            open_data_response(sealed, identities(other), trust, now=at)


def test_regenerated_sealed_vectors_open_the_same(
    tmp_path: Path, pki_dir: Path, identities: Identities, trust: TrustStore
) -> None:
    write_sealed_vectors(tmp_path, pki_dir)
    committed = json.loads(
        (vectors_directory() / "sealed" / "data-response-to-dno.json").read_text(encoding="utf-8")
    )
    fresh = json.loads((tmp_path / "data-response-to-dno.json").read_text(encoding="utf-8"))
    assert fresh["expected"] == committed["expected"]
    assert fresh["sealed_hex"] != committed["sealed_hex"]  # a fresh ephemeral key each time
    sealed = (tmp_path / "data-response-to-dno.cbor").read_bytes()
    opened = open_data_response(
        sealed, identities("dno"), trust, now=datetime.fromisoformat(fresh["open_at"])
    )
    assert opened.response.values_wh == (210, 180, 950, 400)
