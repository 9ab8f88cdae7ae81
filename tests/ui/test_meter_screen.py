"""The Meter screen: link and security, backfill progress, Forget with confirmation."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from ihd_app.link.meter_link import LinkState
from ihd_app.service.api import BackfillProgress
from ihd_app.ui.dialogs.confirm import ConfirmDialog
from ihd_app.ui.screens.meter import MeterScreen
from tests.ui.fakes import make_service

LEFT = Qt.MouseButton.LeftButton


def _meter_screen(qtbot: Any, open_window: Any) -> tuple[Any, Any, MeterScreen]:
    service, meter, clock = make_service(exclude=["a1f3c9e2"])
    window = open_window(service, clock)
    screen = window.show_kind(MeterScreen)
    assert isinstance(screen, MeterScreen)
    return service, meter, screen


def test_shows_the_bonded_meter_and_its_security(qtbot: Any, open_window: Any) -> None:
    _service, _meter, screen = _meter_screen(qtbot, open_window)
    assert screen.badge.kind == "ok"
    assert "LE Secure Connections" in screen.badge.text()
    assert screen.fields["Address"].text() == "F4:12:FA:6C:01:9E"
    assert "authenticated" in screen.fields["Security"].text()
    assert "128-bit key" in screen.fields["Security"].text()
    assert screen.forget_button.isEnabled()


def test_forget_asks_first_and_cancel_keeps_the_meter(qtbot: Any, open_window: Any) -> None:
    service, _meter, screen = _meter_screen(qtbot, open_window)
    qtbot.mouseClick(screen.forget_button, LEFT)
    dialog = screen.confirm
    assert isinstance(dialog, ConfirmDialog)
    qtbot.waitUntil(dialog.isVisible)
    assert service.called("forget_meter") == []
    qtbot.mouseClick(dialog.cancel_button, LEFT)
    assert not dialog.isVisible()
    assert service.called("forget_meter") == []
    assert service.paired_meter is not None


def test_forget_confirmed_forgets(qtbot: Any, open_window: Any) -> None:
    service, _meter, screen = _meter_screen(qtbot, open_window)
    qtbot.mouseClick(screen.forget_button, LEFT)
    dialog = screen.confirm
    assert isinstance(dialog, ConfirmDialog)
    qtbot.waitUntil(dialog.isVisible)
    qtbot.mouseClick(dialog.confirm_button, LEFT)
    qtbot.waitUntil(lambda: service.paired_meter is None)
    assert service.called("forget_meter") == [()]
    qtbot.waitUntil(lambda: screen.badge.kind == "bad")
    assert "Not connected" in screen.badge.text()
    assert screen.fields["Meter"].text() == "None paired"
    assert not screen.forget_button.isEnabled()


def test_backfill_progress_bar_follows_the_service(qtbot: Any, open_window: Any) -> None:
    _service, meter, screen = _meter_screen(qtbot, open_window)
    meter.set_backfill(BackfillProgress(4_750, 19_000, True))
    qtbot.waitUntil(lambda: screen.backfill.value() == 4_750)
    assert screen.backfill.maximum() == 19_000
    assert "4,750 of 19,000" in screen.backfill_label.text()


def test_link_loss_turns_the_badge_amber(qtbot: Any, open_window: Any) -> None:
    _service, meter, screen = _meter_screen(qtbot, open_window)
    meter.set_link(LinkState.RECONNECTING)
    qtbot.waitUntil(lambda: screen.badge.kind == "warn")
    assert "reconnecting" in screen.badge.text()
