"""The operators' inbox table: the meter's alerts, per role, each with its verified signer, its
time stamp and severity; refused alerts with their reason; and operators' messages no display
receipted in time ("no receipt in 5 min: use another route", seed UC12 5a). Newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject

from meter_emulator.operator.display_status import short_id
from meter_emulator.operator.inbox import InboxEntry, OperatorInbox, OverdueMessage
from meter_emulator.ui.models.table import Column, RecordTableModel

#: The roles an inbox row may belong to, as a filter offers them.
ROLE_NAMES = {"dno": "DNO", "gdn": "GDN", "supplier": "Supplier"}


def _clock(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M:%S")


@dataclass(frozen=True)
class InboxRow:
    """One row: an alert (verified or refused) or an overdue message.

    Attributes:
        at: When it arrived (alerts) or fell due (overdue messages).
        role: The operator it belongs to.
        severity: ``critical``, ``warning``, ``info``; ``refused`` or ``overdue``.
        what: The alert's title and GBCS code, or the overdue message's type.
        signer: Who signed it, verified, or why it was refused.
        summary: What it says (the summary carries the meter's own time stamp), or what to do.
        tone: The row's tone (see :data:`meter_emulator.ui.models.table.TONES`).
    """

    at: datetime
    role: str
    severity: str
    what: str
    signer: str
    summary: str
    tone: str | None


def alert_row(entry: InboxEntry) -> InboxRow:
    """An alert's row: verified ones by severity, refused ones with their reason."""
    alert = entry.alert
    if alert is None:
        claimed = f" (claims {short_id(entry.signer)})" if entry.signer else ""
        return InboxRow(
            entry.received_at,
            entry.role,
            "refused",
            "Alert refused",
            f"refused: {entry.reason}{claimed}",
            entry.detail,
            "bad",
        )
    fields = entry.to_dict()
    code = f" · {alert.code_hex}" if alert.code_hex else ""
    who = entry.signer_organisation or "meter"
    tone = {"critical": "bad", "warning": "warn"}.get(alert.severity.value)
    return InboxRow(
        entry.received_at,
        entry.role,
        alert.severity.value,
        f"{fields['title']}{code}",
        f"verified: {who} {short_id(entry.signer)}",
        alert.summary,
        tone,
    )


def overdue_row(item: OverdueMessage) -> InboxRow:
    """An overdue message's row: what was sent, when, and what to do."""
    record = item.record
    return InboxRow(
        item.due_at,
        record.role,
        "overdue",
        f"Receipt overdue · {record.type}",
        f"sent {_clock(record.created_at)}, {record.status.value}",
        f"{record.text or record.type}: {item.advice}.",
        "warn",
    )


def inbox_rows(inbox: OperatorInbox, role: str | None = None) -> list[InboxRow]:
    """Every row of ``inbox`` (of one role, or all), newest first."""
    rows = [alert_row(e) for e in inbox.entries(role)]
    rows += [overdue_row(o) for o in inbox.overdue() if role is None or o.record.role == role]
    return sorted(rows, key=lambda r: r.at, reverse=True)


def _role(row: InboxRow) -> str:
    return ROLE_NAMES.get(row.role, row.role)


def _signer_tone(row: InboxRow) -> str | None:
    if row.signer.startswith("verified"):
        return "good"
    return "bad" if row.severity == "refused" else None


COLUMNS: tuple[Column[InboxRow], ...] = (
    Column("Time", lambda r: _clock(r.at), tooltip=lambda r: r.at.isoformat(timespec="seconds")),
    Column("Operator", _role),
    Column("Severity", lambda r: r.severity, tone=lambda r: r.tone),
    Column("Alert", lambda r: r.what),
    Column("Signer", lambda r: r.signer, tone=_signer_tone),
    Column("What it says", lambda r: r.summary),
)


class OperatorInboxModel(RecordTableModel[InboxRow]):
    """The inbox's rows, optionally of one role.

    Args:
        parent: Qt parent.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(COLUMNS, parent)

    def show_inbox(self, inbox: OperatorInbox, role: str | None = None) -> None:
        """Show ``inbox``'s rows of ``role`` (``None``: every role), newest first."""
        self.set_rows(inbox_rows(inbox, role))
