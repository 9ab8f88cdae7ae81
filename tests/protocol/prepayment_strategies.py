"""Hypothesis strategies for the Prepayment cluster (0x0705) commands."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from ihd_app.protocol.zcl.prepayment import (
    MAX_TOP_UP_CODE,
    ChangePaymentMode,
    ConsumerTopUp,
    ConsumerTopUpResponse,
    CreditAdjustment,
    CreditAdjustmentType,
    OriginatingDevice,
    PublishPrepaySnapshot,
    SelectAvailableEmergencyCredit,
    TopUpResult,
)
from ihd_app.protocol.zcl.prepayment_debt import (
    MAX_DEBT_LABEL,
    ChangeDebt,
    DebtRecoveryFrequency,
    DebtRecoveryMethod,
)

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
s32 = st.integers(-(1 << 31), (1 << 31) - 1)
devices = st.sampled_from(OriginatingDevice)

PREPAYMENT_STRATEGIES: dict[type[Any], st.SearchStrategy[Any]] = {
    ChangeDebt: st.builds(
        ChangeDebt,
        issuer_event_id=u32,
        debt_label=st.binary(max_size=MAX_DEBT_LABEL),
        debt_amount=u32,
        recovery_method=st.sampled_from(DebtRecoveryMethod),
        amount_type=st.integers(0, 5),
        recovery_start_time=u32,
        collection_time=u16,
        frequency=st.sampled_from(DebtRecoveryFrequency),
        recovery_amount=u32,
        balance_percentage=u16,
    ),
    SelectAvailableEmergencyCredit: st.builds(
        SelectAvailableEmergencyCredit, command_issue_time=u32, originating_device=devices
    ),
    ConsumerTopUp: st.builds(
        ConsumerTopUp,
        top_up_code=st.binary(max_size=MAX_TOP_UP_CODE),
        originating_device=devices,
    ),
    CreditAdjustment: st.builds(
        CreditAdjustment,
        issuer_event_id=u32,
        start_time=u32,
        adjustment_type=st.sampled_from(CreditAdjustmentType),
        value=s32,
    ),
    ChangePaymentMode: st.builds(
        ChangePaymentMode,
        provider_id=u32,
        issuer_event_id=u32,
        implementation_time=u32,
        payment_control=u16,
        cut_off_value=s32,
    ),
    PublishPrepaySnapshot: st.builds(
        PublishPrepaySnapshot,
        snapshot_id=u32,
        snapshot_time=u32,
        snapshot_cause=u32,
        accumulated_debt=s32,
        type1_debt_remaining=u32,
        type2_debt_remaining=u32,
        type3_debt_remaining=u32,
        emergency_credit_remaining=s32,
        credit_remaining=s32,
        total_snapshots_found=u8,
        command_index=u8,
        total_number_of_commands=u8,
    ),
    ConsumerTopUpResponse: st.builds(
        ConsumerTopUpResponse,
        result=st.sampled_from(TopUpResult),
        top_up_value=s32,
        source=devices,
        credit_remaining=s32,
    ),
}
