"""Usage: live, day, week, month and year charts in kWh or £, with the previous period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
from PySide6.QtWidgets import QButtonGroup, QCheckBox, QHBoxLayout, QLabel, QPushButton, QWidget

from ihd_app.core.aggregation import HALF_HOUR
from ihd_app.core.model import Interval
from ihd_app.core.readings import Fuel
from ihd_app.service.api import Topic, UsageRange
from ihd_app.ui import periods, pricing, text
from ihd_app.ui.context import UiContext
from ihd_app.ui.half_hourly import is_half_hourly, reported_half_hour
from ihd_app.ui.screens.base import Screen
from ihd_app.ui.settings import Unit
from ihd_app.ui.widgets.usage_chart import Series, UsageChart

#: The live chart spans at least this many seconds.
MIN_LIVE_S = 60.0
#: The live chart of a fuel reported half-hourly (gas) shows its last few hours by half hour:
#: ten minutes of it would hold nothing, or one report.
LIVE_HALF_HOURS = 6
_INSTANT = timedelta(microseconds=1)

_RANGE_LABELS = {
    UsageRange.LIVE: "Live",
    UsageRange.DAY: "Day",
    UsageRange.WEEK: "Week",
    UsageRange.MONTH: "Month",
    UsageRange.YEAR: "Year",
}


def _sum_until(series: Series, moment: float) -> float:
    """The series' total before ``moment``, the bucket it falls in counted pro rata."""
    lengths = np.maximum(series.ends - series.starts, 1e-9)
    share = np.clip((moment - series.starts) / lengths, 0.0, 1.0)
    return float((series.values * share).sum())


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
        # The period arrows sit with the periods (the second row is full on a 480x272 panel).
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
        row.addWidget(self.earlier)
        row.addWidget(self.later)
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
        if self.unit is Unit.POUNDS and self.context.service.tariff(self.fuel) is None:
            self._draw_no_tariff(live)
        elif live:
            self._draw_live()
        else:
            self._draw_period()

    def _draw_no_tariff(self, live: bool) -> None:
        """Costs need prices: say so rather than chart a cost of nothing."""
        now = self.context.clock()
        if live:
            bounds = ((now - periods.LIVE_WINDOW).timestamp(), now.timestamp())
            ticks = None
        else:
            bounds = (periods.period_start(self.span, self.end).timestamp(), self.end.timestamp())
            ticks = periods.ticks(self.span, self.end)
        self.chart.set_ticks(ticks)
        self.chart.show_line(np.array([]), np.array([]), "£", bounds)
        self.summary.setText(
            f"No {self.fuel.value} tariff yet: costs show once your supplier sends its prices. "
            "Choose kWh to see your use."
        )

    def _draw_live(self) -> None:
        service = self.context.service
        if is_half_hourly(self.fuel, service.latest_reading(self.fuel)):
            self._draw_half_hourly_live()
            return
        readings = [r for r in service.live_readings(self.fuel) if r.demand_w is not None]
        x = np.array([r.at.timestamp() for r in readings], dtype=float)
        kw = np.array([(r.demand_w or 0.0) / 1000 for r in readings], dtype=float)
        pounds_per_hour = np.zeros(len(readings))
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
            pounds_per_hour = kw * rates / 100
            values, unit = pounds_per_hour, "£ per hour"
            if len(values) and float(np.abs(values).max()) < 1:
                values, unit = values * 100, "p per hour"  # pence read better than £0.0x
        else:
            values, unit = kw, "kW"
        now = self.context.clock().timestamp()
        start = now - periods.LIVE_WINDOW.total_seconds()
        # Until ten minutes of readings have come in, show the minutes there are rather than
        # a sliver at the right edge of an empty window.
        since = max(start, float(x[0])) if len(x) else start
        self.chart.set_ticks(None)
        self.chart.show_line(x, values, unit, (min(since, now - MIN_LIVE_S), now))
        if not readings:
            self.summary.setText("Last 10 minutes · no readings yet")
            return
        latest = values[-1]
        shown = (
            text.per_hour(float(pounds_per_hour[-1]))
            if self.unit is Unit.POUNDS
            else f"{latest:.2f} kW"
        )
        title = (
            "Last 10 minutes"
            if since <= start
            else f"Since {datetime.fromtimestamp(since).astimezone():%H:%M:%S}"
        )
        self.summary.setText(f"{self._swatch()} {title} · now {shown}")

    def _draw_half_hourly_live(self) -> None:
        """The last hours by half hour, up to the last one the meter reported: a fuel reported
        every half hour has no live demand to draw (a line at 0 kW would say nothing burns)."""
        service = self.context.service
        now = self.context.clock()
        reading = service.latest_reading(self.fuel)
        end = reported_half_hour(reading.at if reading else now) + HALF_HOUR
        start = end - LIVE_HALF_HOURS * HALF_HOUR
        day_ends = {periods.period_end(UsageRange.DAY, m) for m in (start, end - _INSTANT)}
        intervals = sorted(
            (
                i
                for day_end in day_ends
                for i in service.usage(self.fuel, UsageRange.DAY, day_end)
                if start <= i.start < end
            ),
            key=lambda i: i.start,
        )
        starts = np.array([i.start.timestamp() for i in intervals], dtype=float)
        ends = starts + HALF_HOUR.total_seconds()
        values = np.array(self._values(intervals), dtype=float)
        ticks = [
            (edge.timestamp(), text.clock(edge))
            for n in range(LIVE_HALF_HOURS + 1)
            if (edge := start + n * HALF_HOUR).astimezone(periods.ZONE).minute == 0
        ]
        self.chart.set_ticks(ticks)
        unit = "kWh" if self.unit is Unit.KWH else "£"
        self.chart.show_bars(
            Series(starts, ends, values), None, unit, (start.timestamp(), end.timestamp())
        )
        hours = LIVE_HALF_HOURS // 2
        if reading is None:
            self.summary.setText(
                f"Last {hours} hours · {self.fuel.value} is reported every half hour · "
                "waiting for the meter"
            )
            return
        self.summary.setText(
            f"{self._swatch()} Last {hours} hours · {self.fuel.value} is reported every half "
            f"hour · updated {text.clock(reading.at)}, next {text.clock(end + HALF_HOUR)}"
        )

    def _shown(self, intervals: Sequence[Interval]) -> tuple[list[Interval], bool]:
        """The intervals worth drawing, and whether earlier ones were left out as unrecorded.

        Buckets that have not started are not drawn (the rest of today is not "0 kWh"), nor,
        for a day, the half hour in progress (the meter gives half hours once they end). The
        service reports a bucket without history as 0 kWh: leading empty days or months are
        taken as not recorded (a day or month of no energy at all does not happen), and a day
        with no energy in any half hour as no history.
        """
        now = self.context.clock()
        if self.span is UsageRange.DAY:
            kept = [i for i in intervals if i.start + i.duration <= now]
            return (kept, False) if any(i.kwh for i in kept) else ([], bool(kept))
        kept = [i for i in intervals if i.start < now]
        first = next((n for n, i in enumerate(kept) if i.kwh > 0), len(kept))
        return kept[first:], first > 0

    def _series(self, end: datetime, offset_s: float = 0.0) -> tuple[Series, float, bool]:
        intervals, cut = self._shown(self.context.service.usage(self.fuel, self.span, end))
        starts = np.array([i.start.timestamp() for i in intervals], dtype=float) + offset_s
        ends = starts + np.array([i.duration.total_seconds() for i in intervals], dtype=float)
        values = np.array(self._values(intervals), dtype=float)
        return Series(starts, ends, values), float(values.sum()) if len(values) else 0.0, cut

    def _values(self, intervals: Sequence[Interval]) -> list[float]:
        if self.unit is Unit.KWH:
            return [i.kwh for i in intervals]
        service = self.context.service
        return [service.cost_pence(self.fuel, [i]) / 100 for i in intervals]

    def _swatch(self, previous: bool = False) -> str:
        """A coloured key for a series, in the summary (the chart has no legend)."""
        palette = self.context.theme.palette
        if previous:
            return f'<span style="color:{palette.hex("chart_compare")}">╌╌</span>'
        colour = "chart_electricity" if self.fuel is Fuel.ELECTRICITY else "chart_gas"
        return f'<span style="color:{palette.hex(colour)}">■</span>'

    def _amount(self, value: float) -> str:
        return text.kwh(value) if self.unit is Unit.KWH else text.pounds(value)

    def _draw_period(self) -> None:
        end = self.end
        start = periods.period_start(self.span, end)
        current, total, _cut = self._series(end)
        unit = "kWh" if self.unit is Unit.KWH else "£"
        in_progress = start <= self.context.clock() < end
        previous: Series | None = None
        lines = []
        title = periods.describe(self.span, end)
        if not len(current.values):
            lines.append(f"{title} · no history for this period")
        else:
            costed = " at your current prices" if self.unit is Unit.POUNDS else ""
            so_far = " so far" if in_progress else ""
            lines.append(f"{self._swatch()} {title} · {self._amount(total)}{so_far}{costed}")
        if self.compare:
            previous_end = periods.shift(self.span, end, -1)
            offset = start.timestamp() - periods.period_start(self.span, previous_end).timestamp()
            previous, previous_total, cut = self._series(previous_end, offset)
            if not len(previous.values):
                lines.append(f"{periods.PREVIOUS[self.span]}: no history")
            else:
                line = (
                    f"{self._swatch(previous=True)} {periods.PREVIOUS[self.span]} · "
                    f"{self._amount(previous_total)}"
                )
                if in_progress and len(current.values):
                    # A fair comparison: the previous period up to the same point.
                    reached = min(float(current.ends[-1]), self.context.clock().timestamp())
                    same_point = _sum_until(previous, reached)
                    line += f" ({self._amount(same_point)} by this point)"
                if cut:
                    first = datetime.fromtimestamp(float(previous.starts[0]) - offset, UTC)
                    line += f" · history from {periods.bucket_name(self.span, first)}"
                lines.append(line)
        bounds = (start.timestamp(), end.timestamp())
        self.chart.set_ticks(periods.ticks(self.span, end))
        self.chart.show_bars(current, previous, unit, bounds)
        self.summary.setText("<br>".join(lines))
