"""The network-data panel's table: every answer and push the operators received, newest last:
when, which request, what kind, whether the meter had data, and what it said."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject

from ihd_app.protocol.network_data import OpenedNetworkData
from meter_emulator.operator.network_series import summary
from meter_emulator.ui.models.table import Column, RecordTableModel


@dataclass(frozen=True)
class ReceivedRow:
    """One answer as the table shows it.

    Attributes:
        key: The request (or subscription) it answers.
        opened: What the operator's key opened.
    """

    key: str
    opened: OpenedNetworkData


def _when(row: ReceivedRow) -> str:
    issued = datetime.fromtimestamp(row.opened.claims.issued_at).astimezone()
    return issued.strftime("%H:%M:%S")


def _what(row: ReceivedRow) -> str:
    response = row.opened.response
    push = f" (push {response.push})" if response.push else ""
    return f"{response.kind.value}{push}"


COLUMNS: tuple[Column[ReceivedRow], ...] = (
    Column("Received", _when),
    Column("Request", lambda r: r.key[:8]),
    Column("Data", _what),
    Column(
        "Found",
        lambda r: "yes" if r.opened.response.found else "no data",
        tone=lambda r: "good" if r.opened.response.found else "warn",
    ),
    Column("What the key opened", lambda r: summary(r.opened)),
)


class NetworkDataModel(RecordTableModel[ReceivedRow]):
    """The operators' received network data."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(COLUMNS, parent)

    def add(self, key: str, opened: OpenedNetworkData) -> None:
        """Show one more answer (the table keeps the last 500)."""
        self.append_rows([ReceivedRow(key, opened)], keep=500)

    def received(self) -> list[OpenedNetworkData]:
        """Every answer shown, oldest first (what the plots draw)."""
        return [row.opened for row in self.rows]


__all__ = ["COLUMNS", "NetworkDataModel", "ReceivedRow"]
