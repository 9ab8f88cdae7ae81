"""What the display knows of a prepayment meter's credit, from the meter's signed messages.

Built from ``prepay.status`` (ZSE PublishPrepaySnapshot plus details the meter signs) and
``prepay.topup-result`` (ZSE ConsumerTopUpResponse); worded for a consumer by the UI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ihd_app.protocol.zcl.prepayment import ConsumerTopUpResponse, PublishPrepaySnapshot


def pounds(pence: float) -> str:
    """``1234`` -> ``£12.34``; a negative value keeps its sign."""
    sign = "-" if pence < 0 else ""
    return f"{sign}£{abs(pence) / 100:,.2f}"


def _int(details: Mapping[str, object], key: str) -> int:
    value = details.get(key)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


@dataclass(frozen=True)
class PrepayStatus:
    """The meter's credit as it last said.

    Attributes:
        prepayment: Whether the meter is in prepayment mode.
        credit_p: Credit remaining.
        emergency_p: Emergency credit remaining (once taken).
        debt_p: Every debt owed.
        supply: ``on``, ``off`` (disconnected) or ``armed`` (restore from the display).
        emergency_on_offer: The display should offer "Use emergency credit".
        emergency_limit_p: How much emergency credit is on offer.
        days_left: About how many days the credit lasts at the recent rate (None: unknown).
        friendly_credit: Why the supply stays on with no credit ("" when not in one).
        debt_rate_p_per_day: Time-based recovery.
        debt_percent: Payment-based recovery (share of each top-up).
    """

    prepayment: bool
    credit_p: int
    emergency_p: int
    debt_p: int
    supply: str
    emergency_on_offer: bool
    emergency_limit_p: int
    days_left: float | None
    friendly_credit: str
    debt_rate_p_per_day: int
    debt_percent: float

    @classmethod
    def from_snapshot(
        cls, snapshot: PublishPrepaySnapshot, details: Mapping[str, object]
    ) -> PrepayStatus:
        """The status a verified ``prepay.status`` carries."""
        days = details.get("days_left")
        percent = details.get("debt_percent")
        friendly = details.get("friendly_credit")
        return cls(
            prepayment=details.get("mode") == "prepayment",
            credit_p=snapshot.credit_remaining,
            emergency_p=snapshot.emergency_credit_remaining,
            debt_p=snapshot.accumulated_debt
            + snapshot.type1_debt_remaining
            + snapshot.type2_debt_remaining
            + snapshot.type3_debt_remaining,
            supply=str(details.get("supply", "on")),
            emergency_on_offer=details.get("emergency_on_offer") is True,
            emergency_limit_p=_int(details, "emergency_limit_p"),
            days_left=float(days)
            if isinstance(days, int | float) and not isinstance(days, bool)
            else None,
            friendly_credit=friendly if isinstance(friendly, str) else "",
            debt_rate_p_per_day=_int(details, "debt_rate_p_per_day"),
            debt_percent=float(percent)
            if isinstance(percent, int | float) and not isinstance(percent, bool)
            else 0.0,
        )

    def days_text(self) -> str:
        """ "About 4 days of credit left at the current rate", or "" if unknown."""
        if self.days_left is None:
            return ""
        if self.days_left < 1:
            hours = max(1, round(self.days_left * 24))
            return (
                f"About {hours} hour{'s' if hours != 1 else ''} of credit left at the current rate"
            )
        days = round(self.days_left)
        return f"About {days} day{'s' if days != 1 else ''} of credit left at the current rate"


@dataclass(frozen=True)
class TopUpOutcome:
    """The meter's verdict on a code the consumer entered.

    Attributes:
        verdict: ``valid``, ``used`` or ``wrong``.
        value_p: Credit added.
        credit_p: Credit after it.
        code: The code as the meter read it, grouped.
    """

    verdict: str
    value_p: int
    credit_p: int
    code: str

    @classmethod
    def from_response(
        cls, response: ConsumerTopUpResponse, details: Mapping[str, object]
    ) -> TopUpOutcome:
        """The outcome a verified ``prepay.topup-result`` carries."""
        verdict = details.get("verdict")
        if not isinstance(verdict, str):
            verdict = "valid" if response.result.accepted else "wrong"
        code = details.get("code")
        return cls(verdict, response.top_up_value, response.credit_remaining, str(code or ""))

    def sentence(self) -> str:
        """The verdict in one sentence for the consumer."""
        if self.verdict == "valid":
            added, credit = pounds(self.value_p), pounds(self.credit_p)
            return f"Top-up accepted: {added} added. Credit now {credit}."
        if self.verdict == "used":
            return "This code has already been used. Check the receipt for a newer code."
        return "This code is not right for this meter. Check the 20 digits and try again."
