"""Item models over the service, without any widget (vorta style)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtCore import Qt

from ihd_app.core.model import Importance, MessageState
from ihd_app.core.readings import Fuel
from ihd_app.protocol.reasons import Reason
from ihd_app.ui.icons import message_icon_name
from ihd_app.ui.models import (
    InboxModel,
    ItemRole,
    PastMessagesModel,
    ScanResultsModel,
    SecurityLogModel,
    TariffBandsModel,
)
from ihd_app.ui.models.scan_results import Column as ScanColumn
from ihd_app.ui.models.security_log import Column as LogColumn
from ihd_app.ui.widgets.message_delegate import importance_of
from tests.ui.fake.demo_data import GDN, message
from tests.ui.fakes import DEMO_NOW, make_service, scan_result

DISPLAY = Qt.ItemDataRole.DisplayRole


def test_inbox_lists_current_messages_most_important_first() -> None:
    service, _meter, clock = make_service()
    model = InboxModel(service, clock=clock)
    assert model.rowCount() == len(service.current_messages()) == 4
    importances = [model.data(model.index(r, 0), ItemRole.IMPORTANCE) for r in range(4)]
    assert importances[0] is Importance.CRITICAL
    assert [i.rank for i in importances] == sorted((i.rank for i in importances), reverse=True)
    first = model.index(0, 0)
    assert model.data(first, DISPLAY) == "Gas supply turned off"
    assert model.data(first, ItemRole.TYPE) == "gas.supply-disabled"
    assert model.data(first, ItemRole.ICON_NAME) == "gas"
    assert model.data(first, ItemRole.STATE) is MessageState.DISPLAYED
    assert "Northern Gas Networks" in model.data(first, ItemRole.SUBTITLE)
    assert model.data(first, ItemRole.SENDER) == "Northern Gas Networks"
    assert model.data(first, ItemRole.WHEN).startswith("Today ")
    assert model.data(first, ItemRole.VALUE).key == model.data(first, ItemRole.KEY)
    # Through Qt (as the delegate reads it) the importance arrives as a plain string.
    assert first.data(ItemRole.IMPORTANCE) == "critical"
    assert importance_of(first.data(ItemRole.IMPORTANCE)) is Importance.CRITICAL
    assert importance_of(None) is None


def test_inbox_refresh_follows_the_service(run: Any) -> None:
    service, meter, clock = make_service(demo=False)
    model = InboxModel(service, clock=clock)
    past = PastMessagesModel(service, clock=clock)
    assert model.rowCount() == 0
    meter.inject_message(
        message(
            "k1",
            "safety.alarm",
            "Carbon monoxide alarm",
            importance=Importance.HIGH,
            originator=GDN,
            received=DEMO_NOW,
        )
    )
    model.refresh()
    assert model.rowCount() == 1
    assert model.row_of("k1") == 0
    run(service.acknowledge("k1"))
    model.refresh()
    past.refresh()
    assert model.rowCount() == 0
    assert past.rowCount() == 1
    assert past.data(past.index(0, 0), ItemRole.STATE) is MessageState.ACKNOWLEDGED


def test_past_messages_are_the_final_ones_newest_first() -> None:
    service, _meter, clock = make_service()
    model = PastMessagesModel(service, clock=clock)
    states = {model.data(model.index(r, 0), ItemRole.STATE) for r in range(model.rowCount())}
    assert states == {MessageState.ACKNOWLEDGED, MessageState.SUPERSEDED, MessageState.EXPIRED}
    titles = [model.data(model.index(r, 0), DISPLAY) for r in range(model.rowCount())]
    # Newest last change first: expired 2 days ago, acknowledged and superseded 3 days ago.
    assert titles == ["Message", "Power restored", "Emergency power cut"]


def test_every_message_kind_has_its_icon() -> None:
    expected = {
        "outage.planned": "outage",
        "outage.emergency": "outage",
        "outage.restored": "restored",
        "supply.restored": "restored",
        "gas.supply-disabled": "gas",
        "gas.message": "gas",
        "safety.alarm": "safety",
        "power.threshold-warning": "power",
        "supply.interrupted": "supply",
        "tariff.price": "tariff",
        "message.general": "general",
        "something.new": "general",
    }
    assert {kind: message_icon_name(kind) for kind in expected} == expected


def test_security_log_model_explains_each_refusal_and_marks_claims_unverified() -> None:
    service, _meter, _clock = make_service()
    model = SecurityLogModel(service)
    assert model.rowCount() == 5
    assert model.columnCount() == len(LogColumn)
    times = [model.event(r).at for r in range(5)]  # type: ignore[union-attr]
    assert times == sorted(times, reverse=True)
    row = model.index(0, LogColumn.REASON)
    assert model.data(row, DISPLAY) == "replay"
    assert model.data(model.index(0, LogColumn.EXPLANATION), DISPLAY) == Reason.REPLAY.explanation
    claimed = model.data(model.index(0, LogColumn.CLAIMED), DISPLAY)
    assert "unverified" in claimed
    assert "outage.planned" in claimed
    assert "counter 1041" in model.data(row, Qt.ItemDataRole.ToolTipRole)
    assert model.headerData(LogColumn.CLAIMED, Qt.Orientation.Horizontal) == (
        "Claimed sender (unverified)"
    )


def test_scan_results_model_strongest_first() -> None:
    model = ScanResultsModel()
    model.set_results(
        [
            scan_result("Far", "AA:00:00:00:00:01", -88),
            scan_result("Near", "AA:00:00:00:00:02", -41),
        ]
    )
    assert model.rowCount() == 2
    assert model.data(model.index(0, ScanColumn.NAME), DISPLAY) == "Near"
    assert model.data(model.index(0, ScanColumn.ADDRESS), DISPLAY) == "AA:00:00:00:00:02"
    assert model.data(model.index(0, ScanColumn.RSSI), DISPLAY) == "-41 dBm"
    assert "strong" in model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert model.result(1).name == "Far"  # type: ignore[union-attr]


def test_tariff_bands_model_marks_the_band_in_force() -> None:
    service, _meter, clock = make_service()
    model = TariffBandsModel(service, Fuel.ELECTRICITY, clock=clock)
    assert model.rowCount() == 4
    names = [model.data(model.index(r, 0), ItemRole.VALUE).name for r in range(4)]
    assert names == ["Off-peak", "Day", "Peak", "Day"]
    # 18:05 is in the 16:00 - 19:00 peak.
    assert model.current_row() == 2
    assert model.data(model.index(2, 0), ItemRole.CURRENT) is True
    assert model.data(model.index(2, 0), Qt.ItemDataRole.FontRole).bold()
    assert model.data(model.index(1, 0), ItemRole.CURRENT) is False
    assert model.data(model.index(2, 1), DISPLAY) == "16:00 – 19:00"
    assert model.data(model.index(3, 1), DISPLAY) == "19:00 – 00:30"
    assert model.data(model.index(2, 2), DISPLAY) == "28.6p/kWh"
    gas = TariffBandsModel(service, Fuel.GAS, clock=clock)
    assert gas.data(gas.index(0, 1), DISPLAY) == "All day"


def test_tariff_bands_model_moves_with_the_clock() -> None:
    service, _meter, _clock = make_service()
    later = DEMO_NOW + timedelta(hours=1)
    model = TariffBandsModel(service, Fuel.ELECTRICITY, clock=lambda: later)
    assert model.current_row() == 3


def test_models_of_an_empty_service_are_empty() -> None:
    service, _meter, clock = make_service(demo=False)
    assert InboxModel(service, clock=clock).rowCount() == 0
    assert PastMessagesModel(service, clock=clock).rowCount() == 0
    assert SecurityLogModel(service).rowCount() == 0
    assert TariffBandsModel(service, Fuel.GAS, clock=clock).rowCount() == 0
