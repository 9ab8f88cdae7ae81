"""Consent per party × purpose × granularity with an expiry, and the rule the meter enforces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ihd_app.protocol.consent_terms import (
    Grant,
    GrantError,
    Granularity,
    decide,
    grant_from_details,
    grants_from_legacy,
)
from meter_emulator.operator.data_requests import aggregate

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
YEAR = timedelta(days=365)


def daily_dno(expires: datetime | None = NOW + YEAR) -> Grant:
    return Grant("dno", "network-planning", Granularity.DAILY, expires, NOW - YEAR / 2)


def test_a_request_within_the_consent_is_answered_as_asked() -> None:
    decision = decide([daily_dno()], "dno", "network-planning", Granularity.DAILY, NOW)
    assert decision.given is Granularity.DAILY
    assert decision.basis == "consent"


def test_a_request_finer_than_the_consent_is_refused_naming_what_may_be_asked() -> None:
    decision = decide([daily_dno()], "dno", "network-planning", Granularity.HALF_HOURLY, NOW)
    assert decision.given is None
    assert decision.allowed is Granularity.DAILY
    assert "ask for daily totals" in decision.reason


def test_an_expired_consent_falls_back_to_the_licence_and_says_it_expired() -> None:
    lapsed = daily_dno(expires=NOW - timedelta(seconds=1))
    decision = decide([lapsed], "dno", "network-planning", Granularity.DAILY, NOW)
    assert decision.given is None
    assert decision.allowed is Granularity.MONTHLY
    assert "has expired" in decision.reason
    monthly = decide([lapsed], "dno", "network-planning", Granularity.MONTHLY, NOW)
    assert (monthly.given, monthly.basis) == (Granularity.MONTHLY, "licence")


def test_without_consent_or_exemption_nothing_is_sent() -> None:
    decision = decide([], "supplier", "energy-advice", Granularity.MONTHLY, NOW)
    assert decision.given is None
    assert decision.allowed is None
    assert "has not been given" in decision.reason


def test_a_purpose_the_party_does_not_have_is_refused() -> None:
    decision = decide([daily_dno()], "dno", "marketing", Granularity.MONTHLY, NOW)
    assert decision.given is None
    assert "no purpose" in decision.reason


def test_consent_for_one_purpose_does_not_open_another() -> None:
    advice = Grant("supplier", "energy-advice", Granularity.HALF_HOURLY, NOW + YEAR, NOW)
    billing = decide([advice], "supplier", "billing", Granularity.HALF_HOURLY, NOW)
    assert billing.given is None
    assert billing.allowed is Granularity.MONTHLY


def test_grants_travel_and_come_back_exactly() -> None:
    grants = [daily_dno(), Grant("gdn", "network-planning", None, None, NOW)]
    assert [grant_from_details(g.to_details()) for g in grants] == grants


@pytest.mark.parametrize(
    "entry",
    [
        "dno",
        {"party": "dno", "purpose": "network-planning", "granularity": "hourly"},
        {"party": "dno", "purpose": "network-planning", "granularity": "daily"},
        {
            "party": "dno",
            "purpose": "network-planning",
            "granularity": "daily",
            "changed_at": "2026-12-05T09:00:00",
        },
    ],
)
def test_a_grant_that_cannot_be_read_is_refused(entry: object) -> None:
    with pytest.raises(GrantError):
        grant_from_details(entry)


def test_an_older_displays_yes_means_half_hourly_for_every_purpose_of_that_party() -> None:
    grants = grants_from_legacy({"supplier": True, "dno": False}, NOW)
    assert {(g.party, g.purpose): g.granularity for g in grants} == {
        ("supplier", "billing"): Granularity.HALF_HOURLY,
        ("supplier", "energy-advice"): Granularity.HALF_HOURLY,
        ("dno", "network-planning"): None,
    }


def test_daily_and_monthly_answers_are_sums_of_the_half_hours() -> None:
    end = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 96 half hours: 30 Nov 01:00 to 2 Dec 01:00
    halves = list(range(96))
    daily = aggregate(halves, end, Granularity.DAILY)
    assert [p.start.day for p in daily] == [2, 1, 30]
    assert sum(p.wh for p in daily) == sum(halves)
    assert daily[0].wh == 0 + 1  # newest first: 00:00-01:00 on the 2nd
    monthly = aggregate(halves, end, Granularity.MONTHLY)
    assert [(p.start.month, p.wh) for p in monthly][1][0] == 11
    assert sum(p.wh for p in monthly) == sum(halves)
