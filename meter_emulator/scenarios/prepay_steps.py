"""Scenario steps of prepayment: the supplier's signed commands, and the consumer at the meter.

``prepay-mode`` and ``prepay-top-up`` go through the operator console signed by the supplier
(and are verified by the meter like any operator message). ``utrn``, ``emergency-credit`` and
``prepay-restore`` are the consumer at the meter's own keypad and button, as on a GB prepayment
meter; the display offers the same through its signed replies.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.zcl.prepayment import OriginatingDevice
from meter_emulator.behaviour.prepayment import Prepayment
from meter_emulator.operator.console import OperatorConsole
from meter_emulator.operator.prepay_requests import payment_mode_request, top_up_request

PREPAY_ACTIONS = frozenset(
    {"prepay-mode", "prepay-top-up", "utrn", "emergency-credit", "prepay-restore", "vend-utrn"}
)
#: A number no supplier issued: refused as wrong by the meter's check.
MADE_UP_CODE = "1234 5678 9012 3456 7890"


class PrepayStepError(IhdError):
    """A prepayment step could not be carried out."""


class PrepaySteps:
    """Runs the prepayment steps of a scenario.

    Args:
        operator: The operator console (signs as the supplier).
        prepayment: The meter's prepayment (the consumer at the meter).
        events: Where a vended code is told (as the supplier texts it to the consumer).
    """

    def __init__(self, operator: OperatorConsole, prepayment: Prepayment, events: EventLog) -> None:
        self._operator = operator
        self._prepayment = prepayment
        self._log = events
        self._events = itertools.count(1)
        self._last_code: str | None = None

    def run(self, action: str, fields: Mapping[str, Any]) -> None:
        """Carry out step ``action`` with its ``fields``.

        Raises:
            PrepayStepError: ``utrn`` with ``again`` before any code was entered.
        """
        if action == "prepay-mode":
            request = payment_mode_request(
                fields["mode"] == "prepayment",
                next(self._events),
                friendly_credit=fields.get("friendly_credit", True),
            )
            self._operator.send("supplier", request)
        elif action == "prepay-top-up":
            self._operator.send("supplier", top_up_request(fields["pence"], next(self._events)))
        elif action == "utrn":
            self._enter_code(fields)
        elif action == "emergency-credit":
            self._prepayment.take_emergency_credit("consumer at the meter")
        elif action == "prepay-restore":
            self._prepayment.restore("consumer at the meter")
        elif action == "vend-utrn":
            # The supplier's vending: the code goes to the consumer (here: the event log), who
            # types it on the display.
            code = self._prepayment.issue_utrn(fields["pence"])
            self._last_code = code
            self._log.emit("prepay.utrn-issued", code=code, value_p=fields["pence"])

    def _enter_code(self, fields: Mapping[str, Any]) -> None:
        if fields.get("wrong"):
            code = MADE_UP_CODE
        elif fields.get("again"):
            if self._last_code is None:
                raise PrepayStepError("a 'utrn' step with again = true needs a code entered before")
            code = self._last_code
        else:
            code = self._prepayment.issue_utrn(fields["pence"])
            self._last_code = code
        self._prepayment.enter_code(code, OriginatingDevice.METER, "consumer at the meter")
