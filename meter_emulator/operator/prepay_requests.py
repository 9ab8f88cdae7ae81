"""The supplier's prepayment requests, as the operator console and scenarios send them."""

from __future__ import annotations

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.zcl.prepayment import (
    ACCOUNT_BASE,
    CONTACTOR_FITTED,
    CREDIT_DISPLAY_ENABLED,
    CREDIT_MANAGEMENT_ENABLED,
    DISCONNECTION_ENABLED,
    PREPAYMENT_ENABLED,
    ChangePaymentMode,
    CreditAdjustment,
)

#: The supplier's provider id in our demo PKI.
PROVIDER_ID = 1
_CREDIT_MODE = CREDIT_MANAGEMENT_ENABLED | CREDIT_DISPLAY_ENABLED | CONTACTOR_FITTED
_PREPAY_MODE = (
    DISCONNECTION_ENABLED
    | PREPAYMENT_ENABLED
    | CREDIT_MANAGEMENT_ENABLED
    | CREDIT_DISPLAY_ENABLED
    | ACCOUNT_BASE
    | CONTACTOR_FITTED
)


def top_up_request(value_pence: int, event_id: int) -> MessageRequest:
    """``prepay.credit-adjustment``: the supplier adds ``value_pence`` remotely.

    Raises:
        ValueError: The value is not a positive number of pence.
    """
    if value_pence <= 0:
        raise ValueError(f"a top-up of {value_pence}p cannot be sent: give a positive amount")
    return MessageRequest(
        "prepay.credit-adjustment",
        command=CreditAdjustment(issuer_event_id=event_id & 0xFFFFFFFF, value=value_pence),
    )


def payment_mode_request(
    prepayment: bool, event_id: int, *, friendly_credit: bool = True
) -> MessageRequest:
    """``prepay.payment-mode``: switch the meter to prepayment (or back to credit).

    Args:
        prepayment: Prepayment, or credit.
        event_id: The supplier's IssuerEventID.
        friendly_credit: Whether the friendly-credit periods apply (ZSE sets them by a
            friendly-credit calendar; ours travels signed in the details).
    """
    return MessageRequest(
        "prepay.payment-mode",
        command=ChangePaymentMode(
            provider_id=PROVIDER_ID,
            issuer_event_id=event_id & 0xFFFFFFFF,
            payment_control=_PREPAY_MODE if prepayment else _CREDIT_MODE,
        ),
        extra_details={"friendly_credit": friendly_credit},
    )
