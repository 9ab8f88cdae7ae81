"""The usage chart (pyqtgraph): this period's days, weeks or months as bars (as GB displays draw
them), the previous period as a dashed outline, live readings as a line.

Built for long series: the plot item downsamples automatically (peak mode keeps spikes) and
clips to the visible x range, so a year of 10-second readings (3.2 M points) pans and zooms
smoothly. The x axis is time (epoch seconds, local time labels); only x pans and zooms, y
follows the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ihd_app.ui.theme import ThemeManager


@dataclass(frozen=True)
class Series:
    """Values by interval: ``starts`` and ``ends`` in epoch seconds, one value each."""

    starts: np.ndarray
    ends: np.ndarray
    values: np.ndarray

    @classmethod
    def empty(cls) -> Series:
        """No data."""
        nothing = np.zeros(0)
        return cls(nothing, nothing, nothing)

    def steps(self) -> tuple[np.ndarray, np.ndarray]:
        """The series as a step outline: each value held from its start to its end."""
        x = np.column_stack([self.starts, self.ends]).ravel()
        y = np.repeat(self.values, 2)
        return x, y


#: Above this many samples a line is drawn thin, without the fill under it, and downsampled to
#: two samples per pixel (each keeping its bucket's peak, so spikes stay): filling the jagged
#: outline of a year of readings, or stroking five samples per pixel, took longer than a frame
#: (16.7 ms, ``benchmarks/chart.py``).
LONG_SERIES = 100_000
_LONG_SAMPLES_PER_PIXEL = 2.0
_SAMPLES_PER_PIXEL = 5.0  # pyqtgraph's default
#: The gap between two bars, as a share of a bar's interval.
BAR_GAP = 0.2


class UsageChart(QWidget):
    """Two series on a time axis, with pan and zoom in x."""

    def __init__(self, theme: ThemeManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._colour = "chart_electricity"
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plot = pg.PlotWidget(parent=self, axisItems={"bottom": pg.DateAxisItem()})
        self.plot.setObjectName("UsageChart")
        layout.addWidget(self.plot)
        item = self.plot.getPlotItem()
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        item.showGrid(x=False, y=True, alpha=0.25)
        item.hideButtons()
        item.setMenuEnabled(False)
        view = item.getViewBox()
        view.setMouseEnabled(x=True, y=False)
        view.enableAutoRange(axis="y")
        view.setAutoVisible(y=True)
        for name in ("left", "bottom"):
            item.getAxis(name).enableAutoSIPrefix(False)
        #: Live readings (a line).
        self.current = item.plot([], [])
        #: The period's intervals (half hours, days, months) as bars.
        self.bars = pg.BarGraphItem(x0=[], x1=[], height=[], y0=0.0)
        item.addItem(self.bars)
        self.bars.hide()
        self._bar_series = Series.empty()
        #: The previous period, shifted onto this one.
        self.previous = item.plot([], [])
        self.previous.hide()
        # No legend inside the plot (it hid data wherever it sat): the screen's summary below
        # the chart names each series with its colour and line style.
        self._unit = ""
        self._thin = False
        theme.changed.connect(self._restyle)
        self._restyle()

    def set_colour(self, name: str) -> None:
        """Palette colour of the current series (``chart_electricity``, ``chart_gas``)."""
        self._colour = name
        self._restyle()

    def show_bars(
        self,
        current: Series,
        previous: Series | None,
        unit: str,
        bounds: tuple[float, float] | None = None,
    ) -> None:
        """Intervals (half hours, days, months) as bars with a gap between them; ``previous``
        as a dashed outline over them.

        ``bounds`` (epoch seconds) is the whole period, so a day that is not over yet still
        shows from midnight to midnight.
        """
        gap = (current.ends - current.starts) * BAR_GAP / 2
        self.bars.setOpts(x0=current.starts + gap, x1=current.ends - gap, height=current.values)
        self.bars.show()
        self._bar_series = current
        self._thin = False
        self.current.setData([], [])
        self.current.hide()
        comparing = previous is not None and len(previous.values) > 0
        if previous is not None and comparing:
            px, py = previous.steps()
            self.previous.setData(px, py)
            self.previous.show()
        else:
            self.previous.setData([], [])
            self.previous.hide()
        x, _y = current.steps()
        self._finish(unit, x, current.values, bounds)

    def shown(self) -> tuple[np.ndarray, np.ndarray]:
        """What is drawn now: the bars' intervals as a step outline (start, end of each, its
        value twice), or the line's samples."""
        if self.bars.isVisible():
            return self._bar_series.steps()
        x, y = self.current.getOriginalDataset()
        return np.asarray(x if x is not None else []), np.asarray(y if y is not None else [])

    def show_line(
        self, x: np.ndarray, y: np.ndarray, unit: str, bounds: tuple[float, float] | None = None
    ) -> None:
        """A line of samples (live readings, or any long series: thin and unfilled)."""
        self.bars.setOpts(x0=[], x1=[], height=[])
        self.bars.hide()
        self.current.show()
        self._thin = len(x) > LONG_SERIES
        if self._thin:
            self.current.setData(
                x,
                y,
                fillLevel=None,
                skipFiniteCheck=True,
                autoDownsampleFactor=_LONG_SAMPLES_PER_PIXEL,
            )
        else:
            self.current.setData(x, y, fillLevel=0.0, autoDownsampleFactor=_SAMPLES_PER_PIXEL)
        self.previous.setData([], [])
        self.previous.hide()
        self._finish(unit, x, y, bounds)

    def set_ticks(self, ticks: list[tuple[float, str]] | None) -> None:
        """Fixed labels for the time axis (epoch seconds, text); ``None``: automatic."""
        self.plot.getPlotItem().getAxis("bottom").setTicks([ticks] if ticks else None)

    def _finish(
        self, unit: str, x: np.ndarray, y: np.ndarray, bounds: tuple[float, float] | None
    ) -> None:
        self._unit = unit
        item = self.plot.getPlotItem()
        view = item.getViewBox()
        if bounds is None and len(x):
            bounds = (float(x[0]), float(x[-1]))
        if bounds is not None and bounds[1] > bounds[0]:
            view.setLimits(xMin=bounds[0], xMax=bounds[1], minXRange=60.0)
            view.setXRange(bounds[0], bounds[1], padding=0.0)
        if len(y) and float(np.abs(y).max()) > 0:
            view.enableAutoRange(axis="y")
        else:
            # Nothing to scale to: auto-range made an axis of -1000 to 1000 out of nothing.
            view.disableAutoRange(axis="y")
            view.setYRange(0.0, 1.0, padding=0.0)
        self._restyle()

    def _restyle(self) -> None:
        palette = self._theme.palette
        sizes = self._theme.sizes
        self.plot.setBackground(palette.color("card"))
        axis_colour = palette.color("chart_axis")
        font = QFont()
        font.setPixelSize(sizes.px("small"))
        item = self.plot.getPlotItem()
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(axis_colour))
            axis.setTextPen(pg.mkPen(axis_colour))
            axis.setTickFont(font)
            axis.setStyle(tickTextOffset=6)
        item.getAxis("left").setWidth(round(sizes.base * 3.6))
        # Room for the tick labels of the font in force (they scale with the window).
        item.getAxis("bottom").setHeight(round(sizes.px("small") * 1.6) + 8)
        item.setLabel(
            "left",
            self._unit,
            **{"color": palette.hex("chart_axis"), "font-size": f"{sizes.base}px"},
        )
        main = palette.color(self._colour)
        fill = QColor(main)
        fill.setAlpha(110)
        self.current.setPen(pg.mkPen(main, width=1 if self._thin else 2))
        self.current.setBrush(pg.mkBrush(fill))
        bar = QColor(main)
        bar.setAlpha(200)
        self.bars.setOpts(pen=pg.mkPen(main, width=1), brush=pg.mkBrush(bar))
        self.previous.setPen(
            pg.mkPen(palette.color("chart_compare"), width=2, style=Qt.PenStyle.DashLine)
        )
