"""Desktop conventions of the window: geometry kept in QSettings, an error dialog on a crash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from ihd_app.ui.crash import CrashReporter
from ihd_app.ui.window_state import GEOMETRY_KEY, restore_geometry, save_geometry
from tests.e2e.programs import free_port

BIN = Path(sys.executable).parent


def _store(tmp_path: Path) -> QSettings:
    # An INI file of the test's own: the user's settings are never read or written.
    return QSettings(str(tmp_path / "ihd.ini"), QSettings.Format.IniFormat)


def test_geometry_is_saved_and_restored(qtbot: Any, tmp_path: Path) -> None:
    first = QWidget()
    qtbot.addWidget(first)
    first.setGeometry(40, 50, 640, 420)
    first.show()
    qtbot.waitExposed(first)
    save_geometry(first, _store(tmp_path))
    first.close()
    second = QWidget()
    qtbot.addWidget(second)
    assert restore_geometry(second, _store(tmp_path))
    assert (second.width(), second.height()) == (640, 420)
    assert (second.geometry().x(), second.geometry().y()) == (40, 50)


def test_nothing_saved_or_garbage_leaves_the_window_alone(qtbot: Any, tmp_path: Path) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.resize(300, 200)
    assert not restore_geometry(window, _store(tmp_path))
    store = _store(tmp_path)
    store.setValue(GEOMETRY_KEY, "not a geometry")
    assert not restore_geometry(window, store)
    assert (window.width(), window.height()) == (300, 200)


def test_ihd_window_remembers_its_geometry_and_logs_to_its_log_dir(tmp_path: Path) -> None:
    config_home = tmp_path / "config"
    # The saved geometry of an earlier run, where Qt's own settings file for ihd lives.
    store = QSettings(str(config_home / "ihd-emulator" / "ihd.conf"), QSettings.Format.NativeFormat)
    window = QWidget()
    window.setGeometry(30, 40, 700, 500)
    store.setValue(GEOMETRY_KEY, window.saveGeometry())
    store.sync()
    window.deleteLater()
    result = subprocess.run(
        [
            str(BIN / "ihd"),
            # Nothing listens there: the window runs, the link keeps looking.
            "--radio",
            f"virtual:{free_port()}",
            "--data-dir",
            str(tmp_path / "data"),
            "--log-dir",
            str(tmp_path / "logs"),
            "--form-factor",
            "640x400",
            "--exit-after",
            "1.0",
        ],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(config_home)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    saved = QSettings(str(config_home / "ihd-emulator" / "ihd.conf"), QSettings.Format.NativeFormat)
    restored = QWidget()
    assert restore_geometry(restored, saved)
    # Restored where it was (the position), saved as it was at the end (the fixed size: the
    # 640x400 screen in the device's case).
    assert (restored.geometry().x(), restored.geometry().y()) == (30, 40)
    assert restored.width() > 640
    assert restored.height() > 400
    restored.deleteLater()
    assert "INFO ihd_app.cli.main: ihd " in (tmp_path / "logs" / "ihd.log").read_text()
    # The lock went with the program: the data dir is free for the next display.
    from ihd_app.cli.instance_lock import DataDirLock  # noqa: PLC0415

    with DataDirLock(tmp_path / "data"):
        pass


class _Crashing(QPushButton):
    """A button whose slot fails, as a bug in a screen would."""

    def __init__(self) -> None:
        super().__init__("crash")
        self.clicked.connect(self.fail)

    def fail(self) -> None:
        raise RuntimeError("the tariff had no rates")


@pytest.mark.qt_no_exception_capture
def test_exception_in_a_slot_is_logged_and_shown_once(
    qtbot: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log_path = tmp_path / "ihd.log"
    reporter = CrashReporter(log_path)
    button = _Crashing()
    qtbot.addWidget(button)
    reporter.install()
    try:
        assert sys.excepthook is reporter
        button.click()
        dialog = reporter.dialog
        assert dialog is not None, "no dialog"
        qtbot.waitExposed(dialog)
        text = dialog.text()
        # A second failure while the dialog is open is logged, never a second dialog.
        reporter(ValueError, ValueError("again"), None)
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
        assert [d for d in dialogs if d.isVisible()] == [dialog]
        # The person answers it.
        dialog.button(QMessageBox.StandardButton.Ok).click()
        assert reporter.dialog is None
        # Answered, the next failure gets a dialog of its own again.
        button.click()
        again = reporter.dialog
        assert again is not None
        assert again is not dialog
        again.button(QMessageBox.StandardButton.Ok).click()
    finally:
        reporter.uninstall()
    assert sys.excepthook is not reporter
    assert "Something went wrong inside the display (RuntimeError: the tariff had no rates)" in text
    assert str(log_path) in text
    crashes = [r for r in caplog.records if r.name == "ihd_app.ui.crash"]
    assert [r.exc_info[0] for r in crashes if r.exc_info] == [
        RuntimeError,
        ValueError,
        RuntimeError,
    ]
    assert "the tariff had no rates" in caplog.text


def test_keyboard_interrupt_goes_to_the_previous_hook(qtbot: Any) -> None:
    calls: list[type[BaseException]] = []
    previous = sys.excepthook
    sys.excepthook = lambda kind, error, tb: calls.append(kind)
    reporter = CrashReporter(None)
    try:
        reporter.install()
        reporter(KeyboardInterrupt, KeyboardInterrupt(), None)
        reporter.uninstall()
    finally:
        sys.excepthook = previous
    assert calls == [KeyboardInterrupt]
    assert reporter.dialog is None
    assert "No log file is kept" in reporter.message(RuntimeError("x"))
