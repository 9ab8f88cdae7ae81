"""Network data under the consumer's consent (seed 2.2.1 data ownership; 01-07, 11, 13, 16, gas
01): which party may ask for which kind, what the consent or the licence allows for each, and
the meter's answer sealed to the operator (real DEMO PKI keys and encryption)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from ihd_app.protocol.consent_terms import Grant, Granularity, decide
from ihd_app.protocol.errors import SealedResponseError
from ihd_app.protocol.network_data import (
    DataKind,
    NetworkDataResponse,
    kinds_for,
    open_network_data,
    seal_network_data,
)
from ihd_app.protocol.pki import Identity, TrustStore
from tests.support import NOW

Identities = Callable[[str], Identity]
YEAR = timedelta(days=365)


def test_the_dno_and_the_gas_network_each_ask_for_their_own_kinds() -> None:
    assert kinds_for("dno") == [
        DataKind.IMPORT,
        DataKind.EXPORT,
        DataKind.VOLTAGE,
        DataKind.POWER_QUALITY,
        DataKind.OUTAGES,
        DataKind.ENERGISATION,
    ]
    assert kinds_for("gdn") == [DataKind.GAS_DEMAND]
    assert kinds_for("supplier") == []


# kind -> (finest allowed with no consent at all, basis)
WITHOUT_CONSENT = {
    DataKind.IMPORT: (Granularity.MONTHLY, "licence"),
    DataKind.EXPORT: (Granularity.MONTHLY, "licence"),
    DataKind.VOLTAGE: (Granularity.DAILY, "licence"),
    DataKind.POWER_QUALITY: (Granularity.DAILY, "licence"),
    DataKind.OUTAGES: (Granularity.HALF_HOURLY, "licence"),
    DataKind.ENERGISATION: (Granularity.HALF_HOURLY, "licence"),
    DataKind.GAS_DEMAND: (Granularity.MONTHLY, "licence"),
}


@pytest.mark.parametrize("kind", list(DataKind))
def test_without_consent_each_kind_gets_only_what_the_licence_allows(kind: DataKind) -> None:
    rule = kind.rule
    allowed, basis = WITHOUT_CONSENT[kind]
    half_hourly = decide([], rule.party, rule.purpose, Granularity.HALF_HOURLY, NOW)
    if allowed is Granularity.HALF_HOURLY:
        assert half_hourly.given is Granularity.HALF_HOURLY
        assert half_hourly.basis == basis
    else:
        assert half_hourly.given is None
        assert half_hourly.allowed is allowed
        assert f"ask for {allowed.label.lower()}" in half_hourly.reason


@pytest.mark.parametrize("kind", list(DataKind))
def test_with_half_hourly_consent_each_kind_is_answered_half_hourly(kind: DataKind) -> None:
    rule = kind.rule
    consent = Grant(rule.party, rule.purpose, Granularity.HALF_HOURLY, NOW + YEAR, NOW)
    decision = decide([consent], rule.party, rule.purpose, Granularity.HALF_HOURLY, NOW)
    assert decision.given is Granularity.HALF_HOURLY


def test_consent_for_planning_does_not_open_half_hourly_voltage() -> None:
    planning = Grant("dno", "network-planning", Granularity.HALF_HOURLY, NOW + YEAR, NOW)
    voltage = DataKind.VOLTAGE.rule
    decision = decide([planning], "dno", voltage.purpose, Granularity.HALF_HOURLY, NOW)
    assert decision.given is None
    assert decision.allowed is Granularity.DAILY


VOLTS = NetworkDataResponse(
    refers_to="00112233445566778899aabbccddeeff",
    kind=DataKind.VOLTAGE,
    status="data",
    start=NOW - timedelta(hours=1),
    end=NOW,
    granularity=Granularity.HALF_HOURLY,
    rows=(
        {"start": "2026-12-05T09:00:00+00:00", "min_v": 224.1, "mean_v": 229.8, "max_v": 231.2},
        {"start": "2026-12-05T09:30:00+00:00", "min_v": 229.0, "mean_v": 230.4, "max_v": 231.5},
    ),
    detail="2 rows of voltage min/mean/max",
)


def test_the_answer_opens_with_the_requesters_key_only(
    identities: Identities, trust: TrustStore
) -> None:
    sealed = seal_network_data(
        identities("meter"), identities("dno").certificate, VOLTS, counter=3, issued_at=NOW
    )
    assert b"229.8" not in sealed
    assert b"voltage" not in sealed
    opened = open_network_data(
        sealed, identities("dno"), trust, now=NOW, request_key=VOLTS.refers_to
    )
    assert opened.response == VOLTS
    assert opened.meter.entity_id == identities("meter").entity_id
    for other in ("gdn", "supplier"):
        with pytest.raises(SealedResponseError):
            open_network_data(sealed, identities(other), trust, now=NOW)
    with pytest.raises(SealedResponseError, match="not the request"):
        open_network_data(sealed, identities("dno"), trust, now=NOW, request_key="ff" * 16)


def test_no_data_found_travels_as_such(identities: Identities, trust: TrustStore) -> None:
    nothing = NetworkDataResponse(
        VOLTS.refers_to,
        DataKind.OUTAGES,
        "no-data",
        NOW - timedelta(days=1),
        NOW,
        Granularity.HALF_HOURLY,
        (),
        "No outage records recorded in that period.",
    )
    sealed = seal_network_data(
        identities("meter"), identities("dno").certificate, nothing, counter=4, issued_at=NOW
    )
    opened = open_network_data(sealed, identities("dno"), trust, now=NOW)
    assert not opened.response.found
    assert opened.response.detail.startswith("No outage records")


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "reactive-power"},
        {"status": "maybe"},
        {"rows": "lots"},
        {"status": "no-data"},  # no-data with rows
        {"granularity": "hourly"},
        {"end": "2000-01-01T00:00:00+00:00"},  # before start
        {"push": -1},
    ],
)
def test_a_malformed_answer_is_refused(change: dict[str, object]) -> None:
    details = {**VOLTS.to_details(), **change}
    with pytest.raises(SealedResponseError):
        NetworkDataResponse.from_details(details)  # type: ignore[arg-type]
