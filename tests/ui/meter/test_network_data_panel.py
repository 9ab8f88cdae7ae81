"""The Network data tab: asking as the data's owner, the refusal's reason shown, what arrived
listed and plotted (a meter runtime off the air, its clocks standing still)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pyqtgraph as pg

from ihd_app.protocol.consent_terms import Granularity
from meter_emulator.ui.panels.network_data_panel import NetworkDataPanel
from tests.meter_behaviour.network_support import manual_meter


def _choose(panel: NetworkDataPanel, kind: str) -> None:
    panel.kind.setCurrentIndex(panel.kind.findData(kind))


def test_asking_lists_and_plots_what_the_operators_key_opened(qtbot: Any, tmp_path: Path) -> None:
    meter = manual_meter(tmp_path)
    meter.consent("dno", "voltage-quality", Granularity.HALF_HOURLY)
    meter.consent("dno", "network-planning", Granularity.HALF_HOURLY)
    panel = NetworkDataPanel(meter.runtime)
    qtbot.addWidget(panel)
    for kind in ("voltage", "export"):
        _choose(panel, kind)
        panel.ask()
    assert panel.model.rowCount() == 2
    assert panel.model.cell(0, 2) == "voltage"
    assert "48 rows of electricity exported: sent to" in panel.result.text()
    fills = [i for i in panel.voltage_plot.getPlotItem().items if isinstance(i, pg.FillBetweenItem)]
    assert len(fills) == 1, "the min-max band"
    bars = [i for i in panel.energy_plot.getPlotItem().items if isinstance(i, pg.BarGraphItem)]
    assert len(bars) == 2, "import and export"


def test_a_refusal_says_why_and_nothing_is_listed(qtbot: Any, tmp_path: Path) -> None:
    meter = manual_meter(tmp_path)
    panel = NetworkDataPanel(meter.runtime)
    qtbot.addWidget(panel)
    _choose(panel, "power-quality")
    panel.ask()
    assert "has not been given" in panel.result.text()
    assert "The meter sent nothing" in panel.result.text()
    assert panel.model.rowCount() == 0


def test_pushes_arrive_in_the_table_until_stopped(qtbot: Any, tmp_path: Path) -> None:
    meter = manual_meter(tmp_path)
    meter.consent("dno", "voltage-quality", Granularity.HALF_HOURLY)
    panel = NetworkDataPanel(meter.runtime)
    qtbot.addWidget(panel)
    _choose(panel, "voltage")
    panel.interval.setValue(30)
    panel.subscribe()
    meter.advance(timedelta(minutes=60))
    assert meter.runtime.network_data.tick() == 2
    assert [panel.model.cell(n, 2) for n in range(2)] == ["voltage (push 1)", "voltage (push 2)"]
    panel.stop_pushes()
    assert meter.runtime.network_data.subscriptions == []
