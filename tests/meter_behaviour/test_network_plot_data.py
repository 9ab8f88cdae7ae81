"""What the operator console plots and lists of the network data it received: the voltage band
and the import / export bars come from the answers the operators' keys opened, and the table
model says what each held (Qt item model, no widgets)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ihd_app.protocol.consent_terms import Granularity
from meter_emulator.operator.network_series import energy_bars, voltage_band
from meter_emulator.ui.models.network_data import NetworkDataModel
from tests.meter_behaviour.network_support import Meter, manual_meter


@pytest.fixture
def meter(tmp_path: Path) -> Meter:
    meter = manual_meter(tmp_path)
    meter.consent("dno", "voltage-quality", Granularity.HALF_HOURLY)
    return meter


def test_the_voltage_band_is_what_the_dno_opened(meter: Meter) -> None:
    key = meter.ask("dno", "voltage", periods=6)
    received = meter.runtime.operator.network_data.received(key)
    band = voltage_band(received)
    rows = received[0].response.rows
    assert band.min_v == [r["min_v"] for r in rows]
    assert band.mean_v == [r["mean_v"] for r in rows]
    assert band.max_v == [r["max_v"] for r in rows]
    assert band.starts == sorted(band.starts)
    assert [b - a for a, b in zip(band.starts, band.starts[1:], strict=False)] == [1800.0] * 5


def test_import_and_export_bars_line_up_per_half_hour(meter: Meter) -> None:
    meter.consent("dno", "network-planning", Granularity.HALF_HOURLY)
    inbox = meter.runtime.operator.network_data
    imported = inbox.received(meter.ask("dno", "import", periods=4))
    exported = inbox.received(meter.ask("dno", "export", periods=4))
    bars = energy_bars([*imported, *exported])
    assert len(bars.starts) == 4
    assert bars.width_s == 1800.0
    assert bars.import_kwh == [_kwh(r["wh"]) for r in imported[0].response.rows]
    assert bars.export_kwh == [_kwh(r["wh"]) for r in exported[0].response.rows]
    assert sum(bars.export_kwh) > 0, "a June afternoon with panels exports"


def _kwh(wh: object) -> float:
    assert isinstance(wh, int)
    return round(wh / 1000, 3)


def test_the_table_lists_each_answer_with_what_it_held(meter: Meter, qapp: Any) -> None:
    model = NetworkDataModel()
    unlisten = meter.runtime.operator.network_data.listen(model.add)
    meter.ask("dno", "voltage", periods=4)
    meter.ask("dno", "outages")
    unlisten()
    assert model.rowCount() == 2
    assert model.cell(0, 2) == "voltage"
    assert model.cell(0, 3) == "yes"
    assert model.cell(0, 4).startswith("4 periods, ")
    assert model.cell(0, 4).endswith(" V")
    assert model.cell(1, 2) == "outages"
    assert model.cell(1, 3) == "no data"
    assert model.cell(1, 4) == "No outage records recorded in that period."
