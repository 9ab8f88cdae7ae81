"""Windows stay on the screen, with the window manager's frame counted: ``--place`` fills a half
of the available area with the frame, a remembered place off the screen comes back on it, and
a dialog follows the display's window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from ihd_app.desktop.placement import place_window as place_meter_window
from ihd_app.service.api import PairingQuestion, PairingRequest
from ihd_app.ui.dialogs.pairing import CompareDialog
from ihd_app.ui.window_state import GEOMETRY_KEY, place_window, restore_geometry
from tests.ui.fakes import make_service


def _screen() -> QRect:
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    return screen.availableGeometry()


def _saved_at(tmp_path: Path, rect: QRect, fixed: bool) -> QSettings:
    """A settings file holding the geometry of a window last closed at ``rect``."""
    window = QWidget()
    if fixed:
        window.setFixedSize(rect.size())
    window.setGeometry(rect)
    store = QSettings(str(tmp_path / "ihd.ini"), QSettings.Format.IniFormat)
    store.setValue(GEOMETRY_KEY, window.saveGeometry())
    store.sync()
    window.deleteLater()
    return store


def test_a_remembered_place_mostly_off_the_screen_comes_back_on_it(
    qtbot: Any, tmp_path: Path
) -> None:
    area = _screen()
    # The display in its case, last closed with most of it beyond the screen's bottom right.
    saved = QRect(area.right() - 150, area.bottom() - 100, 640, 400)
    store = _saved_at(tmp_path, saved, fixed=True)
    window = QWidget()
    qtbot.addWidget(window)
    window.setFixedSize(640, 400)
    assert restore_geometry(window, store)
    window.show()
    qtbot.waitExposed(window)
    assert area.contains(window.frameGeometry()), (window.frameGeometry(), area)


def test_a_remembered_size_larger_than_the_screen_is_shrunk_onto_it(
    qtbot: Any, tmp_path: Path
) -> None:
    area = _screen()
    saved = QRect(area.left() + 100, area.top() + 50, area.width() + 400, area.height() + 300)
    store = _saved_at(tmp_path, saved, fixed=False)
    window = QWidget()
    qtbot.addWidget(window)
    assert restore_geometry(window, store)
    window.show()
    qtbot.waitExposed(window)
    assert area.contains(window.frameGeometry()), (window.frameGeometry(), area)


def test_place_counts_the_frame_the_window_manager_adds_once_shown(qtbot: Any) -> None:
    area = QRect(0, 32, 1920, 1048)  # a 1920x1080 screen under a 32 px panel
    for place in (place_window, place_meter_window):
        window = QWidget()
        qtbot.addWidget(window)
        half = place(window, "right", area)
        assert half == QRect(960, 32, 960, 1048)
        # Placed before it is shown, as both programs do: the frame is not known yet.
        window.show()
        qtbot.waitExposed(window)
        frame, inside = window.frameGeometry(), window.geometry()
        assert frame != inside, "the platform adds no frame: nothing to test"
        qtbot.waitUntil(lambda w=window, h=half: w.frameGeometry() == h)


def test_the_pairing_question_follows_the_display_window(qtbot: Any, open_window: Any) -> None:
    service, meter, clock = make_service(paired=False, exclude=["a1f3c9e2"])
    window = open_window(service, clock)
    window.move(40, 30)
    meter.ask_pairing(PairingRequest(PairingQuestion.COMPARE, 123456))
    qtbot.waitUntil(lambda: isinstance(window.pairing, CompareDialog))
    dialog = window.pairing
    qtbot.waitExposed(dialog)
    assert dialog.parentWidget() is window

    def centred() -> bool:
        offset = dialog.frameGeometry().center() - window.frameGeometry().center()
        return abs(offset.x()) <= 2 and abs(offset.y()) <= 2

    qtbot.waitUntil(centred)
    window.move(window.pos() + QPoint(120, 60))
    qtbot.waitUntil(centred)
    dialog.answer(False)


@pytest.mark.parametrize("place", [place_window, place_meter_window])
def test_once_placed_the_window_is_the_persons(qtbot: Any, place: Any) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    half = place(window, "right", _screen())
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.frameGeometry() == half)
    window.setGeometry(60, 50, 400, 300)  # the person moves and resizes it
    window.showFullScreen()  # Settings → Full screen (kiosk), or the window manager's key
    qtbot.waitUntil(window.isFullScreen)
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    qtbot.waitUntil(lambda: window.geometry() == screen.geometry())
    window.showNormal()
    qtbot.waitUntil(lambda: not window.isFullScreen())
    # Back where the person had it, not placed in the half again (the frame came back).
    qtbot.waitUntil(lambda: window.geometry() == QRect(60, 50, 400, 300))
    assert window.frameGeometry() != half
