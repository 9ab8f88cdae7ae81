"""Home: live demand and cost per fuel (or, for gas reported half-hourly, use and cost so far),
today's totals, ambient light, prices, link badge."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ihd_app.core.readings import Fuel
from ihd_app.service.api import IhdServiceApi, Topic, UsageRange
from ihd_app.ui import periods, pricing, text
from ihd_app.ui.ambient import AmbientLevel, ambient_level
from ihd_app.ui.context import UiContext
from ihd_app.ui.half_hourly import half_hourly_use, is_half_hourly
from ihd_app.ui.read_aloud import ReadAloudButton
from ihd_app.ui.screens.base import Screen
from ihd_app.ui.screens.prepay_actions import PrepayActions
from ihd_app.ui.widgets.badge import LinkBadge
from ihd_app.ui.widgets.flexibility_card import FlexibilityCard, shown_on_home
from ihd_app.ui.widgets.gauge import FuelTile
from ihd_app.ui.widgets.prepay_card import PrepayCard
from ihd_app.ui.widgets.scrolling import vertical_scroll
from ihd_app.ui.widgets.top_up_keypad import TopUpKeypad
from ihd_app.ui.widgets.traffic_light import TrafficLight

#: Today's totals are recomputed at most this often on live readings (seconds).
TOTALS_EVERY_S = 15.0


def today_usage(service: IhdServiceApi, fuel: Fuel, now: datetime) -> tuple[float, float] | None:
    """Today's kWh and cost in pounds (``None`` without history)."""
    midnight, end = periods.today(now)
    intervals = [
        i for i in service.usage(fuel, UsageRange.DAY, end) if i.start >= midnight and i.start < now
    ]
    if not intervals:
        return None
    kwh = sum(i.kwh for i in intervals)
    return kwh, service.cost_pence(fuel, intervals) / 100


class HomeScreen(Screen):
    """The first screen: what is being used now and what it costs."""

    topics = frozenset({Topic.LINK, Topic.READING, Topic.TARIFF, Topic.FLEXIBILITY, Topic.PREPAY})
    label = "Home"
    icon_name = "home"

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        # Everything fits a screen, even 480x272; but when a notice or banner above takes
        # some of its height, Home scrolls rather than squashing its figures into each other.
        scroll, inner = vertical_scroll(self, "HomeScroll")
        body = QVBoxLayout(inner)
        self._body = body
        self.layout_.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.badge = LinkBadge(self)
        top.addWidget(self.badge, 1)
        self.read_aloud = ReadAloudButton(context, today_usage, self)
        top.addWidget(self.read_aloud)
        self.clock = QLabel(self)
        self.clock.setProperty("role", "title")
        top.addWidget(self.clock)
        body.addLayout(top)
        # Prepayment: the balance comes first (hidden on a credit meter).
        self.prepay = PrepayCard(self)
        body.addWidget(self.prepay)
        self.flexibility = FlexibilityCard(inner)
        self.flexibility.opt_out_clicked.connect(self._opt_out)
        body.addWidget(self.flexibility)
        tiles = QHBoxLayout()
        self._tiles_row = tiles
        tiles.setSpacing(10)
        self.tiles = {fuel: FuelTile(fuel, context.theme, self) for fuel in Fuel}
        for tile in self.tiles.values():
            tiles.addWidget(tile, 1)
        body.addLayout(tiles, 3)
        bottom = QHBoxLayout()
        self._bottom_row = bottom
        bottom.setSpacing(10)
        ambient = QFrame(self)
        ambient.setProperty("role", "card")
        ambient_layout = QHBoxLayout(ambient)
        ambient_layout.setContentsMargins(12, 8, 12, 8)
        self.light = TrafficLight(context.theme, ambient)
        ambient_layout.addWidget(self.light)
        self.ambient_label = QLabel(ambient)
        self.ambient_label.setProperty("role", "value")
        self.ambient_label.setWordWrap(True)
        ambient_layout.addWidget(self.ambient_label, 1)
        bottom.addWidget(ambient, 1)
        prices = QFrame(self)
        prices.setProperty("role", "card")
        grid = QGridLayout(prices)
        grid.setContentsMargins(12, 8, 12, 8)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        self.price_now = QLabel(prices)
        self.price_now.setObjectName("PriceNow")
        self.price_now.setProperty("role", "value")
        self.price_now.setWordWrap(True)
        self.price_next = QLabel(prices)
        self.price_next.setObjectName("PriceNext")
        self.price_next.setProperty("role", "muted")
        self.price_next.setWordWrap(True)
        # Both lines together in the middle of the card, not pushed to its edges.
        grid.setRowStretch(0, 1)
        grid.addWidget(self.price_now, 1, 0)
        grid.addWidget(self.price_next, 2, 0)
        grid.setRowStretch(3, 1)
        bottom.addWidget(prices, 1)
        self._card_layouts = (ambient_layout, grid)
        body.addLayout(bottom, 1)
        scroll.setWidget(inner)
        # The top-up keypad takes Home's place while a code is entered.
        self.pages = QStackedWidget(self)
        self.pages.addWidget(scroll)
        self.keypad = TopUpKeypad(self)
        self.pages.addWidget(self.keypad)
        self.layout_.addWidget(self.pages, 1)
        self._prepay_actions = PrepayActions(self, context.service.prepayment)
        self._totals_at: datetime | None = None
        #: The report each half-hourly tile shows (its figures change only with a new one).
        self._half_hourly_shown: dict[Fuel, datetime | None] = {}
        self._built = False
        context.theme.changed.connect(self._arrange)
        self._arrange()
        self._built = True
        self.refresh(None)

    def _arrange(self) -> None:
        compact = self.context.theme.sizes.compact
        self.badge.set_compact(compact)
        # Every pixel of height counts on a small panel (480x272).
        self._body.setContentsMargins(*((8, 6, 8, 6) if compact else (14, 10, 14, 10)))
        self._body.setSpacing(6 if compact else 8)
        for layout in (self._tiles_row, self._bottom_row):
            layout.setSpacing(6 if compact else 10)
        for card_layout in self._card_layouts:
            card_layout.setContentsMargins(*((8, 4, 8, 4) if compact else (12, 8, 12, 8)))
        if self._built:
            self._show_live(self.context.clock())

    def refresh(self, topic: Topic | None = None) -> None:
        service = self.context.service
        now = self.context.clock()
        if topic in (None, Topic.LINK):
            self.badge.set_link(service.link_state, service.security)
        if topic in (None, Topic.PREPAY):
            self._prepay_actions.refresh()
        if topic in (None, Topic.READING, Topic.TARIFF):
            self._show_live(now)
        if topic in (None, Topic.TARIFF):
            self._show_prices(now)
        if topic in (None, Topic.TARIFF) or self._totals_due(now):
            self._show_totals(now)
        if topic in (None, Topic.FLEXIBILITY):
            self._show_flexibility(now)
        self.clock.setText(text.clock(now))

    def tick(self) -> None:
        now = self.context.clock()
        self.clock.setText(text.clock(now))
        self._show_flexibility(now)
        self._show_prices(now)
        self._show_live(now)
        if self._totals_due(now):
            self._show_totals(now)

    def _show_flexibility(self, now: datetime) -> None:
        """The running event's countdown, or the next event, or nothing."""
        self.flexibility.show_event(shown_on_home(self.context.service.flexibility.events()), now)

    def _opt_out(self, originator: str, event_id: int) -> None:
        self.context.service.flexibility.opt_out(originator, event_id)

    def _totals_due(self, now: datetime) -> bool:
        return self._totals_at is None or (now - self._totals_at).total_seconds() >= TOTALS_EVERY_S

    def _show_live(self, now: datetime) -> None:
        service = self.context.service
        for fuel, tile in self.tiles.items():
            reading = service.latest_reading(fuel)
            if is_half_hourly(fuel, reading):
                at = reading.at if reading is not None else None
                if fuel not in self._half_hourly_shown or self._half_hourly_shown[fuel] != at:
                    self._show_half_hourly(fuel, now)
                continue
            switched = fuel in self._half_hourly_shown
            self._half_hourly_shown.pop(fuel, None)
            tariff = service.tariff(fuel)
            band = pricing.band_at(tariff, now) if tariff else None
            cost = (
                pricing.pounds_per_hour(reading.demand_w, band)
                if reading is not None and reading.demand_w is not None
                else None
            )
            tile.set_reading(reading, cost)
            if switched:  # a meter that now reports demand: its today line at once
                today = today_usage(service, fuel, now)
                tile.set_today(*(today if today else (None, None)))
        electricity = service.latest_reading(Fuel.ELECTRICITY)
        demand_kw = (
            electricity.demand_w / 1000
            if electricity is not None and electricity.demand_w is not None
            else None
        )
        supply = electricity.supply if electricity is not None else None
        level = ambient_level(demand_kw, self.context.settings.ambient, supply)
        self.light.set_level(level)
        # "now" goes on a small panel, where the card is too narrow for it.
        now_word = "" if self.context.theme.sizes.compact else " now"
        self.ambient_label.setText(
            level.label
            if demand_kw is None or level is AmbientLevel.SUPPLY_OFF
            else f"{level.label}\n{demand_kw:.2f} kW{now_word}"
        )

    def _show_prices(self, now: datetime) -> None:
        tariff = self.context.service.tariff(Fuel.ELECTRICITY)
        if tariff is None:
            self.price_now.setText("Electricity price: not received yet")
            self.price_next.setText("")
            return
        band = pricing.band_at(tariff, now)
        self.price_now.setText(
            f"Now: {band.name} {text.pence_per_kwh(band.pence_per_kwh)}"
            if band
            else "Now: no rate for this time"
        )
        change = pricing.next_change(tariff, now)
        self.price_next.setText(
            "Price does not change today"
            if change is None
            else f"Next: {change.band.name} {text.pence_per_kwh(change.band.pence_per_kwh)} "
            f"from {text.clock(change.at)}"
        )

    def _show_half_hourly(self, fuel: Fuel, now: datetime) -> None:
        service = self.context.service
        reading = service.latest_reading(fuel)
        use = half_hourly_use(service, fuel, today_usage(service, fuel, now))
        self.tiles[fuel].set_half_hourly(use, reading.supply if reading is not None else None)
        self._half_hourly_shown[fuel] = reading.at if reading is not None else None

    def _show_totals(self, now: datetime) -> None:
        self._totals_at = now
        for fuel, tile in self.tiles.items():
            if fuel in self._half_hourly_shown:
                self._show_half_hourly(fuel, now)  # today moves on at midnight, and with history
                continue
            today = today_usage(self.context.service, fuel, now)
            tile.set_today(*(today if today else (None, None)))
