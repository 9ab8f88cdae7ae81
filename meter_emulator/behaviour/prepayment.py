"""The meter in prepayment mode: credit running down, alerts, top-ups and self-disconnection.

Driven by the meter's samples (:meth:`Prepayment.on_sample`) on the simulation clock, so an
accelerated clock runs credit down in seconds. What it tells the display travels signed by the
meter: ``prepay.status`` (ZSE PublishPrepaySnapshot, with what the display needs to explain it
in details), ``prepay.alert`` (a DisplayMessage the display shows as a takeover) and
``prepay.topup-result`` (ZSE ConsumerTopUpResponse). What it is told arrives verified: the
display's ``prepay.topup`` / ``prepay.emergency-credit`` / ``prepay.restore`` and the supplier's
``prepay.credit-adjustment`` / ``prepay.payment-mode``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.envelope.claims import DetailValue
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import Identity
from ihd_app.protocol.set_aside import set_aside
from ihd_app.protocol.utrn import UtrnVerdict, check_utrn, group_utrn, issue_utrn, normalise_utrn
from ihd_app.protocol.zcl import Importance
from ihd_app.protocol.zcl.prepayment import (
    ConsumerTopUpResponse,
    OriginatingDevice,
    PublishPrepaySnapshot,
    TopUpResult,
)
from ihd_app.protocol.zcl.primitives import datetime_to_utc
from meter_emulator.behaviour.friendly_credit import FriendlyCredit
from meter_emulator.behaviour.prepay_account import (
    PaymentMode,
    PrepayAccount,
    PrepayEvent,
    Supply,
)
from meter_emulator.behaviour.prepay_store import (
    PREPAY_FILE,
    PrepayStore,
    PrepayStoreError,
    account_to_saved,
    restore_account,
)
from meter_emulator.simulation.premises import Premises, SupplyCause

#: Signs a meter message and queues it for the display.
Send = Callable[[MessageRequest], object]
#: How often (wall seconds) the balance is published while nothing else happens.
STATUS_EVERY_S = 5.0
#: Smoothing of the daily cost estimate behind "about N days left" (simulated seconds).
_COST_WINDOW_S = 6 * 3600.0


def utrn_key(meter_private_key_der: bytes) -> bytes:
    """The meter's top-up key, derived from its private key (the supplier holds it too)."""
    return hashlib.sha256(b"UTRN top-up key|" + meter_private_key_der).digest()


def pounds(pence: float) -> str:
    """``1234.5`` -> ``£12.35``; a negative value keeps its sign."""
    sign = "-" if pence < 0 else ""
    return f"{sign}£{abs(pence) / 100:,.2f}"


_ALERTS: dict[PrepayEvent, tuple[str, Importance]] = {
    PrepayEvent.LOW_CREDIT: ("Your credit is low: {credit} left. Top up soon.", Importance.HIGH),
    PrepayEvent.EMERGENCY_CREDIT_OFFERED: (
        "Emergency credit of {limit} is available. Choose Use emergency credit to keep the "
        "power on; it is paid back from your next top-up.",
        Importance.HIGH,
    ),
    PrepayEvent.EMERGENCY_CREDIT_TAKEN: (
        "You are using emergency credit: {emergency} left. It is paid back from your next top-up.",
        Importance.MEDIUM,
    ),
    PrepayEvent.LOW_EMERGENCY_CREDIT: (
        "Emergency credit is running low: {emergency} left. Top up to keep the power on.",
        Importance.HIGH,
    ),
    PrepayEvent.FRIENDLY_CREDIT: (
        "Your credit has run out, but your power stays on because {why}. What you use now is "
        "added to your debt. Top up before {until}.",
        Importance.HIGH,
    ),
    PrepayEvent.DISCONNECTED: (
        "Your credit has run out and the electricity is off. Top up, then choose Restore supply.",
        Importance.CRITICAL,
    ),
    PrepayEvent.ARMED: (
        "Top-up received. Turn off large appliances, then choose Restore supply to switch the "
        "electricity back on.",
        Importance.CRITICAL,
    ),
    PrepayEvent.RESTORED: ("Electricity supply restored. Credit: {credit}.", Importance.MEDIUM),
}


class Prepayment:
    """The meter's prepayment function.

    Args:
        account: The balances.
        friendly: The friendly-credit calendar.
        premises: The supply switch.
        events: The event log.
        send: Signs and queues a meter message for the display.
        meter_id: The meter's id (UTRNs are bound to it).
        key: The meter's top-up key (:func:`utrn_key`).
        wall: The wall clock (status is rate-limited on it).
        store: Where the account is kept across restarts (None: not kept).
    """

    def __init__(
        self,
        account: PrepayAccount,
        friendly: FriendlyCredit,
        premises: Premises,
        events: EventLog,
        send: Send,
        meter_id: str,
        key: bytes,
        wall: Callable[[], datetime],
        store: PrepayStore | None = None,
    ) -> None:
        self.account = account
        self.friendly = friendly
        self._premises = premises
        self._events = events
        self._send = send
        self._meter_id = meter_id
        self._key = key
        self._wall = wall
        self._last_at: datetime | None = None
        self._last_status: datetime | None = None
        self._daily_cost_p = 0.0
        self._snapshot_id = 0
        self._next_sequence = 1
        self._now: datetime | None = None
        #: Whether the friendly-credit periods apply (the supplier's choice).
        self.friendly_enabled = True
        self._store = store
        self._load()

    @classmethod
    def for_meter(
        cls,
        identity: Identity,
        premises: Premises,
        events: EventLog,
        send: Send,
        wall: Callable[[], datetime],
        data_dir: Path,
    ) -> Prepayment:
        """The meter's prepayment: its top-up key from ``identity``, its account kept in
        ``data_dir`` (credit mode until the supplier's ChangePaymentMode says otherwise)."""
        key = utrn_key(
            identity.private_key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
        )
        store = PrepayStore(data_dir / PREPAY_FILE)
        return cls(
            PrepayAccount(), FriendlyCredit(), premises, events, send, identity.entity_id, key,
            wall, store,
        )  # fmt: skip

    def _load(self) -> None:
        if self._store is None:
            return
        try:
            saved = self._store.load()
            if saved is not None:
                self._next_sequence, self.friendly_enabled = restore_account(self.account, saved)
        except PrepayStoreError as error:
            # The meter carries on from a fresh credit-mode account; the damaged file is kept
            # beside it for someone to look at, and the operator is told.
            kept = set_aside(
                self._store.path, str(error), "the meter starts a fresh credit-mode account"
            )
            self._events.emit("prepay.unreadable", detail=str(error), kept=str(kept.kept_as))
        self._apply_supply()

    def save(self) -> None:
        """Keep the account now (also done on every status and UTRN issued)."""
        if self._store is not None:
            self._store.save(
                account_to_saved(self.account, self._next_sequence, self.friendly_enabled)
            )

    # -- the supplier's side of UTRNs (the operator console uses it) ---------------------------

    def issue_utrn(self, value_p: int) -> str:
        """A fresh code for ``value_p`` pence, as the supplier's vending system issues it."""
        code = issue_utrn(self._key, self._meter_id, value_p, self._next_sequence)
        self._next_sequence += 1
        self.save()
        return code

    # -- time passing --------------------------------------------------------------------------

    def on_sample(self, at: datetime, demand_w: float) -> None:
        """The meter measured ``demand_w`` at simulated ``at``: charge for the time since."""
        self._now = at
        previous, self._last_at = self._last_at, at
        if previous is None or self.account.mode is not PaymentMode.PREPAYMENT:
            self._publish_if_due()
            return
        seconds = max(0.0, (at - previous).total_seconds())
        kwh = demand_w * seconds / 3.6e6
        cost_rate = (
            kwh * self.account.settings.unit_rate_p
            + self.account.settings.standing_charge_p_per_day * seconds / 86_400
        )
        if seconds > 0:
            weight = min(1.0, seconds / _COST_WINDOW_S)
            self._daily_cost_p += (cost_rate * 86_400 / seconds - self._daily_cost_p) * weight
        why = self._friendly_reason(at)
        self._react(self.account.charge(seconds, kwh, why is not None))

    def _react(self, events: list[PrepayEvent], *, force_status: bool = False) -> None:
        self._apply_supply()
        for event in events:
            self._events.emit("prepay." + event.value, **self._fields())
            if event in _ALERTS:
                self._alert(event)
        self._publish_if_due(force=force_status or bool(events))

    def _apply_supply(self) -> None:
        if self.account.supply is Supply.ON:
            self._premises.off_causes.discard(SupplyCause.PREPAYMENT)
        else:
            self._premises.off_causes.add(SupplyCause.PREPAYMENT)

    # -- what the consumer and the supplier do -------------------------------------------------

    def take_emergency_credit(self, by: str) -> bool:
        """The consumer chose "Use emergency credit"; False if none was on offer."""
        taken = self.account.take_emergency_credit()
        self._events.emit("prepay.emergency-credit", by=by, taken=taken, **self._fields())
        if taken:
            self._react([PrepayEvent.EMERGENCY_CREDIT_TAKEN], force_status=True)
        else:
            self._publish_if_due(force=True)
        return taken

    def enter_code(self, code: str, source: OriginatingDevice, by: str) -> UtrnVerdict:
        """A UTRN typed on the display (or the meter): checked, credited once, answered."""
        checked = check_utrn(self._key, self._meter_id, code)
        if checked is None:
            verdict, result, value = UtrnVerdict.WRONG, TopUpResult.REJECTED_INVALID, 0
        elif checked.sequence in self.account.used_sequences:
            verdict, result, value = UtrnVerdict.USED, TopUpResult.REJECTED_DUPLICATE, 0
        else:
            self.account.used_sequences.add(checked.sequence)
            verdict, value = UtrnVerdict.VALID, checked.value_pence
            events = self.account.top_up(value, self._friendly_now())
            result = {
                Supply.ON: TopUpResult.ACCEPTED_SUPPLY_ENABLED,
                Supply.ARMED: TopUpResult.ACCEPTED_SUPPLY_ARMED,
                Supply.OFF: TopUpResult.ACCEPTED_SUPPLY_DISABLED,
            }[self.account.supply]
            self._react(events, force_status=True)
        digits = normalise_utrn(code)
        shown = group_utrn(digits) if digits.isdigit() else "(not digits)"
        self._events.emit(
            "prepay.topup", by=by, verdict=verdict.value, code=shown, value_p=value,
            **self._fields(),
        )  # fmt: skip
        self._send(
            MessageRequest(
                "prepay.topup-result",
                command=ConsumerTopUpResponse(
                    result=result,
                    top_up_value=value,
                    source=source,
                    credit_remaining=round(self.account.credit_p),
                ),
                extra_details={"verdict": verdict.value, "code": shown},
            )
        )
        return verdict

    def supplier_credit(self, value_p: int, by: str) -> None:
        """The supplier adds credit remotely (CreditAdjustment, incremental)."""
        events = self.account.top_up(value_p, self._friendly_now())
        self._events.emit("prepay.credit-adjusted", by=by, value_p=value_p, **self._fields())
        self._react(events, force_status=True)

    def debt_changed(self, by: str) -> None:
        """The supplier set a debt (the account holds it already): log and tell the display."""
        self._events.emit("prepay.debt-set", by=by, **self._fields())
        self._react([], force_status=True)

    def restore(self, by: str) -> bool:
        """The consumer restores an armed supply from the display; False if not armed."""
        restored = self.account.restore()
        self._events.emit("prepay.restore", by=by, restored=restored, **self._fields())
        self._react([PrepayEvent.RESTORED] if restored else [], force_status=True)
        return restored

    def change_mode(self, prepayment: bool, by: str) -> None:
        """The supplier switches the meter to prepayment or to credit."""
        mode = PaymentMode.PREPAYMENT if prepayment else PaymentMode.CREDIT
        self.account.change_mode(mode)
        self._events.emit("prepay.mode", mode=mode.value, by=by)
        self._react([], force_status=True)

    # -- telling the display -------------------------------------------------------------------

    def _friendly_reason(self, at: datetime) -> str | None:
        return self.friendly.reason(at) if self.friendly_enabled else None

    def _friendly_now(self) -> bool:
        return self._now is not None and self._friendly_reason(self._now) is not None

    def days_left(self) -> float | None:
        """About how many days the credit lasts at the recent rate of spending."""
        return self.account.days_left(self._daily_cost_p)

    def _fields(self) -> dict[str, object]:
        account = self.account
        return {
            "mode": account.mode.value,
            "credit_p": round(account.credit_p),
            "emergency_p": round(account.emergency_remaining_p) if account.emergency_taken else 0,
            "debt_p": round(account.total_debt_p),
            "supply": account.supply.value,
        }

    def _alert(self, event: PrepayEvent) -> None:
        text, importance = _ALERTS[event]
        account = self.account
        why = self._friendly_reason(self._now) if self._now is not None else None
        message = text.format(
            credit=pounds(account.credit_p),
            limit=pounds(account.settings.emergency_limit_p),
            emergency=pounds(account.emergency_remaining_p),
            why=why or "of a friendly-credit period",
            until=f"{self.friendly.morning_end:%H:%M} on a working day",
        )
        self._snapshot_id += 1
        self._send(
            MessageRequest(
                "prepay.alert",
                message_id=0x50500000 + self._snapshot_id,
                text=message,
                importance=importance,
                confirmation_required=importance is Importance.CRITICAL,
                extra_details={"prepay_event": event.value},
            )
        )

    def _publish_if_due(self, *, force: bool = False) -> None:
        wall = self._wall()
        if self.account.mode is PaymentMode.CREDIT and not force:
            # A credit meter has no balance to show; it says so once, when switched.
            return
        if (
            not force
            and self._last_status is not None
            and (wall - self._last_status).total_seconds() < STATUS_EVERY_S
        ):
            return
        self._last_status = wall
        # Kept as often as told: an event (top-up, disconnection...) or every few seconds.
        self.save()
        self._send(self.status_request())

    def status_request(self) -> MessageRequest:
        """The ``prepay.status`` message for the balances now."""
        account = self.account
        self._snapshot_id += 1
        days = self.days_left()
        why = self._friendly_reason(self._now) if self._now is not None else None
        details: dict[str, DetailValue] = {
            "mode": account.mode.value,
            "supply": account.supply.value,
            "emergency_on_offer": account.emergency_on_offer,
            "emergency_taken": account.emergency_taken,
            "emergency_limit_p": round(account.settings.emergency_limit_p),
            "low_credit_p": round(account.settings.low_credit_p),
            "debt_rate_p_per_day": round(account.settings.debt_rate_p_per_day),
            "debt_percent": account.settings.debt_percent,
            "friendly_credit": why or "",
            "daily_cost_p": round(self._daily_cost_p),
        }
        if days is not None:
            details["days_left"] = round(days, 1)
        return MessageRequest(
            "prepay.status",
            command=PublishPrepaySnapshot(
                snapshot_id=self._snapshot_id,
                snapshot_time=datetime_to_utc(self._wall()),
                accumulated_debt=round(account.accumulated_debt_p),
                type1_debt_remaining=round(account.time_debt_p),
                type2_debt_remaining=round(account.payment_debt_p),
                emergency_credit_remaining=round(account.emergency_remaining_p)
                if account.emergency_taken
                else 0,
                credit_remaining=round(account.credit_p),
            ),
            extra_details=details,
        )
