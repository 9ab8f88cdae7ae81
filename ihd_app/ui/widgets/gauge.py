"""A fuel tile: live demand in kW and £ per hour, and today's energy and cost; or, for a fuel
reported half-hourly without demand (GB gas), today's energy and cost so far, the last half hour,
and when the figures were updated and will be next."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ihd_app.core.readings import Fuel, Reading
from ihd_app.protocol.zcl import SupplyStatus
from ihd_app.ui import text
from ihd_app.ui.half_hourly import HalfHourlyUse
from ihd_app.ui.icons import pixmap
from ihd_app.ui.theme import ThemeManager, set_style_property


def _label(role: str, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setProperty("role", role)
    return label


class FuelTile(QFrame):
    """One fuel's live and today figures, in a card."""

    def __init__(self, fuel: Fuel, theme: ThemeManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fuel = fuel
        self._theme = theme
        self.setProperty("role", "card")
        self.setObjectName(f"Tile-{fuel.value}")
        layout = QVBoxLayout(self)
        self._layout = layout
        layout.setSpacing(2)
        header = QHBoxLayout()
        self._icon = QLabel(self)
        header.addWidget(self._icon)
        self._name = _label("title", self)
        self._name.setText("Electricity" if fuel is Fuel.ELECTRICITY else "Gas")
        header.addWidget(self._name)
        header.addStretch(1)
        self.supply = QLabel("Supply OFF", self)
        set_style_property(self.supply, "badge", "bad")
        self.supply.hide()
        header.addWidget(self.supply)
        layout.addLayout(header)
        layout.addStretch(1)
        self.demand = _label("giant", self)
        self.demand.setObjectName("demand")
        layout.addWidget(self.demand)
        self.rate = _label("value", self)
        self.rate.setObjectName("rate")
        layout.addWidget(self.rate)
        layout.addStretch(1)
        self.today = _label("value", self)
        self.today.setObjectName("today")
        self.today.setWordWrap(True)
        layout.addWidget(self.today)
        # Half-hourly fuels only: when the figures came and when the next ones will.
        self.updated = _label("muted", self)
        self.updated.setObjectName("updated")
        self.updated.setWordWrap(True)
        self.updated.hide()
        layout.addWidget(self.updated)
        self._supply: SupplyStatus | None = None
        #: What :meth:`set_half_hourly` was given last (``None``: the tile shows demand).
        self._half_hourly: tuple[HalfHourlyUse | None, SupplyStatus | None] | None = None
        theme.changed.connect(self._restyle)
        self._restyle()
        self.set_reading(None, None)
        self.set_today(None, None)

    def _restyle(self) -> None:
        compact = self._theme.sizes.compact
        self._show_supply()
        self._layout.setContentsMargins(*((10, 6, 10, 6) if compact else (14, 10, 14, 10)))
        size = self._theme.sizes.px("title")
        # The header is as tall as the supply badge, shown or not: both tiles' figures stay
        # level with each other.
        self.supply.ensurePolished()
        self._name.setMinimumHeight(self.supply.sizeHint().height())
        colour = "chart_electricity" if self.fuel is Fuel.ELECTRICITY else "chart_gas"
        image = pixmap(self.fuel.value, self._theme.palette.hex(colour))
        self._icon.setPixmap(
            image.scaled(
                size,
                size,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        if self._half_hourly is not None:
            self.set_half_hourly(*self._half_hourly)  # its line breaks follow the panel's size

    def set_reading(self, reading: Reading | None, pounds_per_hour: float | None) -> None:
        """The live reading and what it costs per hour."""
        self._half_hourly = None
        self.updated.hide()
        self.demand.setText(text.kw(reading.demand_w if reading else None))
        self.rate.setText(
            "Waiting for the meter…" if reading is None else text.per_hour(pounds_per_hour)
        )
        self._supply = reading.supply if reading is not None else None
        self._show_supply()

    def set_half_hourly(self, use: HalfHourlyUse | None, supply: SupplyStatus | None) -> None:
        """A fuel the meter reports once a half hour, without demand: no kW, which would read
        0 between reports while gas burns; what was used and what it cost so far instead.

        Args:
            use: The figures (``None`` before the meter's first report).
            supply: The valve (or switch) as last reported.
        """
        self._supply = supply
        self._half_hourly = (use, supply)
        self._show_supply()
        if use is None:
            self.demand.setText("– kWh")
            self.rate.setText("Waiting for the meter…")
            self.today.setText("Reported every half hour")
            self.updated.hide()
            return
        today = use.today_kwh
        self.demand.setText("– kWh" if today is None else text.kwh(today))
        self.rate.setText(
            "Today: no history yet"
            if today is None
            else f"{text.cost(use.today_pounds)} so far today"
        )
        # On a small panel the figures go under the half hour, rather than its cost alone.
        between = "\n" if self._theme.sizes.compact else ": "
        self.today.setText(
            f"{text.clock_span(use.half_hour_start, use.half_hour_end)}{between}"
            f"{text.kwh(use.half_hour_kwh)} · {text.cost(use.half_hour_pounds)}"
        )
        self.updated.setText(
            f"Updated {text.clock(use.updated_at)} · next {text.clock(use.next_at)}"
        )
        self.updated.show()

    def _show_supply(self) -> None:
        status = self._supply
        off = status in (SupplyStatus.OFF, SupplyStatus.ARMED)
        self.supply.setVisible(off)
        if not off:
            return
        armed = status is SupplyStatus.ARMED
        full = "Supply armed" if armed else "Supply OFF"
        # Beside "Electricity" on a small panel there is room for one word (the tooltip and
        # the accessible name say it whole).
        self.supply.setText(("Armed" if armed else "OFF") if self._theme.sizes.compact else full)
        self.supply.setToolTip(full)
        self.supply.setAccessibleName(full)
        set_style_property(self.supply, "badge", "warn" if armed else "bad")

    def set_today(self, kwh: float | None, pounds: float | None) -> None:
        """Today's energy and cost."""
        if kwh is None:
            self.today.setText("Today: no history yet")
        else:
            self.today.setText(f"Today {text.kwh(kwh)} · {text.pounds(pounds)}")
