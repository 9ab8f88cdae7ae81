"""Prepayment arithmetic: credit runs down, emergency credit, debt recovery, friendly credit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from meter_emulator.behaviour.friendly_credit import FriendlyCredit
from meter_emulator.behaviour.prepay_account import (
    PaymentMode,
    PrepayAccount,
    PrepayEvent,
    PrepaySettings,
    Supply,
)

HOUR = 3600.0


def account(credit_p: float, **settings: float) -> PrepayAccount:
    return PrepayAccount(
        settings=PrepaySettings(**settings), mode=PaymentMode.PREPAYMENT, credit_p=credit_p
    )


def test_credit_runs_down_by_energy_at_the_unit_rate_and_the_standing_charge() -> None:
    acc = account(1000, unit_rate_p=25, standing_charge_p_per_day=48)
    acc.charge(HOUR, 2.0, friendly=False)  # 2 kWh in an hour
    assert acc.credit_p == pytest.approx(1000 - 50 - 2)


def test_low_credit_fires_once_then_emergency_credit_is_offered() -> None:
    acc = account(250, unit_rate_p=100, low_credit_p=200, emergency_threshold_p=100)
    assert acc.charge(HOUR, 1.0, friendly=False) == [PrepayEvent.LOW_CREDIT]
    assert acc.charge(HOUR, 0.1, friendly=False) == []
    assert acc.charge(HOUR, 0.5, friendly=False) == [PrepayEvent.EMERGENCY_CREDIT_OFFERED]
    assert acc.emergency_on_offer


def test_credit_out_outside_friendly_hours_disconnects_and_a_top_up_arms() -> None:
    acc = account(50, unit_rate_p=100, standing_charge_p_per_day=0)
    events = acc.charge(HOUR, 1.0, friendly=False)
    assert PrepayEvent.DISCONNECTED in events
    assert acc.supply is Supply.OFF
    events = acc.top_up(1000)
    assert PrepayEvent.ARMED in events
    assert acc.supply is Supply.ARMED
    # The 50p owed beyond the balance comes out of the top-up first.
    assert acc.credit_p == pytest.approx(950)
    assert acc.restore()
    assert acc.supply is Supply.ON


def test_friendly_credit_keeps_the_supply_on_and_records_the_use_as_debt() -> None:
    acc = account(50, unit_rate_p=100, standing_charge_p_per_day=0)
    events = acc.charge(HOUR, 1.0, friendly=True)
    assert PrepayEvent.FRIENDLY_CREDIT in events
    assert acc.supply is Supply.ON
    assert acc.accumulated_debt_p == pytest.approx(50)
    acc.top_up(500)
    assert acc.accumulated_debt_p == 0
    assert acc.credit_p == pytest.approx(450)


def test_emergency_credit_is_spent_after_credit_and_repaid_from_the_top_up() -> None:
    acc = account(80, unit_rate_p=100, standing_charge_p_per_day=0, emergency_limit_p=1000)
    assert acc.take_emergency_credit()
    acc.charge(HOUR, 3.0, friendly=False)  # 300p: 80p credit then 220p emergency
    assert acc.credit_p == 0
    assert acc.emergency_remaining_p == pytest.approx(780)
    acc.top_up(1000)
    assert not acc.emergency_taken  # repaid in full, on offer again next time
    assert acc.credit_p == pytest.approx(780)


def test_time_based_debt_is_recovered_per_day() -> None:
    acc = account(1000, standing_charge_p_per_day=0, debt_rate_p_per_day=100)
    acc.time_debt_p = 500
    acc.charge(86_400, 0.0, friendly=False)
    assert acc.time_debt_p == pytest.approx(400)
    assert acc.credit_p == pytest.approx(900)


def test_payment_based_debt_takes_its_share_of_each_top_up() -> None:
    acc = account(0, debt_percent=25)
    acc.payment_debt_p = 1000
    acc.top_up(2000)
    assert acc.payment_debt_p == pytest.approx(500)
    assert acc.credit_p == pytest.approx(1500)


def test_a_credit_meter_never_disconnects_for_credit() -> None:
    acc = account(0, unit_rate_p=100)
    acc.change_mode(PaymentMode.CREDIT)
    assert acc.charge(HOUR, 5.0, friendly=False) == []
    assert acc.supply is Supply.ON


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 12, 8, 18, 0, tzinfo=UTC), "between 16:00 and 10:00"),  # Tuesday 18:00
        (datetime(2026, 12, 9, 8, 0, tzinfo=UTC), "between 16:00 and 10:00"),
        (datetime(2026, 12, 5, 12, 0, tzinfo=UTC), "weekend"),  # Saturday
        (datetime(2026, 12, 25, 12, 0, tzinfo=UTC), "bank holiday"),
        (datetime(2026, 12, 8, 12, 0, tzinfo=UTC), None),  # Tuesday midday
    ],
)
def test_friendly_credit_periods(moment: datetime, expected: str | None) -> None:
    reason = FriendlyCredit().reason(moment)
    if expected is None:
        assert reason is None
    else:
        assert reason is not None
        assert expected in reason
