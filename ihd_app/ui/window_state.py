"""The window's size and place: kept in QSettings between runs (as desktop programs do), or
given on the command line (``ihd --place right``)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

GEOMETRY_KEY = "window/geometry"
#: The halves of the screen ``ihd --place`` knows.
PLACES = ("left", "right")


def restore_geometry(window: QWidget, store: QSettings) -> bool:
    """Put ``window`` where it was last closed; ``False`` when nothing usable was saved.

    Qt checks the saved geometry against today's screens, so a window saved on a monitor that
    is gone comes back on one that is there.
    """
    saved = store.value(GEOMETRY_KEY)
    if not isinstance(saved, QByteArray | bytes) or not saved:
        return False
    return bool(window.restoreGeometry(QByteArray(saved)))


def save_geometry(window: QWidget, store: QSettings) -> None:
    """Remember where ``window`` is and how big (call before it is destroyed)."""
    store.setValue(GEOMETRY_KEY, window.saveGeometry())
    store.sync()


def half_of(area: QRect, side: str) -> QRect:
    """The ``left`` or ``right`` half of ``area``."""
    half = area.width() // 2
    left = area.left() if side == "left" else area.left() + area.width() - half
    return QRect(left, area.top(), half, area.height())


def place_window(window: QWidget, side: str, area: QRect | None = None) -> QRect:
    """Put ``window`` in the ``left`` or ``right`` half of ``area`` (default: the primary
    screen's available area) and return that half.

    A resizable window fills the half; a fixed-size one (the device in its case, with a form
    factor) is centred in it, kept on the screen if it is wider than the half.
    """
    if area is None:
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            return QRect()
        area = screen.availableGeometry()
    half = half_of(area, side)
    if window.minimumSize() == window.maximumSize():
        frame = window.frameGeometry()
        # The title bar and borders the window manager adds (none before the window is shown).
        width = frame.width() if window.isVisible() else window.width()
        height = frame.height() if window.isVisible() else window.height()
        x = half.left() + (half.width() - width) // 2
        y = half.top() + (half.height() - height) // 2
        x = max(area.left(), min(x, area.left() + area.width() - width))
        y = max(area.top(), min(y, area.top() + area.height() - height))
        window.move(x, y)
    else:
        extra_w = window.frameGeometry().width() - window.width() if window.isVisible() else 0
        extra_h = window.frameGeometry().height() - window.height() if window.isVisible() else 0
        window.resize(half.width() - extra_w, half.height() - extra_h)
        window.move(half.topLeft())
    return half
