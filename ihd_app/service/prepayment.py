"""The display's prepayment side: the meter's credit as it last said, and the consumer's
actions (top-up code, emergency credit, restore supply) signed and queued for the meter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ihd_app.core.model import OutboxKind
from ihd_app.core.prepay_status import PrepayStatus, TopUpOutcome
from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.utrn import UTRN_DIGITS, normalise_utrn
from ihd_app.protocol.verification import VerifiedMessage
from ihd_app.protocol.zcl.prepayment import (
    ConsumerTopUp,
    ConsumerTopUpResponse,
    PublishPrepaySnapshot,
    SelectAvailableEmergencyCredit,
)
from ihd_app.protocol.zcl.primitives import datetime_to_utc
from ihd_app.service.replies import ReplySigner
from ihd_app.store.outbox import Outbox


class PrepayActionError(Exception):
    """The consumer's action cannot be sent; the message says why in one sentence."""


class PrepayDisplay:
    """Holds the meter's prepayment state and sends the consumer's actions.

    Args:
        outbox: Where signed actions wait for delivery.
        signer: The display's reply signer, once a meter is known.
        emit: Where events go.
        changed: Called when the status or a verdict changed.
        wake: Wakes the delivery loop.
        clock: Current time.
    """

    def __init__(
        self,
        outbox: Outbox,
        *,
        signer: Callable[[], ReplySigner | None],
        emit: Callable[..., Any],
        changed: Callable[[str], None],
        wake: Callable[[], None],
        clock: Callable[[], datetime],
    ) -> None:
        self._outbox = outbox
        self._signer = signer
        self._emit = emit
        self._changed = changed
        self._wake = wake
        self._clock = clock
        self.status: PrepayStatus | None = None
        self.last_top_up: TopUpOutcome | None = None
        self._sent = 0

    def on_verified(self, message: VerifiedMessage) -> bool:
        """A verified message from the meter; True if it was prepayment's."""
        command = message.unit.command if message.unit is not None else None
        details = message.claims.details
        if isinstance(command, PublishPrepaySnapshot):
            self.status = PrepayStatus.from_snapshot(command, details)
            self._emit(
                "prepay.status",
                prepayment=self.status.prepayment,
                credit_p=self.status.credit_p,
                emergency_p=self.status.emergency_p,
                debt_p=self.status.debt_p,
                supply=self.status.supply,
                friendly_credit=self.status.friendly_credit,
                emergency_on_offer=self.status.emergency_on_offer,
            )
            self._changed("status")
            return True
        if isinstance(command, ConsumerTopUpResponse):
            self.last_top_up = TopUpOutcome.from_response(command, details)
            self._emit(
                "prepay.topup-result",
                verdict=self.last_top_up.verdict,
                value_p=self.last_top_up.value_p,
                credit_p=self.last_top_up.credit_p,
            )
            self._changed("top-up")
            return True
        return False

    def _queue(self, request: MessageRequest, what: str) -> None:
        signer = self._signer()
        if signer is None:
            raise PrepayActionError(
                f"The display is not paired with a meter yet, so {what} cannot be sent."
            )
        self._sent += 1
        now = self._clock()
        envelope = signer.sign(request)
        self._outbox.enqueue(
            OutboxKind.PREPAY, f"prepay:{now.isoformat()}:{self._sent}", envelope, now
        )
        self._emit("prepay.sent", type=request.type_name)
        self._wake()

    def top_up(self, code: str) -> None:
        """Send a 20-digit top-up code to the meter, which checks it and answers.

        Raises:
            PrepayActionError: Not 20 digits, or no meter yet.
        """
        digits = normalise_utrn(code)
        if len(digits) != UTRN_DIGITS or not (digits.isascii() and digits.isdigit()):
            raise PrepayActionError(
                f"A top-up code has {UTRN_DIGITS} digits; this one has {len(digits)}."
            )
        self.last_top_up = None
        self._queue(
            MessageRequest(
                "prepay.topup",
                command=ConsumerTopUp(top_up_code=digits.encode("ascii")),
                at=self._clock(),
            ),
            "the top-up code",
        )

    def use_emergency_credit(self) -> None:
        """The consumer takes the emergency credit on offer.

        Raises:
            PrepayActionError: No meter yet.
        """
        now = self._clock()
        self._queue(
            MessageRequest(
                "prepay.emergency-credit",
                command=SelectAvailableEmergencyCredit(command_issue_time=datetime_to_utc(now)),
                at=now,
            ),
            "the choice of emergency credit",
        )

    def restore_supply(self) -> None:
        """The consumer restores a supply armed after a top-up.

        Raises:
            PrepayActionError: No meter yet.
        """
        self._queue(MessageRequest("prepay.restore", at=self._clock()), "the restore request")
