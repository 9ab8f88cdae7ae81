"""``--place left|right``: the window's frame fills that half of the screen's available area.

The area is the screen without its panels and docks; the frame is the window with the title
bar and borders a window manager adds. Those are known only once the window manager has framed
the window, so the window is placed again each time its frame margins change.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMargins, QObject, QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

#: The halves of the screen ``--place`` knows.
PLACES = ("left", "right")
#: Events after which the window manager may have framed the window (frame margins known).
_FRAMING_EVENTS = (QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Show)


def frame_margins(window: QWidget) -> QMargins:
    """The title bar and borders around ``window`` (none before a window manager framed it)."""
    frame, inner = window.frameGeometry(), window.geometry()
    return QMargins(
        inner.left() - frame.left(),
        inner.top() - frame.top(),
        frame.right() - inner.right(),
        frame.bottom() - inner.bottom(),
    )


def half_of(area: QRect, side: str) -> QRect:
    """The ``left`` or ``right`` half of ``area``."""
    half = area.width() // 2
    left = area.left() if side == "left" else area.left() + area.width() - half
    return QRect(left, area.top(), half, area.height())


def _fill(window: QWidget, half: QRect) -> None:
    margins = frame_margins(window)
    window.resize(
        half.width() - margins.left() - margins.right(),
        half.height() - margins.top() - margins.bottom(),
    )
    window.move(half.topLeft())  # a window's position is its frame's


class _Replacer(QObject):
    """Fills the half again whenever the window's frame margins change."""

    def __init__(self, window: QWidget, half: QRect) -> None:
        super().__init__(window)
        self.setObjectName("windowPlacer")
        self.half = half
        self._margins = frame_margins(window)
        self._placing = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            isinstance(watched, QWidget)
            and event.type() in _FRAMING_EVENTS
            and not (watched.isFullScreen() or watched.isMaximized())
            and not self._placing
            and frame_margins(watched) != self._margins
        ):
            self._margins = frame_margins(watched)
            self._placing = True
            try:
                _fill(watched, self.half)
            finally:
                if not self._margins.isNull():
                    # Framed: done. The person moves and resizes it from now on (and a later
                    # change of frame, full screen or maximised, is theirs too).
                    watched.removeEventFilter(self)
                self._placing = False
        return False


def place_window(window: QWidget, side: str, area: QRect | None = None) -> QRect:
    """Fill the ``left`` or ``right`` half of ``area`` (default: the available area of the
    window's screen) with ``window``'s frame, now and once it is framed; returns the half."""
    if area is None:
        screen = window.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return QRect()
        area = screen.availableGeometry()
    half = half_of(area, side)
    placer = window.findChild(_Replacer, "windowPlacer")
    if placer is None:
        _Replacer(window, half)
    else:
        placer.half = half
    _fill(window, half)
    return half
