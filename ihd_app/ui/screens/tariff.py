"""Tariff: per fuel, the rate bands (current one highlighted), standing charge, next change, and
under a time-of-use calendar its season, this week's day profiles and any block thresholds."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QFrame,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ihd_app.core.readings import Fuel
from ihd_app.core.tariff import LONDON
from ihd_app.service.api import Topic
from ihd_app.ui import pricing, text
from ihd_app.ui.context import UiContext
from ihd_app.ui.models.tariff_bands import TariffBandsModel
from ihd_app.ui.screens.base import Screen
from ihd_app.ui.tou_text import calendar_text
from ihd_app.ui.widgets.scrolling import vertical_scroll


class FuelTariff(QFrame):
    """One fuel's tariff card."""

    def __init__(self, context: UiContext, fuel: Fuel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.fuel = fuel
        self.setProperty("role", "card")
        self.setObjectName(f"Tariff-{fuel.value}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)
        self.title = QLabel(self)
        self.title.setProperty("role", "title")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.name = QLabel(self)
        self.name.setProperty("role", "muted")
        self.name.setWordWrap(True)
        layout.addWidget(self.name)
        self.now = QLabel(self)
        self.now.setObjectName("BandNow")
        self.now.setProperty("role", "value")
        self.now.setWordWrap(True)
        layout.addWidget(self.now)
        self.model = TariffBandsModel(context.service, fuel, self, clock=context.clock)
        self.table = QTableView(self)
        self.table.setObjectName(f"Bands-{fuel.value}")
        self.table.setAccessibleName(
            f"{'Electricity' if fuel is Fuel.ELECTRICITY else 'Gas'} price bands"
        )
        # Tab leaves the table (arrow keys move within it): keyboard users are not trapped.
        self.table.setTabKeyNavigation(False)
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Read only, but reachable with Tab: arrow keys scroll it where it is cut off (480x272).
        self.table.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.table.setShowGrid(False)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        context.theme.changed.connect(self._fit_table)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table)
        self.standing = QLabel(self)
        self.standing.setObjectName("StandingCharge")
        self.standing.setWordWrap(True)
        layout.addWidget(self.standing)
        self.next = QLabel(self)
        self.next.setObjectName("NextChange")
        self.next.setWordWrap(True)
        layout.addWidget(self.next)
        self.calendar = QLabel(self)
        self.calendar.setObjectName(f"Calendar-{fuel.value}")
        self.calendar.setProperty("role", "muted")
        self.calendar.setWordWrap(True)
        layout.addWidget(self.calendar)
        layout.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        """Show the tariff as it is now."""
        self.model.refresh()
        tariff = self.model.tariff
        fuel_name = "Electricity" if self.fuel is Fuel.ELECTRICITY else "Gas"
        self.title.setText(fuel_name)
        today = self.context.clock().astimezone(LONDON).date()
        described = calendar_text(self.context.service.tou_calendar(self.fuel), today)
        self.calendar.setText(described)
        self.calendar.setVisible(bool(described))
        if tariff is None:
            self.name.setText("No tariff received from the meter yet")
            self.now.setText("")
            self.standing.setText("")
            self.next.setText("")
            return
        self.name.setText(f"{tariff.name} · since {tariff.effective_from.astimezone():%d %b %Y}")
        self.standing.setText(
            f"Standing charge {tariff.standing_charge_pence_per_day:.2f}p per day"
        )
        now = self.context.clock()
        band = pricing.band_at(tariff, now)
        self.now.setText(
            f"Now: {band.name} {text.pence_per_kwh(band.pence_per_kwh)}" if band else "Now: –"
        )
        change = pricing.next_change(tariff, now)
        self.next.setText(
            "Same price all day"
            if change is None
            else f"Next change {text.clock(change.at)}: {change.band.name} "
            f"{text.pence_per_kwh(change.band.pence_per_kwh)}"
        )
        self._fit_table()
        row = self.model.current_row()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.clearSelection()
        if row >= 0:
            self.table.selectionModel().select(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)

    def _fit_table(self) -> None:
        """As tall as its rows: no scrolling for a handful of bands."""
        row_height = round(self.context.theme.sizes.base * 2.1)
        self.table.verticalHeader().setDefaultSectionSize(row_height)
        self.table.horizontalHeader().setFixedHeight(row_height)
        rows = self.model.rowCount()
        self.table.setFixedHeight((rows + 1) * row_height + 2 * self.table.frameWidth() + 2)


class TariffScreen(Screen):
    """Both fuels' tariffs side by side."""

    topics = frozenset({Topic.TARIFF})
    label = "Tariff"
    icon_name = "tariff"

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        # Side by side; one above the other on a small panel (480x272), scrolled if need be.
        scroll, inner = vertical_scroll(self, "TariffScroll")
        self.row = QBoxLayout(QBoxLayout.Direction.LeftToRight, inner)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(10)
        self.cards = {fuel: FuelTariff(context, fuel, inner) for fuel in Fuel}
        for card in self.cards.values():
            self.row.addWidget(card, 1)
        scroll.setWidget(inner)
        self.layout_.addWidget(scroll, 1)
        context.theme.changed.connect(self._arrange)
        self._arrange()

    def _arrange(self) -> None:
        compact = self.context.theme.sizes.compact
        self.row.setDirection(
            QBoxLayout.Direction.TopToBottom if compact else QBoxLayout.Direction.LeftToRight
        )

    def refresh(self, topic: Topic | None = None) -> None:
        for card in self.cards.values():
            card.refresh()

    def tick(self) -> None:
        self.refresh(None)
