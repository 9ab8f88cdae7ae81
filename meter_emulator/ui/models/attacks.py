"""The attack console's table: each forgery launched (and each demonstration on the link), the
reason expected, the answer observed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import QObject

from meter_emulator.attacks.console import AttackRecord
from meter_emulator.attacks.link_demonstrations import DemonstrationRecord
from meter_emulator.ui.models.table import Column, RecordTableModel

#: A row of the table: a forgery or a demonstration (they share the fields shown).
Verdicted = AttackRecord | DemonstrationRecord

#: What the meter saw when a demonstration went as expected.
_SEEN = {
    "uncommissioned-display": "the meter turned the display away; the display says why",
    "fake-meter-supplier": "the display hung up on the fake meter",
    "fake-meter-untrusted": "the display hung up on the fake meter",
}


def demonstration_verdict(record: DemonstrationRecord) -> str:
    """In words: what happened, then whether Restore brought the display back."""
    if record.accepted:
        text = "ACCEPTED: the display trusted a fake meter"
    elif record.reason is None:
        text = "waiting for the display"
    elif record.as_expected:
        text = f"refused, as expected: {_SEEN.get(record.name, record.detail)}"
    else:
        text = f"'{record.reason}' instead of '{record.expected}'"
    if record.back_at is not None:
        text += f" · restored, link back {_clock(record.back_at)}"
    elif record.restored_at is not None:
        text += " · restored, waiting for Try again on the display"
    return text


def verdict(record: Verdicted) -> str:
    """In words: refused as expected, refused for another reason, accepted, or waiting."""
    if isinstance(record, DemonstrationRecord):
        return demonstration_verdict(record)
    if record.accepted:
        return "ACCEPTED: the IHD showed a forged message"
    if record.reason is None:
        return "waiting for the IHD"
    if record.as_expected:
        return "refused, as expected"
    return f"refused, but with '{record.reason}' instead of '{record.expected}'"


def tone(record: Verdicted) -> str | None:
    """Green for a refusal with the right reason, red for anything wrong."""
    if record.accepted or record.as_expected is False:
        return "bad"
    if record.as_expected:
        return "good"
    return "muted"


def _clock(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M:%S")


COLUMNS: tuple[Column[Verdicted], ...] = (
    Column("Sent", lambda r: _clock(r.sent_at)),
    Column("Attack", lambda r: r.name),
    Column("Expected reason", lambda r: r.expected),
    Column("IHD's reason", lambda r: r.reason or ("accepted" if r.accepted else "")),
    Column("Verdict", verdict, tone=tone),
)


class AttackResultsModel(RecordTableModel[Verdicted]):
    """The attack console's records and demonstrations, newest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(COLUMNS, parent)

    def show_records(
        self, records: Sequence[AttackRecord], demonstrations: Sequence[DemonstrationRecord] = ()
    ) -> None:
        """Show ``records`` (the attack console's) and ``demonstrations``, newest first."""
        rows: list[Verdicted] = [*records, *demonstrations]
        # Stable: of two started in the same instant, the later one stays above.
        ordered = sorted(enumerate(rows), key=lambda pair: (pair[1].sent_at, pair[0]))
        self.set_rows([row for _, row in reversed(ordered)])
