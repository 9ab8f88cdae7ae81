"""Qt's messages without the offscreen platform's noise.

The offscreen platform (automation, screenshots) warns "This plugin does not support
propagateSizeHints()" each time a window's size limits change: nothing is wrong, and nine such
lines bury the lines that matter. Only that message is dropped, only offscreen.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QMessageLogContext, QtMsgType, qFormatLogMessage, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication

#: Messages of the offscreen platform that say nothing about the program.
OFFSCREEN_NOISE = frozenset({"This plugin does not support propagateSizeHints()"})


def quiet_offscreen_warnings(app: QGuiApplication) -> None:
    """On the offscreen platform, drop :data:`OFFSCREEN_NOISE`; every other message goes where
    it went before."""
    if app.platformName() != "offscreen":
        return

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if message in OFFSCREEN_NOISE:
            return
        if previous is not None:
            previous(kind, context, message)
        else:
            print(qFormatLogMessage(kind, context, message), file=sys.stderr)

    previous = qInstallMessageHandler(handler)
