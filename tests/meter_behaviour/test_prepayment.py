"""Prepayment through the real meter and the real display service over the virtual radio (in one
process): the supplier's signed commands, credit running down on the accelerated clock, alerts,
emergency credit, friendly credit, self-disconnection and restoration after a UTRN."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.zcl.prepayment import OriginatingDevice
from ihd_app.protocol.zcl.prepayment_debt import ChangeDebt, DebtRecoveryMethod
from meter_emulator.behaviour.prepay_account import PrepayAccount
from meter_emulator.behaviour.prepay_store import (
    PREPAY_FILE,
    PrepayStore,
    PrepayStoreError,
    restore_account,
)
from meter_emulator.operator.prepay_requests import payment_mode_request, top_up_request
from tests.meter_behaviour.support import Stack, start_stack

#: Tuesday 8 December 2026, 11:00 UK time: outside every friendly-credit period.
WORKDAY_MORNING = datetime(2026, 12, 8, 11, 0, tzinfo=UTC)
#: The same Tuesday at 18:00: a cold evening, inside the nightly friendly-credit period.
COLD_EVENING = datetime(2026, 12, 8, 18, 0, tzinfo=UTC)
#: An hour of the household per second of the test.
SPEED = 3600.0


async def _stack(tmp_path: Path, start: datetime) -> Stack:
    return await start_stack(tmp_path, speed=SPEED, sim_start=start)


@pytest.fixture
async def morning(tmp_path: Path) -> AsyncIterator[Stack]:
    running = await _stack(tmp_path, WORKDAY_MORNING)
    yield running
    await running.close()


@pytest.fixture
async def evening(tmp_path: Path) -> AsyncIterator[Stack]:
    running = await _stack(tmp_path, COLD_EVENING)
    yield running
    await running.close()


async def _prepayment_with(stack: Stack, pence: int) -> None:
    """The supplier switches the meter to prepayment and credits ``pence``, both signed."""
    operator = stack.meter.operator
    mode = operator.send("supplier", payment_mode_request(True, 1))
    await stack.meter_events.wait("prepay.mode", mode="prepayment")
    assert stack.meter.operator.status(mode.key).refused_reason is None
    operator.send("supplier", top_up_request(pence, 2))
    await stack.meter_events.wait("prepay.credit-adjusted", value_p=pence)


async def test_only_the_supplier_may_switch_the_payment_mode(morning: Stack) -> None:
    record = morning.meter.operator.send("dno", payment_mode_request(True, 1))
    assert record.refused_reason == "role-not-authorised"
    assert morning.meter.prepayment.account.mode.value == "credit"


async def test_credit_runs_down_and_the_display_is_warned(morning: Stack) -> None:
    assert morning.ihd is not None
    await _prepayment_with(morning, 300)
    # Credit under the £2 warning level: the display gets the low-credit alert as a takeover.
    await morning.ihd_events.wait("message.accepted", type="prepay.alert", timeout=20)
    alert = morning.ihd.takeover_message()
    assert alert is not None
    assert "credit" in alert.text.lower()
    await morning.ihd_events.wait("prepay.status", timeout=20)
    status = morning.ihd.prepayment.status
    assert status is not None
    assert status.prepayment
    assert status.credit_p < 300


async def test_credit_out_disconnects_then_a_utrn_arms_and_the_display_restores(
    morning: Stack,
) -> None:
    assert morning.ihd is not None
    await _prepayment_with(morning, 20)
    await morning.meter_events.wait("prepay.disconnected", timeout=30)
    assert not morning.meter.premises.electricity_on
    code = morning.meter.prepayment.issue_utrn(2000)
    morning.ihd.prepayment.top_up(code)
    await morning.ihd_events.wait("prepay.topup-result", verdict="valid", timeout=20)
    assert morning.meter.prepayment.account.supply.value == "armed"
    assert not morning.meter.premises.electricity_on, "armed: off until the consumer restores"
    morning.ihd.prepayment.restore_supply()
    await morning.meter_events.wait("prepay.restore", restored=True, timeout=20)
    assert morning.meter.premises.electricity_on


async def test_a_used_or_made_up_code_is_refused(morning: Stack) -> None:
    assert morning.ihd is not None
    await _prepayment_with(morning, 5000)
    code = morning.meter.prepayment.issue_utrn(1000)
    morning.ihd.prepayment.top_up(code)
    await morning.ihd_events.wait("prepay.topup-result", verdict="valid", timeout=20)
    morning.ihd.prepayment.top_up(code)
    await morning.ihd_events.wait("prepay.topup-result", verdict="used", timeout=20)
    morning.ihd.prepayment.top_up("1234 5678 9012 3456 7890")
    await morning.ihd_events.wait("prepay.topup-result", verdict="wrong", timeout=20)
    outcome = morning.ihd.prepayment.last_top_up
    assert outcome is not None
    assert "not right for this meter" in outcome.sentence()
    credited = morning.meter_events.named("prepay.topup", verdict="valid")
    assert len(credited) == 1, "a code credits once"


async def test_friendly_credit_keeps_the_supply_on_on_a_cold_evening(evening: Stack) -> None:
    assert evening.ihd is not None
    await _prepayment_with(evening, 20)
    await evening.meter_events.wait("prepay.friendly-credit", timeout=30)
    assert evening.meter.premises.electricity_on
    # Low credit, emergency credit on offer, then why the power stays on.
    await evening.ihd_events.wait_count("message.accepted", 3, type="prepay.alert", timeout=20)
    texts = [m.text for m in evening.ihd.current_messages()]
    assert any("stays on because it is between 16:00 and 10:00" in t for t in texts), texts


async def test_emergency_credit_is_taken_from_the_display(morning: Stack) -> None:
    assert morning.ihd is not None
    await _prepayment_with(morning, 50)
    await morning.meter_events.wait("prepay.emergency-credit-offered", timeout=30)
    morning.ihd.prepayment.use_emergency_credit()
    taken = await morning.meter_events.wait("prepay.emergency-credit", taken=True, timeout=20)
    assert taken["by"] == morning.ihd.display_id
    assert morning.meter.prepayment.account.emergency_taken


async def test_a_restart_keeps_the_balance_and_a_used_code_stays_used(morning: Stack) -> None:
    assert morning.ihd is not None
    await _prepayment_with(morning, 5000)
    code = morning.meter.prepayment.issue_utrn(1000)
    morning.ihd.prepayment.top_up(code)
    await morning.ihd_events.wait("prepay.topup-result", verdict="valid", timeout=20)
    await morning.restart_meter()
    account = morning.meter.prepayment.account
    assert account.mode.value == "prepayment"
    assert 5000 < account.credit_p <= 6000, "the balance as it was (less any use since)"
    morning.meter.prepayment.enter_code(code, OriginatingDevice.METER, "consumer at the meter")
    refused = await morning.meter_events.wait("prepay.topup", verdict="used", timeout=20)
    assert refused["value_p"] == 0
    # The supplier's next code follows on from the saved sequence, so it is not "used".
    fresh = morning.meter.prepayment.issue_utrn(500)
    assert fresh != code
    morning.meter.prepayment.enter_code(fresh, OriginatingDevice.METER, "consumer at the meter")
    await morning.meter_events.wait("prepay.topup", verdict="valid", timeout=20)


def test_a_damaged_saved_account_is_one_clear_event(tmp_path: Path) -> None:
    store = PrepayStore(tmp_path / "prepayment.json")
    store.path.write_text("[1, 2", encoding="utf-8")
    with pytest.raises(PrepayStoreError, match="is not a saved prepayment account"):
        store.load()
    store.path.write_text('{"mode": "prepayment"}', encoding="utf-8")
    saved = store.load()
    assert saved is not None
    with pytest.raises(PrepayStoreError, match="damaged"):
        restore_account(PrepayAccount(), saved)


async def test_a_damaged_account_file_is_kept_aside_and_the_meter_starts_afresh(
    tmp_path: Path,
) -> None:
    (tmp_path / "meter").mkdir(parents=True)
    (tmp_path / "meter" / PREPAY_FILE).write_text('{"mode": 7}', encoding="utf-8")
    stack = await start_stack(tmp_path, sim_start=WORKDAY_MORNING, with_ihd=False)
    try:
        unreadable = stack.meter_events.named("prepay.unreadable")
        assert len(unreadable) == 1
        assert "damaged" in unreadable[0]["detail"]
        assert Path(unreadable[0]["kept"]).exists()
        assert stack.meter.prepayment.account.mode.value == "credit"
    finally:
        await stack.close()


async def test_the_supplier_sets_a_debt_recovered_per_day(morning: Stack) -> None:
    assert morning.ihd is not None
    await _prepayment_with(morning, 5000)
    request = MessageRequest(
        "prepay.debt",
        command=ChangeDebt(
            issuer_event_id=9,
            debt_amount=1200,
            recovery_method=DebtRecoveryMethod.TIME_BASED,
            recovery_amount=100,
        ),
    )
    record = morning.meter.operator.send("supplier", request)
    await morning.meter_events.wait("prepay.debt-set", timeout=20)
    assert morning.meter.operator.status(record.key).outcome == (
        "debt £12.00, recovered at £1.00 a day"
    )
    # The display learns of it in the balance the meter sends at once, with how it is repaid.
    count = 1
    while not any(e["debt_p"] > 0 for e in morning.ihd_events.named("prepay.status")):
        await morning.ihd_events.wait_count("prepay.status", count, timeout=20)
        count += 1
    status = morning.ihd.prepayment.status
    assert status is not None
    assert 0 < status.debt_p <= 1200
    assert status.debt_rate_p_per_day == 100
    refused = morning.meter.operator.send("dno", request)
    assert refused.refused_reason == "role-not-authorised"
