"""``meter-emulator sign`` for the prepayment types: the ZSE 0x0705 command each carries."""

from __future__ import annotations

import argparse
from datetime import datetime

from ihd_app.protocol.cli_common import UsageError
from ihd_app.protocol.zcl.prepayment import (
    ConsumerTopUp,
    ConsumerTopUpResponse,
    PublishPrepaySnapshot,
    SelectAvailableEmergencyCredit,
    TopUpResult,
)
from ihd_app.protocol.zcl.prepayment_debt import ChangeDebt, DebtRecoveryMethod
from ihd_app.protocol.zcl.primitives import datetime_to_utc
from ihd_app.protocol.zcl.unit import Command
from meter_emulator.operator.prepay_requests import payment_mode_request, top_up_request

_VERDICT_RESULTS = {
    "valid": TopUpResult.ACCEPTED,
    "used": TopUpResult.REJECTED_DUPLICATE,
    "wrong": TopUpResult.REJECTED_INVALID,
}


def add_prepay_arguments(group: argparse._ArgumentGroup) -> None:
    """The flags of the prepayment types."""
    group.add_argument(
        "--credit-pence",
        type=int,
        metavar="PENCE",
        help="prepay.credit-adjustment: pence to add; prepay.status / -topup-result: credit",
    )
    group.add_argument(
        "--debt-rate-pence",
        type=int,
        default=50,
        metavar="PENCE",
        help="prepay.debt: pence recovered a day (time-based; --credit-pence is the debt)",
    )
    group.add_argument(
        "--payment-mode", choices=["prepayment", "credit"], help="prepay.payment-mode"
    )
    group.add_argument("--top-up-code", metavar="DIGITS", help="prepay.topup: the 20-digit UTRN")
    group.add_argument(
        "--top-up-verdict", choices=sorted(_VERDICT_RESULTS), default="valid",
        help="prepay.topup-result: the meter's verdict",
    )  # fmt: skip


def prepay_command(args: argparse.Namespace, message_id: int, at: datetime) -> Command | None:
    """The command for a ``prepay.*`` type from the flags, or None for other types.

    Raises:
        UsageError: A flag the type needs is missing.
    """
    name = args.type_name
    credit = args.credit_pence
    try:
        if name == "prepay.credit-adjustment":
            if credit is None:
                raise UsageError("prepay.credit-adjustment needs --credit-pence, the pence to add")
            return top_up_request(credit, message_id).command
        if name == "prepay.payment-mode":
            if args.payment_mode is None:
                raise UsageError("prepay.payment-mode needs --payment-mode prepayment|credit")
            return payment_mode_request(args.payment_mode == "prepayment", message_id).command
    except ValueError as error:
        raise UsageError(str(error)) from None
    if name == "prepay.debt":
        if credit is None:
            raise UsageError("prepay.debt needs --credit-pence, the debt in pence")
        return ChangeDebt(
            issuer_event_id=message_id & 0xFFFFFFFF,
            debt_amount=credit,
            recovery_method=DebtRecoveryMethod.TIME_BASED,
            recovery_amount=args.debt_rate_pence,
        )
    if name == "prepay.topup":
        if not args.top_up_code:
            raise UsageError("prepay.topup needs --top-up-code, the 20 digits")
        return ConsumerTopUp(top_up_code=args.top_up_code.replace(" ", "").encode("ascii"))
    if name == "prepay.emergency-credit":
        return SelectAvailableEmergencyCredit(command_issue_time=datetime_to_utc(at))
    if name == "prepay.status":
        return PublishPrepaySnapshot(
            snapshot_id=message_id & 0xFFFFFFFF,
            snapshot_time=datetime_to_utc(at),
            credit_remaining=credit or 0,
        )
    if name == "prepay.topup-result":
        return ConsumerTopUpResponse(
            result=_VERDICT_RESULTS[args.top_up_verdict], credit_remaining=credit or 0
        )
    return None
