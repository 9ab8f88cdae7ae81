"""Verified prepayment commands turned into the meter's actions.

The envelope was verified already (signature, policy: the supplier alone may send
``prepay.credit-adjustment`` and ``prepay.payment-mode``, the display alone the consumer's
``prepay.*`` replies); this reads the ZSE command it carries and acts on it. A tariff the meter
forwards also sets the rate credit runs down at, so "at the current tariff" holds.
"""

from __future__ import annotations

from ihd_app.protocol.verification import VerifiedMessage
from ihd_app.protocol.zcl import Endpoint, PublishPrice, PublishTariffInformation
from ihd_app.protocol.zcl.prepayment import (
    ChangePaymentMode,
    ConsumerTopUp,
    CreditAdjustment,
    CreditAdjustmentType,
    SelectAvailableEmergencyCredit,
)
from ihd_app.protocol.zcl.prepayment_debt import ChangeDebt, DebtRecoveryMethod
from meter_emulator.behaviour.prepayment import Prepayment, pounds


class PrepayCommandError(ValueError):
    """A verified command the meter cannot carry out; the message says why in one sentence."""


def _price_pence(value: int, trailing_digits: int) -> float:
    return float(value) / float(10**trailing_digits)


class PrepayCommands:
    """Dispatches verified prepayment messages to :class:`Prepayment`.

    Args:
        prepayment: The meter's prepayment function.
    """

    def __init__(self, prepayment: Prepayment) -> None:
        self._prepayment = prepayment

    def from_supplier(self, message: VerifiedMessage, who: str) -> str:
        """Carry out a supplier's command; the outcome in words for the operator.

        Raises:
            PrepayCommandError: The command cannot be carried out.
        """
        command = message.unit.command if message.unit is not None else None
        if isinstance(command, CreditAdjustment):
            if command.adjustment_type is CreditAdjustmentType.ABSOLUTE:
                raise PrepayCommandError(
                    "an absolute credit adjustment is not supported: send the amount to add "
                    "(incremental)"
                )
            if command.value <= 0:
                raise PrepayCommandError(
                    f"a top-up of {command.value}p cannot be added: send a positive amount"
                )
            self._prepayment.supplier_credit(command.value, who)
            return (
                f"{pounds(command.value)} added; credit {pounds(self._prepayment.account.credit_p)}"
            )
        if isinstance(command, ChangePaymentMode):
            friendly = message.claims.details.get("friendly_credit")
            if isinstance(friendly, bool):
                self._prepayment.friendly_enabled = friendly
            self._prepayment.change_mode(command.prepayment, who)
            return f"payment mode {'prepayment' if command.prepayment else 'credit'}"
        if isinstance(command, ChangeDebt):
            return self._change_debt(command, who)
        raise PrepayCommandError(f"'{message.message_type.name}' carries no command to act on")

    def _change_debt(self, command: ChangeDebt, who: str) -> str:
        if command.recovery_method is DebtRecoveryMethod.CATCH_UP or command.debt_type == 3:
            raise PrepayCommandError(
                "catch-up recovery and type 3 debts are not supported: send a time-based "
                "(type 1) or percentage-based (type 2) debt"
            )
        time_based = command.recovery_method is DebtRecoveryMethod.TIME_BASED
        rate = command.recovery_amount / command.frequency.days
        percent = command.balance_percentage / 100
        self._prepayment.account.set_debt(
            command.debt_amount,
            time_based=time_based,
            incremental=command.incremental,
            rate_p_per_day=rate,
            percent=percent,
        )
        self._prepayment.debt_changed(who)
        how = f"{pounds(rate)} a day" if time_based else f"{percent:g}% of each top-up"
        return f"debt {pounds(command.debt_amount)}, recovered at {how}"

    def from_display(self, message: VerifiedMessage, display: str) -> None:
        """Act on the consumer's top-up code, emergency credit choice or restore."""
        command = message.unit.command if message.unit is not None else None
        name = message.message_type.name
        if isinstance(command, ConsumerTopUp):
            code = command.top_up_code.decode("ascii", errors="replace")
            self._prepayment.enter_code(code, command.originating_device, display)
        elif isinstance(command, SelectAvailableEmergencyCredit):
            self._prepayment.take_emergency_credit(display)
        elif name == "prepay.restore":
            self._prepayment.restore(display)

    def on_tariff(self, message: VerifiedMessage) -> None:
        """An electricity tariff passing through the meter sets the rate credit is used at."""
        unit = message.unit
        if unit is None or unit.endpoint != Endpoint.ELECTRICITY:
            return
        settings = self._prepayment.account.settings
        command = unit.command
        if isinstance(command, PublishPrice):
            settings.unit_rate_p = _price_pence(command.price, command.price_trailing_digit)
        elif (
            isinstance(command, PublishTariffInformation) and command.standing_charge != 0xFFFFFFFF
        ):
            digits = command.price_trailing_digit >> 4
            settings.standing_charge_p_per_day = _price_pence(command.standing_charge, digits)
