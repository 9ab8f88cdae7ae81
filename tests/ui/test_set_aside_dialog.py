"""The window tells, in a dialog over itself, which damaged file was set aside and where it is;
and a display that cannot start at all says why in a dialog, not only on stderr."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ihd_app.protocol.events import EventLog
from ihd_app.protocol.set_aside import SET_ASIDE_EVENT, SetAside
from ihd_app.store.database import StoreError
from ihd_app.ui.set_aside_dialog import tell_set_aside_files
from ihd_app.ui.startup_failure import tell_startup_failure


def test_a_set_aside_file_is_told_in_a_dialog_over_the_window(qtbot: Any, tmp_path: Path) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    events = EventLog()
    stop: Callable[[], None] = tell_set_aside_files(window, events.subscribe)
    damaged = SetAside(
        tmp_path / "ihd.sqlite3",
        tmp_path / "ihd.sqlite3.corrupt-20261203T170000Z",
        "SQLite says: file is not a database",
        "the display starts again with an empty database",
    )
    events.emit("link.searching")  # other events open nothing
    assert window.findChildren(QMessageBox) == []
    events.emit(SET_ASIDE_EVENT, **damaged.event_fields())
    (dialog,) = window.findChildren(QMessageBox)
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.parent() is window
    assert str(damaged.original) in dialog.text()
    assert str(damaged.kept_as) in dialog.text()
    # The bonds file found a moment later joins the same dialog.
    bonds = SetAside(
        tmp_path / "bonds.json",
        tmp_path / "bonds.json.corrupt-20261203T170000Z",
        "it is empty",
        "the display carries on with no bonds",
    )
    events.emit(SET_ASIDE_EVENT, **bonds.event_fields())
    assert window.findChildren(QMessageBox) == [dialog]
    assert dialog.text() == f"{damaged.sentence}\n\n{bonds.sentence}"
    stop()
    events.emit(SET_ASIDE_EVENT, **damaged.event_fields())
    assert len(window.findChildren(QMessageBox)) == 1  # no longer listening
    dialog.accept()


def test_a_display_that_cannot_start_says_why_in_a_dialog(
    qtbot: Any, event_loop_qt: Any, tmp_path: Path
) -> None:
    error = StoreError(f"{tmp_path}/ihd.sqlite3 has schema version 99, newer than this program's 2")
    told = asyncio.ensure_future(tell_startup_failure(error))
    qtbot.waitUntil(lambda: _dialog("startup-failure-dialog") is not None)
    dialog = _dialog("startup-failure-dialog")
    assert dialog is not None
    assert dialog.text() == f"The display cannot start: {error}"
    assert not told.done()  # the program waits for the person
    dialog.button(QMessageBox.StandardButton.Close).click()
    qtbot.waitUntil(told.done)
    assert told.result() is None


def _dialog(name: str) -> QMessageBox | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.objectName() == name and widget.isVisible():
            return widget
    return None
