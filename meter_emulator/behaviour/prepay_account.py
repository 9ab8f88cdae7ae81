"""A prepayment account's arithmetic: credit, emergency credit, debt and the supply's state.

Pure and clock-free: the caller says how much energy was used and how much time passed, and the
account says what changed (:class:`PrepayEvent`). Money is in pence, kept as floats so a second
of a kettle is not rounded away; the wire carries whole pence.

The order money moves in, as GB prepayment meters do it:

* Use draws on credit, then on emergency credit once the consumer took it. In a friendly-credit
  period with nothing left the supply stays on and the use is added to the accumulated debt.
* Time-based debt recovery takes ``debt_rate_p_per_day`` from the balance as time passes while
  a time-based debt remains; payment-based recovery takes ``debt_percent`` of each top-up.
* A top-up first pays the payment-based share of debt, then the accumulated (friendly) debt,
  then the emergency credit used, and the rest is credit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

SECONDS_PER_DAY = 86_400.0


class PaymentMode(StrEnum):
    """How the meter is paid for."""

    CREDIT = "credit"
    PREPAYMENT = "prepayment"


class Supply(StrEnum):
    """The supply as prepayment sees it."""

    ON = "on"
    OFF = "off"
    """Disconnected: credit and emergency credit ran out outside friendly credit."""
    ARMED = "armed"
    """Credit is back; the consumer restores the supply from the display."""


class PrepayEvent(StrEnum):
    """Something the consumer must be told of; each fires once per episode."""

    LOW_CREDIT = "low-credit"
    EMERGENCY_CREDIT_OFFERED = "emergency-credit-offered"
    EMERGENCY_CREDIT_TAKEN = "emergency-credit-taken"
    LOW_EMERGENCY_CREDIT = "low-emergency-credit"
    FRIENDLY_CREDIT = "friendly-credit"
    DISCONNECTED = "disconnected"
    TOPPED_UP = "topped-up"
    ARMED = "armed"
    RESTORED = "restored"


@dataclass
class PrepaySettings:
    """What the supplier set (ZSE EmergencyCreditSetup, SetLowCreditWarningLevel, ChangeDebt).

    Attributes:
        unit_rate_p: Pence per kWh of electricity.
        standing_charge_p_per_day: Pence per day.
        low_credit_p: Credit below which the consumer is warned.
        emergency_limit_p: Emergency credit on offer.
        emergency_threshold_p: Credit below which emergency credit is offered.
        low_emergency_p: Emergency credit below which the consumer is warned again.
        debt_rate_p_per_day: Time-based debt recovery per day.
        debt_percent: Payment-based recovery: share of each top-up (0-100).
        max_credit_p: The most credit the meter holds (SetMaximumCreditLimit).
    """

    unit_rate_p: float = 24.5
    standing_charge_p_per_day: float = 60.0
    low_credit_p: float = 200.0
    emergency_limit_p: float = 500.0
    emergency_threshold_p: float = 100.0
    low_emergency_p: float = 200.0
    debt_rate_p_per_day: float = 0.0
    debt_percent: float = 0.0
    max_credit_p: float = 25_000.0


@dataclass
class PrepayAccount:
    """The account's balances and latches.

    Attributes:
        settings: The supplier's settings.
        mode: Credit or prepayment.
        credit_p: Credit remaining (never below 0).
        emergency_taken: Whether the consumer took emergency credit.
        emergency_remaining_p: Emergency credit left (once taken).
        accumulated_debt_p: Use in friendly credit with nothing left, repaid from top-ups.
        time_debt_p: Debt recovered per day (ZSE type 1).
        payment_debt_p: Debt recovered as a share of top-ups (ZSE type 2).
        supply: On, off or armed.
        used_sequences: UTRN sequence numbers already credited.
    """

    settings: PrepaySettings = field(default_factory=PrepaySettings)
    mode: PaymentMode = PaymentMode.CREDIT
    credit_p: float = 0.0
    emergency_taken: bool = False
    emergency_remaining_p: float = 0.0
    accumulated_debt_p: float = 0.0
    time_debt_p: float = 0.0
    payment_debt_p: float = 0.0
    supply: Supply = Supply.ON
    used_sequences: set[int] = field(default_factory=set)
    _fired: set[PrepayEvent] = field(default_factory=set)

    # -- what the display shows ----------------------------------------------------------------

    @property
    def emergency_used_p(self) -> float:
        """Emergency credit used, to be repaid by the next top-up."""
        if not self.emergency_taken:
            return 0.0
        return self.settings.emergency_limit_p - self.emergency_remaining_p

    @property
    def total_debt_p(self) -> float:
        """Every debt still owed (not counting emergency credit used)."""
        return self.accumulated_debt_p + self.time_debt_p + self.payment_debt_p

    @property
    def available_p(self) -> float:
        """What can still be spent: credit plus emergency credit taken."""
        return self.credit_p + (self.emergency_remaining_p if self.emergency_taken else 0.0)

    @property
    def emergency_on_offer(self) -> bool:
        """Whether the display should offer "Use emergency credit"."""
        return (
            self.mode is PaymentMode.PREPAYMENT
            and not self.emergency_taken
            and self.credit_p < self.settings.emergency_threshold_p
        )

    def days_left(self, daily_cost_p: float) -> float | None:
        """About how many days of credit at ``daily_cost_p`` a day (None if nothing is used)."""
        if daily_cost_p <= 0:
            return None
        return self.available_p / daily_cost_p

    # -- time passing --------------------------------------------------------------------------

    def charge(self, seconds: float, energy_kwh: float, friendly: bool) -> list[PrepayEvent]:
        """``seconds`` passed during which ``energy_kwh`` was used; what the consumer must hear.

        Args:
            seconds: Simulated time passed.
            energy_kwh: Electricity used in it.
            friendly: Whether a friendly-credit period is on now.
        """
        if self.mode is not PaymentMode.PREPAYMENT or seconds <= 0:
            return []
        days = seconds / SECONDS_PER_DAY
        supply_on = self.supply is Supply.ON
        cost = self.settings.standing_charge_p_per_day * days
        if supply_on:
            cost += max(0.0, energy_kwh) * self.settings.unit_rate_p
        if self.time_debt_p > 0:
            recovered = min(self.time_debt_p, self.settings.debt_rate_p_per_day * days)
            self.time_debt_p -= recovered
            cost += recovered
        self._spend(cost)
        return self._check(friendly)

    def _spend(self, cost: float) -> None:
        from_credit = min(self.credit_p, cost)
        self.credit_p -= from_credit
        cost -= from_credit
        if cost > 0 and self.emergency_taken:
            from_emergency = min(self.emergency_remaining_p, cost)
            self.emergency_remaining_p -= from_emergency
            cost -= from_emergency
        # Anything left is owed: only reachable with the supply kept on in friendly credit
        # (or standing charge while disconnected), and repaid from the next top-up.
        self.accumulated_debt_p += cost

    def _fire(self, event: PrepayEvent, events: list[PrepayEvent]) -> None:
        if event not in self._fired:
            self._fired.add(event)
            events.append(event)

    def _check(self, friendly: bool) -> list[PrepayEvent]:
        events: list[PrepayEvent] = []
        settings = self.settings
        if self.credit_p < settings.low_credit_p:
            self._fire(PrepayEvent.LOW_CREDIT, events)
        if self.emergency_on_offer:
            self._fire(PrepayEvent.EMERGENCY_CREDIT_OFFERED, events)
        if self.emergency_taken and self.emergency_remaining_p < settings.low_emergency_p:
            self._fire(PrepayEvent.LOW_EMERGENCY_CREDIT, events)
        if self.available_p <= 0 and self.supply is Supply.ON:
            if friendly:
                self._fire(PrepayEvent.FRIENDLY_CREDIT, events)
            else:
                self.supply = Supply.OFF
                self._fire(PrepayEvent.DISCONNECTED, events)
        return events

    # -- the consumer and the supplier ---------------------------------------------------------

    def take_emergency_credit(self) -> bool:
        """The consumer accepts the emergency credit on offer; False if none is on offer."""
        if not self.emergency_on_offer:
            return False
        self.emergency_taken = True
        self.emergency_remaining_p = self.settings.emergency_limit_p
        self._fired.discard(PrepayEvent.DISCONNECTED)
        self._fired.discard(PrepayEvent.FRIENDLY_CREDIT)
        if self.supply is Supply.OFF:
            self.supply = Supply.ARMED
        return True

    def top_up(self, value_p: float, friendly: bool = False) -> list[PrepayEvent]:
        """Add ``value_p``: debts and emergency credit are repaid first (see the module)."""
        events = [PrepayEvent.TOPPED_UP]
        rest = float(value_p)
        if self.payment_debt_p > 0 and self.settings.debt_percent > 0:
            share = min(self.payment_debt_p, rest * self.settings.debt_percent / 100.0)
            self.payment_debt_p -= share
            rest -= share
        repay = min(self.accumulated_debt_p, rest)
        self.accumulated_debt_p -= repay
        rest -= repay
        if self.emergency_taken:
            repay = min(self.emergency_used_p, rest)
            self.emergency_remaining_p += repay
            rest -= repay
            if self.emergency_used_p <= 0:
                # Repaid in full: emergency credit goes back on offer for next time.
                self.emergency_taken = False
                self.emergency_remaining_p = 0.0
        self.credit_p = min(self.settings.max_credit_p, self.credit_p + rest)
        if self.credit_p >= self.settings.low_credit_p:
            self._fired -= {
                PrepayEvent.LOW_CREDIT,
                PrepayEvent.EMERGENCY_CREDIT_OFFERED,
                PrepayEvent.LOW_EMERGENCY_CREDIT,
            }
        if self.available_p > 0:
            self._fired -= {PrepayEvent.DISCONNECTED, PrepayEvent.FRIENDLY_CREDIT}
            if self.supply is Supply.OFF:
                self.supply = Supply.ARMED
                events.append(PrepayEvent.ARMED)
        return events + self._check(friendly)

    def restore(self) -> bool:
        """The consumer restores an armed supply; False if it is not armed."""
        if self.supply is not Supply.ARMED or self.available_p <= 0:
            return False
        self.supply = Supply.ON
        return True

    def set_debt(
        self,
        amount_p: float,
        *,
        time_based: bool,
        incremental: bool,
        rate_p_per_day: float = 0.0,
        percent: float = 0.0,
    ) -> None:
        """The supplier's debt: recovered per day (time-based) or as a share of each top-up.

        Args:
            amount_p: The debt (or the amount added, ``incremental``).
            time_based: Time-based recovery (type 1) rather than payment-based (type 2).
            incremental: Add to the debt of that kind rather than set it.
            rate_p_per_day: Time-based: pence recovered a day.
            percent: Payment-based: percent of each top-up.
        """
        if time_based:
            self.time_debt_p = (self.time_debt_p if incremental else 0.0) + amount_p
            self.settings.debt_rate_p_per_day = rate_p_per_day
        else:
            self.payment_debt_p = (self.payment_debt_p if incremental else 0.0) + amount_p
            self.settings.debt_percent = percent

    def change_mode(self, mode: PaymentMode) -> None:
        """Credit <-> prepayment; a credit meter never disconnects for credit."""
        self.mode = mode
        if mode is PaymentMode.CREDIT and self.supply is not Supply.ON:
            self.supply = Supply.ON
        self._fired.clear()
