"""Unique Transaction Reference Numbers: the 20-digit top-up codes a prepayment meter accepts.

A GB UTRN is 20 digits a consumer types in; the meter alone can tell a real one from a made-up
number because it is bound to the meter's key. Ours: ``AAAAAA SSSS MMMMMMMMMM`` where ``A`` is
the value in pence (up to £9,999.99), ``S`` the supplier's sequence number for this meter and
``M`` ten digits of HMAC-SHA256 over meter id, value and sequence with the meter's top-up key.
A code is used once: the meter remembers the sequence numbers it has credited.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

#: Digits in a UTRN.
UTRN_DIGITS = 20
_VALUE_DIGITS = 6
_SEQUENCE_DIGITS = 4
_MAC_DIGITS = UTRN_DIGITS - _VALUE_DIGITS - _SEQUENCE_DIGITS
MAX_VALUE_PENCE = 10**_VALUE_DIGITS - 1
MAX_SEQUENCE = 10**_SEQUENCE_DIGITS - 1


class UtrnVerdict(StrEnum):
    """What the meter makes of a code."""

    VALID = "valid"
    USED = "used"
    WRONG = "wrong"


@dataclass(frozen=True)
class Utrn:
    """A checked top-up code.

    Attributes:
        value_pence: The credit it carries.
        sequence: The supplier's sequence number (once per meter).
    """

    value_pence: int
    sequence: int


def _mac(key: bytes, meter_id: str, value_pence: int, sequence: int) -> str:
    message = f"{meter_id}|{value_pence}|{sequence}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**_MAC_DIGITS:0{_MAC_DIGITS}d}"


def issue_utrn(key: bytes, meter_id: str, value_pence: int, sequence: int) -> str:
    """The 20-digit code for ``value_pence`` of credit on meter ``meter_id``.

    Raises:
        ValueError: The value or the sequence number does not fit its digits.
    """
    if not 1 <= value_pence <= MAX_VALUE_PENCE:
        raise ValueError(
            f"a top-up of {value_pence}p cannot be issued: give 1p to {MAX_VALUE_PENCE}p"
        )
    if not 0 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"top-up sequence number {sequence} must be 0 to {MAX_SEQUENCE}")
    mac = _mac(key, meter_id, value_pence, sequence)
    return f"{value_pence:0{_VALUE_DIGITS}d}{sequence:0{_SEQUENCE_DIGITS}d}{mac}"


def normalise_utrn(text: str) -> str:
    """The digits of ``text`` with spaces and dashes (as printed on a receipt) removed."""
    return "".join(c for c in text if c not in " -")


def check_utrn(key: bytes, meter_id: str, code: str) -> Utrn | None:
    """The code's value and sequence if it was issued for this meter with ``key``, else None."""
    digits = normalise_utrn(code)
    if len(digits) != UTRN_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    value = int(digits[:_VALUE_DIGITS])
    sequence = int(digits[_VALUE_DIGITS : _VALUE_DIGITS + _SEQUENCE_DIGITS])
    mac = digits[_VALUE_DIGITS + _SEQUENCE_DIGITS :]
    if value < 1 or not hmac.compare_digest(mac, _mac(key, meter_id, value, sequence)):
        return None
    return Utrn(value, sequence)


def group_utrn(digits: str) -> str:
    """``12345678901234567890`` -> ``1234 5678 9012 3456 7890``, as receipts print it."""
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
