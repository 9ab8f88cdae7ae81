"""The window's size and place kept in QSettings between runs (as desktop programs do),
always brought back onto a screen; ``--place`` is :mod:`ihd_app.desktop.placement`'s.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QWidget

from ihd_app.desktop.placement import PLACES, half_of, keep_on_screen, place_window, when_framed

GEOMETRY_KEY = "window/geometry"

__all__ = ["GEOMETRY_KEY", "PLACES", "half_of", "place_window", "restore_geometry", "save_geometry"]


def restore_geometry(window: QWidget, store: QSettings) -> bool:
    """Put ``window`` where it was last closed, kept on a screen; ``False`` when nothing usable
    was saved.

    Qt moves a window saved on a monitor that is gone back to one that is there, but keeps one
    that is merely mostly off the screen (saved at another size, or before the screen shrank)
    where it was: it is brought wholly onto the screen here.
    """
    saved = store.value(GEOMETRY_KEY)
    if not isinstance(saved, QByteArray | bytes) or not saved:
        return False
    if not window.restoreGeometry(QByteArray(saved)):
        return False
    when_framed(window, keep_on_screen)
    return True


def save_geometry(window: QWidget, store: QSettings) -> None:
    """Remember where ``window`` is and how big (call before it is destroyed)."""
    store.setValue(GEOMETRY_KEY, window.saveGeometry())
    store.sync()
