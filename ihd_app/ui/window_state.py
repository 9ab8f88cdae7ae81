"""The window's size and place, kept in QSettings between runs (as desktop programs do)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QWidget

GEOMETRY_KEY = "window/geometry"


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
