"""The attack console's table: each forgery launched, the reason expected, the IHD's answer."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QObject

from meter_emulator.attacks.console import AttackRecord
from meter_emulator.ui.models.table import Column, RecordTableModel


def verdict(record: AttackRecord) -> str:
    """In words: refused as expected, refused for another reason, accepted, or waiting."""
    if record.accepted:
        return "ACCEPTED: the IHD showed a forged message"
    if record.reason is None:
        return "waiting for the IHD"
    if record.as_expected:
        return "refused, as expected"
    return f"refused, but with '{record.reason}' instead of '{record.expected}'"


def tone(record: AttackRecord) -> str | None:
    """Green for a refusal with the right reason, red for anything wrong."""
    if record.accepted or record.as_expected is False:
        return "bad"
    if record.as_expected:
        return "good"
    return "muted"


def _clock(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M:%S")


COLUMNS: tuple[Column[AttackRecord], ...] = (
    Column("Sent", lambda r: _clock(r.sent_at)),
    Column("Attack", lambda r: r.name),
    Column("Expected reason", lambda r: r.expected),
    Column("IHD's reason", lambda r: r.reason or ("accepted" if r.accepted else "")),
    Column("Verdict", verdict, tone=tone),
)


class AttackResultsModel(RecordTableModel[AttackRecord]):
    """The attack console's records, newest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(COLUMNS, parent)

    def show_records(self, records: list[AttackRecord]) -> None:
        """Show ``records`` (the attack console's records)."""
        self.set_rows(list(reversed(records)))
