"""The Privacy screen on the fake service: a choice per party and purpose, the licence facts
shown as facts, the household's data-access log listed and exported."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from ihd_app.core.data_access import DataAccess
from ihd_app.protocol.consent_terms import Granularity
from ihd_app.ui.screens.privacy import ACCESS_ROWS_SHOWN, PrivacyScreen
from tests.ui.fake.demo_data import demo_data_access
from tests.ui.fakes import DEMO_NOW, make_service


def _privacy(open_window: Any) -> tuple[Any, PrivacyScreen]:
    service, _meter, clock = make_service()
    window = open_window(service, clock)
    screen = window.show_kind(PrivacyScreen)
    assert isinstance(screen, PrivacyScreen)
    return service, screen


def test_each_purpose_shows_its_choice_and_a_licence_is_a_fact_not_a_choice(
    qtbot: Any, open_window: Any
) -> None:
    service, screen = _privacy(open_window)
    assert screen.choices["dno-network-planning"].currentText() == "Daily totals"
    assert screen.status["dno-network-planning"].text().startswith("Allowed since")
    advice = screen.choices["supplier-energy-advice"]
    assert advice.currentText() == "Half-hourly"
    # A supplier's bills need monthly totals by licence: the fact is shown, and the list offers
    # nothing below it.
    billing = screen.choices["supplier-billing"]
    assert "supply licence" in screen.exemptions["supplier-billing"].text()
    assert billing.itemText(0) == "Only what the licence allows (monthly totals)"
    assert "Monthly totals" not in [billing.itemText(i) for i in range(billing.count())]
    assert "supplier-energy-advice" not in screen.exemptions

    advice.setFocus()
    qtbot.keyClick(advice, Qt.Key.Key_Up)  # one step coarser: daily totals
    qtbot.waitUntil(
        lambda: ("set_consent", "supplier", "energy-advice", Granularity.DAILY) in service.calls
    )
    qtbot.waitUntil(lambda: advice.currentText() == "Daily totals")


def test_the_data_access_log_lists_who_asked_and_what_they_got(open_window: Any) -> None:
    _service, screen = _privacy(open_window)
    newest, older = (row.text() for row in screen.access_rows[:2])
    assert "Brightwater Energy (Supplier, energy advice)" in newest
    assert newest.endswith("refused")
    assert "Northern Power Distribution (DNO, network planning)" in older
    assert older.endswith("sent daily electricity")
    assert not screen.access_rows[2].isVisible()


def test_only_the_newest_are_listed_and_the_export_has_them_all(
    qtbot: Any, open_window: Any, tmp_path: Path
) -> None:
    service, screen = _privacy(open_window)
    template = demo_data_access(DEMO_NOW)[0]
    for n in range(ACCESS_ROWS_SHOWN + 2):
        service.inject_data_access(
            DataAccess(**{**template.__dict__, "key": f"{n:032x}", "values": n})
        )
    qtbot.waitUntil(lambda: "export the list" in screen.access_intro.text())
    assert all(row.isVisible() for row in screen.access_rows)

    target = tmp_path / "who-asked.csv"
    screen.export_to(target)

    with target.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == ACCESS_ROWS_SHOWN + 2 + 2
    assert {r["outcome"] for r in rows} == {"sent", "refused"}
    assert (
        screen.export_result.text()
        == f"{len(rows)} requests saved to {tmp_path / 'who-asked.csv'}."
    )


def test_an_export_that_cannot_be_written_says_so_in_one_sentence(
    open_window: Any, tmp_path: Path
) -> None:
    _service, screen = _privacy(open_window)
    screen.export_to(tmp_path / "missing-folder" / "log.csv")
    text = screen.export_result.text()
    assert text.startswith("Could not save")
    assert text.endswith("Choose another place.")
