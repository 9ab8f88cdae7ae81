"""The usage chart on made-up history: cost, compare, stepping back, live, long series.

The range buttons over history backfilled from the real meter emulator are tested in
``test_live_stack.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt

from ihd_app.core.readings import Fuel
from ihd_app.service.api import UsageRange
from ihd_app.ui import periods
from ihd_app.ui.screens.usage import UsageScreen
from ihd_app.ui.settings import Unit
from tests.ui.fakes import DEMO_NOW, make_service

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def usage(qtbot: Any, open_window: Any) -> tuple[Any, UsageScreen]:
    service, _meter, clock = make_service(exclude=["a1f3c9e2"])
    window = open_window(service, clock)
    screen = window.show_kind(UsageScreen)
    assert isinstance(screen, UsageScreen)
    return service, screen


def _plotted(screen: UsageScreen) -> tuple[np.ndarray, np.ndarray]:
    return screen.chart.shown()


def test_cost_and_fuel_switch_the_values(qtbot: Any, usage: tuple[Any, UsageScreen]) -> None:
    service, screen = usage
    qtbot.mouseClick(screen.fuel_buttons[Fuel.GAS], LEFT)
    qtbot.mouseClick(screen.unit_buttons[Unit.POUNDS], LEFT)
    end = periods.period_end(UsageRange.DAY, DEMO_NOW)
    expected = service.usage(Fuel.GAS, UsageRange.DAY, end)
    _x, y = _plotted(screen)
    np.testing.assert_allclose(y[::2], [service.cost_pence(Fuel.GAS, [i]) / 100 for i in expected])
    assert screen.chart.bars.isVisible(), "a day's half hours are bars, as GB displays draw them"
    assert not screen.chart.current.isVisible()
    assert screen.chart.plot.getPlotItem().getAxis("left").labelText == "£"
    assert "£" in screen.summary.text()


def test_compare_plots_the_previous_period(qtbot: Any, usage: tuple[Any, UsageScreen]) -> None:
    service, screen = usage
    qtbot.mouseClick(screen.range_buttons[UsageRange.WEEK], LEFT)
    assert not screen.chart.previous.isVisible()
    qtbot.mouseClick(screen.compare_box, LEFT)
    assert screen.compare
    end = periods.period_end(UsageRange.WEEK, DEMO_NOW)
    before = service.usage(
        Fuel.ELECTRICITY, UsageRange.WEEK, periods.shift(UsageRange.WEEK, end, -1)
    )
    x, y = screen.chart.previous.getOriginalDataset()
    np.testing.assert_allclose(np.asarray(y)[::2], [i.kwh for i in before])
    # Shifted onto this week so the two can be compared day by day.
    assert np.asarray(x)[0] == pytest.approx(periods.period_start(UsageRange.WEEK, end).timestamp())
    assert screen.chart.previous.isVisible()
    assert "Week before" in screen.summary.text()


def test_earlier_steps_back_a_period(qtbot: Any, usage: tuple[Any, UsageScreen]) -> None:
    _service, screen = usage
    assert not screen.later.isEnabled()
    qtbot.mouseClick(screen.earlier, LEFT)
    assert "13 Jan" in screen.summary.text()
    x, _y = _plotted(screen)
    assert len(x) == 96  # a whole past day
    qtbot.mouseClick(screen.later, LEFT)
    assert "14 Jan" in screen.summary.text()


def test_live_range_plots_the_last_ten_minutes(qtbot: Any, usage: tuple[Any, UsageScreen]) -> None:
    service, screen = usage
    qtbot.mouseClick(screen.range_buttons[UsageRange.LIVE], LEFT)
    readings = service.live_readings(Fuel.ELECTRICITY)
    x, y = _plotted(screen)
    assert len(x) == len(readings) > 50
    np.testing.assert_allclose(y, [r.demand_w / 1000 for r in readings])
    assert not screen.chart.bars.isVisible(), "live readings are a line"
    assert not screen.compare_box.isEnabled()


def test_a_year_of_ten_second_readings_is_downsampled(usage: tuple[Any, UsageScreen]) -> None:
    _service, screen = usage
    item = screen.chart.current
    assert item.opts["autoDownsample"] is True
    assert item.opts["downsampleMethod"] == "peak"
    assert item.opts["clipToView"] is True
    count = 365 * 24 * 360  # 3.15 M ten-second readings
    x = DEMO_NOW.timestamp() - 10.0 * np.arange(count)[::-1]
    y = np.random.default_rng(1).gamma(2.0, 0.4, count)
    screen.chart.show_line(x, y, "kW")
    shown_x, _shown_y = item.getData()
    assert len(shown_x) < count / 50


@pytest.mark.parametrize("span", [UsageRange.LIVE, UsageRange.DAY, UsageRange.YEAR])
def test_costs_before_any_tariff_say_so_instead_of_charting_nothing(
    qtbot: Any, open_window: Any, span: UsageRange
) -> None:
    service, _meter, clock = make_service(demo=False)
    window = open_window(service, clock)
    screen = window.show_kind(UsageScreen)
    assert isinstance(screen, UsageScreen)
    qtbot.mouseClick(screen.range_buttons[span], LEFT)
    qtbot.mouseClick(screen.unit_buttons[Unit.POUNDS], LEFT)
    assert screen.summary.text().startswith("No electricity tariff yet")
    x, _y = screen.chart.shown()
    assert len(x) == 0
    # The cost axis runs from £0, not from -£1000 to £1000 around nothing.
    low, high = screen.chart.plot.getPlotItem().getViewBox().viewRange()[1]
    assert (low, high) == (0.0, 1.0)
    qtbot.mouseClick(screen.unit_buttons[Unit.KWH], LEFT)
    assert "tariff" not in screen.summary.text()
