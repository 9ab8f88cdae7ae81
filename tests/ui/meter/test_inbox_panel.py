"""The emulator window's operator inbox with a real meter: the meter's alerts arrive verified,
a forged one is refused with its reason, an unreceipted message is flagged, and at 1280x720 no
word is cut. ``METER_INBOX_PICTURE=FILE`` also saves the picture (docs/screenshots)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import cbor2
from PySide6.QtCore import Qt

from ihd_app.protocol.alerts import MeterAlert, Severity, sign_alert
from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.zcl import Importance
from tests.ui.clipping import clipped_text
from tests.ui.meter.conftest import MeterDesk


def test_the_inbox_shows_each_operators_alerts_verified_and_refusals_with_reasons(
    qtbot: Any, desk: MeterDesk, tmp_path: Path
) -> None:
    window, meter = desk.window, desk.meter
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: window.width() == 1280)
    behaviour = meter.behaviour
    behaviour.start_outage()
    behaviour.end_outage()
    behaviour.safety_alarm("The meter case was opened.")
    # A forgery: the meter's alert with the summary changed after signing.
    alert = MeterAlert(
        "outage", None, Severity.CRITICAL, meter.wall_now(), "Power lost (not really)."
    )
    genuine = sign_alert(
        meter.identity,
        meter.identity_of("dno").entity_id,
        alert,
        counter=meter.next_counter(meter.identity),
        issued_at=meter.wall_now(),
    )
    item = cbor2.loads(genuine)
    item.value[3] = bytes(64)
    meter.inbox.receive("dno", cbor2.dumps(item))
    # No display listens: the DNO's notice waits, unreceipted. It was sent six minutes ago.
    record = meter.operator.send(
        "dno",
        MessageRequest(
            "outage.planned",
            text="Planned power cut Tue 10:00-14:00",
            importance=Importance.HIGH,
            confirmation_required=True,
        ),
    )
    record.created_at -= timedelta(minutes=6)
    meter.inbox.check_overdue()

    window.show_console(window.inbox)
    panel = window.inbox
    qtbot.waitUntil(lambda: panel.model.rowCount() == 6)
    severities = [panel.model.cell(r, 2) for r in range(6)]
    assert sorted(severities) == sorted(
        ["critical", "info", "critical", "warning", "refused", "overdue"]
    )
    assert panel.counts.text() == "4 verified · 1 refused · 1 overdue"
    refused = next(r for r in range(6) if panel.model.cell(r, 2) == "refused")
    assert panel.model.cell(refused, 4).startswith("refused: bad-signature")
    overdue = next(r for r in range(6) if panel.model.cell(r, 2) == "overdue")
    assert panel.model.cell(overdue, 5).endswith("no receipt in 5 min: use another route.")
    assert panel.model.index(overdue, 4).data(Qt.ItemDataRole.ForegroundRole) is None
    panel.role.setCurrentIndex(panel.role.findData("supplier"))
    assert [panel.model.cell(r, 3) for r in range(panel.model.rowCount())] == [
        "Tamper detected · 0x8F3F"
    ]
    panel.role.setCurrentIndex(0)
    # Grabbing lays the window out and paints it: the table's rows wrap to its width first.
    image = window.grab()
    assert clipped_text(window) == []
    picture = Path(os.environ.get("METER_INBOX_PICTURE", tmp_path / "inbox.png"))
    assert image.save(str(picture), "PNG")
