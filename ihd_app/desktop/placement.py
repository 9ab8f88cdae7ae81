"""Where a window goes on the screen: ``--place left|right`` (or a quarter: ``right-top``,
``right-bottom``, ..., for two displays beside the meter emulator) and kept wholly on a screen.

Sizes and places are of the window's frame (title bar and borders included), inside the
screen's available area (without panels and docks): a window manager's decorations are only
known once it has framed the window, so a placed window is placed again then, and after that
it is the person's to move.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QMargins, QObject, QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

#: The halves of the screen ``--place`` knows, and the top and bottom of each.
PLACES = ("left", "right", "left-top", "left-bottom", "right-top", "right-bottom")
#: Events after which the window manager may have framed the window (frame margins known).
_FRAMING_EVENTS = (QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Show)


def half_of(area: QRect, side: str) -> QRect:
    """The ``left`` or ``right`` half of ``area``, or the top or bottom of it
    (``right-bottom``)."""
    horizontal, _, vertical = side.partition("-")
    half = area.width() // 2
    left = area.left() if horizontal == "left" else area.left() + area.width() - half
    if not vertical:
        return QRect(left, area.top(), half, area.height())
    tall = area.height() // 2
    top = area.top() if vertical == "top" else area.top() + area.height() - tall
    return QRect(left, top, half, tall)


def frame_margins(window: QWidget) -> QMargins:
    """The title bar and borders the window manager adds (none before it framed the window)."""
    frame, inner = window.frameGeometry(), window.geometry()
    return QMargins(
        inner.left() - frame.left(),
        inner.top() - frame.top(),
        frame.right() - inner.right(),
        frame.bottom() - inner.bottom(),
    )


def available_area(window: QWidget) -> QRect:
    """The available area (without panels) of the screen most of ``window`` is on."""
    screen = QGuiApplication.screenAt(window.frameGeometry().center()) or window.screen()
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect()


def keep_on_screen(window: QWidget, area: QRect | None = None) -> QRect:
    """Move ``window`` (shrunk first if it is resizable and larger) so that its whole frame is in
    ``area`` (default: the available area of the screen it is mostly on); returns the frame."""
    area = area if area is not None else available_area(window)
    if area.isEmpty():
        return window.frameGeometry()
    margins = frame_margins(window)
    frame = window.frameGeometry()
    if window.minimumSize() != window.maximumSize():
        width = min(frame.width(), area.width())
        height = min(frame.height(), area.height())
        if (width, height) != (frame.width(), frame.height()):
            window.resize(
                max(width - margins.left() - margins.right(), window.minimumWidth()),
                max(height - margins.top() - margins.bottom(), window.minimumHeight()),
            )
            frame = window.frameGeometry()
    x = max(area.left(), min(frame.left(), area.right() + 1 - frame.width()))
    y = max(area.top(), min(frame.top(), area.bottom() + 1 - frame.height()))
    if (x, y) != (frame.left(), frame.top()):
        window.move(x, y)  # a window's position is its frame's
    return window.frameGeometry()


def _place(window: QWidget, side: str, area: QRect) -> None:
    half = half_of(area, side)
    margins = frame_margins(window)
    if window.minimumSize() == window.maximumSize():
        # A fixed-size device in its case: centred in the half, kept on the screen.
        frame = window.frameGeometry()
        x = half.left() + (half.width() - frame.width()) // 2
        y = half.top() + (half.height() - frame.height()) // 2
        x = max(area.left(), min(x, area.left() + area.width() - frame.width()))
        y = max(area.top(), min(y, area.top() + area.height() - frame.height()))
        window.move(x, y)
    else:
        window.resize(
            half.width() - margins.left() - margins.right(),
            half.height() - margins.top() - margins.bottom(),
        )
        window.move(half.topLeft())


class _Reframed(QObject):
    """Does ``action`` to the window again each time its frame margins change (the window
    manager framed it, or changed its decorations): placed or kept on the screen by its frame,
    not by its inside."""

    def __init__(self, window: QWidget, action: Callable[[QWidget], object]) -> None:
        super().__init__(window)
        self.setObjectName("windowReframed")
        self.action = action
        self._margins = frame_margins(window)
        self._acting = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            isinstance(watched, QWidget)
            and event.type() in _FRAMING_EVENTS
            and not (watched.isFullScreen() or watched.isMaximized())
            and not self._acting
            and frame_margins(watched) != self._margins
        ):
            self._margins = frame_margins(watched)
            self._acting = True
            try:
                self.action(watched)
            finally:
                if not self._margins.isNull():
                    # Framed: done. The person moves and resizes it from now on (and a later
                    # change of frame, full screen or maximised, is theirs too).
                    watched.removeEventFilter(self)
                self._acting = False
        return False


def when_framed(window: QWidget, action: Callable[[QWidget], object]) -> None:
    """Do ``action`` now, and again whenever the window's frame changes."""
    watcher = window.findChild(_Reframed, "windowReframed")
    if watcher is None:
        _Reframed(window, action)
    else:
        watcher.action = action
    action(window)


def place_window(window: QWidget, side: str, area: QRect | None = None) -> QRect:
    """Put ``window``'s frame in the ``left`` or ``right`` half of ``area`` (default: the
    available area of the window's screen, without panels) and return that half.

    A resizable window fills the half; a fixed-size one (the device in its case, with a form
    factor) is centred in it, kept on the screen if it is wider than the half. Once the window
    manager frames the window (decorations are not known before), it is placed again.
    """
    if area is None:
        screen = window.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return QRect()
        area = screen.availableGeometry()
    chosen = area
    when_framed(window, lambda framed: _place(framed, side, chosen))
    return half_of(area, side)
