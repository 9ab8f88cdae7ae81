"""The window step of ``ihd --self-test``: the real window on a real, never started, service."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication

from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from ihd_app.ui.capture import settle
from ihd_app.ui.main_window import MainWindow
from ihd_app.ui.qt_check import check_qt_binding
from ihd_app.ui.settings import UiSettings

#: The smallest form factor the display supports: the one most likely to show layout faults.
SELF_TEST_SIZE = (800, 480)


def paint_every_screen() -> str:
    """Open the window, paint each screen into a picture, close everything; describes it.

    The service gets a throw-away data dir and is never started, so no radio is opened and the
    user's data dir and settings are not touched.

    Raises:
        IhdError: Qt is unusable, or a screen painted nothing.
    """
    check_qt_binding()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with tempfile.TemporaryDirectory(prefix="ihd-self-test-") as data_dir:
            return str(loop.run_until_complete(_paint(Path(data_dir))))
    finally:
        loop.close()
        asyncio.set_event_loop(None)


async def _paint(data_dir: Path) -> str:
    service = IhdService(
        ServiceConfig(radio=RadioSpec.parse("virtual"), data_dir=data_dir), EventLog(None)
    )
    window = MainWindow(service, UiSettings())
    try:
        window.setFixedSize(*SELF_TEST_SIZE)
        window.show()
        painted = []
        for index, screen in enumerate(window.screens):
            window.show_screen(index)
            settle()
            picture = window.grab()
            if picture.isNull() or picture.width() < SELF_TEST_SIZE[0] // 2:
                raise IhdError(f"the {screen.label} screen painted nothing")
            painted.append(screen.label)
    finally:
        window.close()
        await window.runner.cancel_all()
        await service.close()
        window.deleteLater()
        settle()
    platform = QApplication.platformName()
    return (
        f"window opened on the {platform} platform at {SELF_TEST_SIZE[0]}x{SELF_TEST_SIZE[1]}; "
        f"{len(painted)} screens painted ({', '.join(painted)})"
    )
