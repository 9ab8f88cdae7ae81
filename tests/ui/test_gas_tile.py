"""Gas on Home and on the live chart as a GB display shows it: the meter reports gas once a half
hour without demand, so the display shows use and cost so far (today, the last half hour) and
when the figures came and will next, never a kW figure that would read 0 while the boiler fires.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ihd_app.core.readings import Fuel, Reading
from ihd_app.protocol.zcl import SupplyStatus
from ihd_app.service.api import UsageRange
from ihd_app.ui import periods
from ihd_app.ui.screens.home import HomeScreen, today_usage
from ihd_app.ui.screens.usage import UsageScreen
from ihd_app.ui.widgets.gauge import FuelTile
from tests.ui.fakes import DEMO_NOW, make_service

HALF_HOUR = timedelta(minutes=30)


def _shown(tile: FuelTile) -> list[str]:
    """Every line the tile shows."""
    labels = (tile.demand, tile.rate, tile.today, tile.updated)
    return [label.text() for label in labels if label.isVisible()]


def _half_hour(service: Any, start: Any) -> tuple[float, float]:
    """The service's kWh and pounds of the gas half hour starting at ``start``."""
    day = service.usage(Fuel.GAS, UsageRange.DAY, periods.period_end(UsageRange.DAY, start))
    mine = [i for i in day if i.start == start]
    return sum(i.kwh for i in mine), service.cost_pence(Fuel.GAS, mine) / 100


def test_gas_shows_use_and_cost_so_far_and_the_half_hour_cadence(
    qtbot: Any, open_window: Any
) -> None:
    # 18:05: the meter reported at 17:30 and 18:00, and at 18:01 when the valve closed.
    service, meter, clock = make_service(exclude=["a1f3c9e2"])
    window = open_window(service, clock)
    gas = window.screen_of(HomeScreen).tiles[Fuel.GAS]
    kwh, pounds = today_usage(service, Fuel.GAS, DEMO_NOW)
    half_kwh, half_pounds = _half_hour(service, DEMO_NOW.replace(minute=0) - HALF_HOUR)
    assert _shown(gas) == [
        f"{kwh:.1f} kWh",
        f"£{pounds:.2f} so far today",
        f"17:30–18:00: {half_kwh:.1f} kWh · {half_pounds * 100:.1f}p",
        "Updated 18:01 · next 18:30",
    ]
    assert not any(" kW" in line.replace("kWh", "") for line in _shown(gas)), "no kW for gas"
    assert gas.supply.isVisible()  # the gas network closed the valve

    # The 18:30 report: the half hour to 18:30 is shown, the next report is due at 19:00.
    meter.inject_reading(
        Reading(Fuel.GAS, DEMO_NOW.replace(minute=30, second=1), None, 81_220_900.0)
    )
    qtbot.waitUntil(lambda: gas.updated.text() == "Updated 18:30 · next 19:00")
    assert gas.today.text().startswith("18:00–18:30: ")
    assert not gas.supply.isVisible()  # its valve state came with it (open again)


def test_a_gas_meter_that_reports_demand_shows_it(qtbot: Any, open_window: Any) -> None:
    service, meter, clock = make_service(exclude=["a1f3c9e2"])
    window = open_window(service, clock)
    gas = window.screen_of(HomeScreen).tiles[Fuel.GAS]
    meter.inject_reading(Reading(Fuel.GAS, DEMO_NOW, 4_300.0, 81_221_000.0, SupplyStatus.ON))
    qtbot.waitUntil(lambda: gas.demand.text() == "4.30 kW")
    assert gas.rate.text() == f"{4.3 * 6.24:.1f}p per hour"  # the flat gas rate
    assert gas.today.text().startswith("Today ")
    assert not gas.updated.isVisible()


def test_gas_waiting_for_its_first_report_says_it_comes_half_hourly(
    qtbot: Any, open_window: Any
) -> None:
    service, _meter, clock = make_service(demo=False)
    window = open_window(service, clock)
    gas = window.screen_of(HomeScreen).tiles[Fuel.GAS]
    assert _shown(gas) == ["– kWh", "Waiting for the meter…", "Reported every half hour"]


@pytest.mark.parametrize("size", [(480, 272), (800, 480)])
def test_on_a_small_panel_the_half_hours_figures_go_under_it(
    qtbot: Any, open_window: Any, size: tuple[int, int]
) -> None:
    service, _meter, clock = make_service(exclude=["a1f3c9e2"])
    window = open_window(service, clock, size=size)
    gas = window.screen_of(HomeScreen).tiles[Fuel.GAS]
    span, figures = gas.today.text().split("\n" if size == (480, 272) else ": ")
    assert span == "17:30–18:00"
    assert figures.endswith("p")


def test_the_live_gas_chart_shows_half_hours_not_a_flat_line(qtbot: Any, open_window: Any) -> None:
    service, _meter, clock = make_service(exclude=["a1f3c9e2"])
    window = open_window(service, clock)
    usage = window.show_kind(UsageScreen)
    assert isinstance(usage, UsageScreen)
    usage.set_fuel(Fuel.GAS)
    usage.set_span(UsageRange.LIVE)
    x, y = usage.chart.shown()
    # Six half hours (17:30 back to 15:00) as steps: each starts and ends on a half hour.
    assert len(x) == 12
    assert all(int(t) % 1800 == 0 for t in x)
    assert max(x) == (DEMO_NOW.replace(minute=0)).timestamp()
    assert y.max() > 0
    assert "gas is reported every half hour" in usage.summary.text()
    assert "updated 18:01, next 18:30" in usage.summary.text()
