"""Table model of a tariff's rate bands, with the band in force now marked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from ihd_app.core.model import RateBand, Tariff
from ihd_app.core.readings import Fuel
from ihd_app.service.api import IhdServiceApi
from ihd_app.ui import pricing, text
from ihd_app.ui.models.roles import ItemRole

_Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    """Columns of the bands table."""

    BAND = 0
    TIMES = 1
    RATE = 2


_HEADERS = {Column.BAND: "Band", Column.TIMES: "Times", Column.RATE: "Unit rate"}


def band_times(band: RateBand) -> str:
    """``16:00 – 19:00`` (``All day`` for a band covering the whole day)."""
    if band.start == band.end:
        return "All day"
    end = "24:00" if band.end.hour == 0 and band.end.minute == 0 else f"{band.end:%H:%M}"
    return f"{band.start:%H:%M} – {end}"


class TariffBandsModel(QAbstractTableModel):
    """The bands of ``service.tariff(fuel)``; the current band is bold with ``ItemRole.CURRENT``."""

    def __init__(
        self,
        service: IhdServiceApi,
        fuel: Fuel,
        parent: QObject | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._fuel = fuel
        self._clock = clock or (lambda: datetime.now(UTC))
        self._tariff: Tariff | None = service.tariff(fuel)
        self._current: RateBand | None = self._band_now()

    @property
    def tariff(self) -> Tariff | None:
        """The tariff shown."""
        return self._tariff

    def refresh(self) -> None:
        """Take a new snapshot (and re-evaluate the current band)."""
        self.beginResetModel()
        self._tariff = self._service.tariff(self._fuel)
        self._current = self._band_now()
        self.endResetModel()

    def current_row(self) -> int:
        """The row of the band in force (-1 if none)."""
        if self._tariff is None or self._current is None:
            return -1
        return self._tariff.bands.index(self._current)

    def _band_now(self) -> RateBand | None:
        return pricing.band_at(self._tariff, self._clock()) if self._tariff else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self._tariff is None else len(self._tariff.bands)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[Column(section)]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if self._tariff is None or not index.isValid():
            return None
        if not 0 <= index.row() < len(self._tariff.bands):
            return None
        band = self._tariff.bands[index.row()]
        current = index.row() == self.current_row()
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            if column is Column.BAND:
                return f"▶ {band.name}" if current else band.name
            if column is Column.TIMES:
                return band_times(band)
            return text.pence_per_kwh(band.pence_per_kwh)
        if role == Qt.ItemDataRole.FontRole and current:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and current:
            return "The rate that applies now"
        if role == ItemRole.CURRENT:
            return current
        if role == ItemRole.VALUE:
            return band
        if role == Qt.ItemDataRole.TextAlignmentRole and column is Column.RATE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
