"""Usage: live, day, week, month and year charts in kWh or £, with the previous period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
from PySide6.QtWidgets import QButtonGroup, QCheckBox, QHBoxLayout, QLabel, QPushButton, QWidget

from ihd_app.core.model import Interval
from ihd_app.core.readings import Fuel
from ihd_app.service.api import Topic, UsageRange
from ihd_app.ui import periods, pricing, text
from ihd_app.ui.context import UiContext
from ihd_app.ui.screens.base import Screen
from ihd_app.ui.settings import Unit
from ihd_app.ui.widgets.usage_chart import Series, UsageChart

_RANGE_LABELS = {
    UsageRange.LIVE: "Live",
    UsageRange.DAY: "Day",
    UsageRange.WEEK: "Week",
    UsageRange.MONTH: "Month",
    UsageRange.YEAR: "Year",
}


def _segment(parent: QWidget, labels: Sequence[str], prefix: str) -> list[QPushButton]:
    group = QButtonGroup(parent)
    buttons = []
    for label in labels:
        button = QPushButton(label, parent)
        button.setObjectName(f"{prefix}-{label.lower().replace('£', 'gbp')}")
        button.setCheckable(True)
        group.addButton(button)
        buttons.append(button)
    buttons[0].setChecked(True)
    return buttons


class UsageScreen(Screen):
    """Charts of energy and cost."""

    topics = frozenset({Topic.READING, Topic.TARIFF})
    label = "Usage"
    icon_name = "usage"

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.span = UsageRange.DAY
        self.fuel = Fuel.ELECTRICITY
        self.unit = context.settings.unit
        self.compare = False
        self._end: datetime | None = None  # None: the current period
        row = QHBoxLayout()
        self.range_buttons = dict(
            zip(
                _RANGE_LABELS,
                _segment(self, list(_RANGE_LABELS.values()), "range"),
                strict=True,
            )
        )
        for span, button in self.range_buttons.items():
            button.clicked.connect(lambda _=False, s=span: self.set_span(s))
            row.addWidget(button)
        row.addStretch(1)
        self.layout_.addLayout(row)
        row2 = QHBoxLayout()
        fuels = _segment(self, ["Electricity", "Gas"], "fuel")
        self.fuel_buttons = dict(zip(Fuel, fuels, strict=True))
        for fuel, button in self.fuel_buttons.items():
            button.clicked.connect(lambda _=False, f=fuel: self.set_fuel(f))
            row2.addWidget(button)
        row2.addSpacing(8)
        units = _segment(self, ["kWh", "£"], "unit")
        self.unit_buttons = dict(zip(Unit, units, strict=True))
        for unit, button in self.unit_buttons.items():
            button.clicked.connect(lambda _=False, u=unit: self.set_unit(u))
            row2.addWidget(button)
        row2.addSpacing(8)
        self.compare_box = QCheckBox("Compare", self)
        self.compare_box.setObjectName("Compare")
        self.compare_box.setToolTip("Show the previous period as a dashed line")
        self.compare_box.toggled.connect(self.set_compare)
        row2.addWidget(self.compare_box)
        row2.addStretch(1)
        self.earlier = QPushButton("◀", self)
        self.earlier.setObjectName("Earlier")
        self.earlier.setToolTip("Previous period")
        self.earlier.setAccessibleName("Previous period")
        self.later = QPushButton("▶", self)
        self.later.setObjectName("Later")
        self.later.setToolTip("Next period")
        self.later.setAccessibleName("Next period")
        self.earlier.clicked.connect(lambda: self.step(-1))
        self.later.clicked.connect(lambda: self.step(1))
        row2.addWidget(self.earlier)
        row2.addWidget(self.later)
        self.layout_.addLayout(row2)
        self.chart = UsageChart(context.theme, self)
        self.layout_.addWidget(self.chart, 1)
        self.summary = QLabel(self)
        self.summary.setObjectName("UsageSummary")
        self.summary.setProperty("role", "value")
        self.summary.setWordWrap(True)
        self.layout_.addWidget(self.summary)
        self.unit_buttons[self.unit].setChecked(True)
        self.range_buttons[self.span].setChecked(True)
        self.refresh(None)

    # -- choices -------------------------------------------------------------------------------
    def set_span(self, span: UsageRange) -> None:
        """Show ``span`` (current period)."""
        self.span = span
        self._end = None
        self.range_buttons[span].setChecked(True)
        self.refresh(None)

    def set_fuel(self, fuel: Fuel) -> None:
        """Show ``fuel``."""
        self.fuel = fuel
        self.fuel_buttons[fuel].setChecked(True)
        self.refresh(None)

    def set_unit(self, unit: Unit) -> None:
        """Show energy or cost."""
        self.unit = unit
        self.unit_buttons[unit].setChecked(True)
        self.refresh(None)

    def set_compare(self, compare: bool) -> None:
        """Show the previous period too."""
        self.compare = compare
        if self.compare_box.isChecked() != compare:
            self.compare_box.setChecked(compare)
        self.refresh(None)

    def step(self, steps: int) -> None:
        """Move ``steps`` periods back (negative) or forward."""
        current = periods.period_end(self.span, self.context.clock())
        end = periods.shift(self.span, self.end, steps)
        self._end = None if end >= current else end
        self.refresh(None)

    @property
    def end(self) -> datetime:
        """The end of the period shown."""
        return self._end or periods.period_end(self.span, self.context.clock())

    # -- drawing -------------------------------------------------------------------------------
    def refresh(self, topic: Topic | None = None) -> None:
        live = self.span is UsageRange.LIVE
        if topic is Topic.READING and not live and self._end is not None:
            return  # a past period does not change with live readings
        self.compare_box.setEnabled(not live)
        self.earlier.setEnabled(not live)
        self.later.setEnabled(not live and self._end is not None)
        self.chart.set_colour("chart_electricity" if self.fuel is Fuel.ELECTRICITY else "chart_gas")
        if live:
            self._draw_live()
        else:
            self._draw_period()

    def _draw_live(self) -> None:
        service = self.context.service
        readings = [r for r in service.live_readings(self.fuel) if r.demand_w is not None]
        x = np.array([r.at.timestamp() for r in readings], dtype=float)
        kw = np.array([(r.demand_w or 0.0) / 1000 for r in readings], dtype=float)
        if self.unit is Unit.POUNDS:
            tariff = service.tariff(self.fuel)
            rates = np.array(
                [
                    (band.pence_per_kwh if (band := pricing.band_at(tariff, r.at)) else 0.0)
                    if tariff
                    else 0.0
                    for r in readings
                ]
            )
            values, unit = kw * rates / 100, "£ per hour"
        else:
            values, unit = kw, "kW"
        now = self.context.clock().timestamp()
        self.chart.show_line(x, values, unit, (now - periods.LIVE_WINDOW.total_seconds(), now))
        if readings:
            latest = values[-1]
            shown = (
                f"{text.pounds(latest)} per hour"
                if self.unit is Unit.POUNDS
                else f"{latest:.2f} kW"
            )
            self.summary.setText(f"Last 10 minutes · now {shown}")
        else:
            self.summary.setText("Last 10 minutes · no readings yet")

    def _series(self, end: datetime, offset_s: float = 0.0) -> tuple[Series, float]:
        intervals = self.context.service.usage(self.fuel, self.span, end)
        starts = np.array([i.start.timestamp() for i in intervals], dtype=float) + offset_s
        ends = starts + np.array([i.duration.total_seconds() for i in intervals], dtype=float)
        values = np.array(self._values(intervals), dtype=float)
        return Series(starts, ends, values), float(values.sum()) if len(values) else 0.0

    def _values(self, intervals: Sequence[Interval]) -> list[float]:
        if self.unit is Unit.KWH:
            return [i.kwh for i in intervals]
        service = self.context.service
        return [service.cost_pence(self.fuel, [i]) / 100 for i in intervals]

    def _draw_period(self) -> None:
        end = self.end
        current, total = self._series(end)
        previous: Series | None = None
        previous_total = 0.0
        if self.compare:
            previous_end = periods.shift(self.span, end, -1)
            previous, previous_total = self._series(
                previous_end, end.timestamp() - previous_end.timestamp()
            )
        unit = "kWh" if self.unit is Unit.KWH else "£"
        bounds = (periods.period_start(self.span, end).timestamp(), end.timestamp())
        self.chart.show_steps(current, previous, unit, bounds)
        title = periods.describe(self.span, end)

        def amount(value: float) -> str:
            return text.kwh(value) if self.unit is Unit.KWH else text.pounds(value)

        if not len(current.values):
            self.summary.setText(f"{title} · no history for this period")
            return
        summary = f"{title} · {amount(total)}"
        if self.compare and previous is not None:
            incomplete = len(previous.values) < len(current.values)
            summary += f" · previous {amount(previous_total)} (dashed)" + (
                ", history incomplete" if incomplete else ""
            )
        self.summary.setText(summary)
