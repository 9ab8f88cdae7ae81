"""The prepayment account on disk: balances, mode, supply and the UTRNs already credited, so a
meter restart neither refunds nor forgets (a used code stays used)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from meter_emulator.behaviour.prepay_account import PaymentMode, PrepayAccount, Supply

PREPAY_FILE = "prepayment.json"


class PrepayStoreError(ValueError):
    """The saved account cannot be read; the message says why in one sentence."""


def account_to_saved(account: PrepayAccount, next_sequence: int, friendly: bool) -> dict[str, Any]:
    """What is kept of ``account`` (settings are the meter's defaults, not kept)."""
    return {
        "mode": account.mode.value,
        "credit_p": account.credit_p,
        "emergency_taken": account.emergency_taken,
        "emergency_remaining_p": account.emergency_remaining_p,
        "accumulated_debt_p": account.accumulated_debt_p,
        "time_debt_p": account.time_debt_p,
        "payment_debt_p": account.payment_debt_p,
        "supply": account.supply.value,
        "used_sequences": sorted(account.used_sequences),
        "next_sequence": next_sequence,
        "friendly_credit": friendly,
    }


def restore_account(account: PrepayAccount, saved: dict[str, Any]) -> tuple[int, bool]:
    """Fill ``account`` from ``saved``; the next UTRN sequence and whether friendly credit is on.

    Raises:
        PrepayStoreError: A field is missing or of the wrong kind.
    """
    try:
        # Everything read first: a damaged file changes nothing of the account.
        mode = PaymentMode(saved["mode"])
        supply = Supply(saved["supply"])
        money = {
            name: float(saved[name])
            for name in (
                "credit_p",
                "emergency_remaining_p",
                "accumulated_debt_p",
                "time_debt_p",
                "payment_debt_p",
            )
        }
        taken = saved["emergency_taken"]
        used = {int(n) for n in saved["used_sequences"]}
        next_sequence = int(saved["next_sequence"])
        friendly = saved["friendly_credit"]
        if not isinstance(taken, bool) or not isinstance(friendly, bool):
            raise TypeError("emergency_taken and friendly_credit must be true or false")
    except (KeyError, TypeError, ValueError) as error:
        raise PrepayStoreError(f"the saved prepayment account is damaged ({error})") from None
    account.mode, account.supply = mode, supply
    for name, value in money.items():
        setattr(account, name, value)
    account.emergency_taken = taken
    account.used_sequences = used
    return next_sequence, friendly


class PrepayStore:
    """One JSON file, replaced atomically on every save.

    Args:
        path: The file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, Any] | None:
        """The saved account, or None if there is none.

        Raises:
            PrepayStoreError: The file is not a JSON object.
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise PrepayStoreError(f"{self.path} is not a saved prepayment account")
        return document

    def save(self, saved: dict[str, Any]) -> None:
        """Write ``saved`` (a crash leaves the old file or the new one, never half)."""
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(saved), encoding="utf-8")
        os.replace(temporary, self.path)
