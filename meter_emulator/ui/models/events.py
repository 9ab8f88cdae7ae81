"""The event log's table: the same records as ``--events`` (DESIGN.md §8), newest last."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QObject, QSortFilterProxyModel

from meter_emulator.ui.models.table import Column, RecordTableModel

#: Events kept in the window (the file given with --events keeps everything).
KEEP = 5000

_BAD = ("error", "refused", "failed", "rejected", "accepted", "dropped", "alarm")
_GOOD = ("paired", "received", "confirmed", "delivered", "done", "restored")
#: Fields every record has; the table shows them in their own columns.
_COMMON = ("ts", "event")


def fields_text(record: Mapping[str, Any]) -> str:
    """The record's own fields as ``key=value`` pairs (empty ones left out)."""
    parts = []
    for key, value in record.items():
        if key in _COMMON or value is None:
            continue
        shown = value if isinstance(value, str) else json.dumps(value, default=str)
        parts.append(f"{key}={shown}")
    return "  ".join(parts)


def tone(record: Mapping[str, Any]) -> str | None:
    """Red for refusals and failures, green for completions."""
    name = str(record.get("event", ""))
    if name == "attack.refused":
        return "good" if record.get("as_expected") else "bad"
    if any(word in name for word in _BAD):
        return "bad"
    if any(word in name for word in _GOOD):
        return "good"
    return None


def _time(record: Mapping[str, Any]) -> str:
    stamp = str(record.get("ts", ""))
    return stamp[11:23] if len(stamp) >= 23 else stamp


COLUMNS: tuple[Column[Mapping[str, Any]], ...] = (
    Column("Time (UTC)", _time),
    Column("Event", lambda r: str(r.get("event", "")), tone=tone),
    Column("Details", fields_text),
)


class EventLogModel(RecordTableModel[Mapping[str, Any]]):
    """The last :data:`KEEP` events."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(COLUMNS, parent)

    def add(self, records: list[Mapping[str, Any]]) -> None:
        """Append ``records``, forgetting the oldest beyond :data:`KEEP`."""
        self.append_rows(records, keep=KEEP)

    def export_lines(self) -> str:
        """Every event shown, as JSON lines (the ``--events`` format)."""
        return "".join(json.dumps(dict(r), default=str) + "\n" for r in self.rows)


class EventFilter(QSortFilterProxyModel):
    """Shows the events whose name or details contain a text (case-insensitive)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setFilterKeyColumn(-1)
        self.setFilterCaseSensitivity(self.filterCaseSensitivity().CaseInsensitive)
