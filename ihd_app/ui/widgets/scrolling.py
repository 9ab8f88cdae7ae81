"""A page that scrolls up and down when a small panel (480x272) cannot hold it all."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget


def vertical_scroll(parent: QWidget, name: str) -> tuple[QScrollArea, QWidget]:
    """A frameless area named ``name`` that scrolls only vertically, and the widget to lay the
    page out in (put in the area with ``setWidget`` once laid out).

    Never sideways: a line wider than the screen wraps instead. The area takes no focus, so Tab
    goes from control to control as if it were not there.
    """
    scroll = QScrollArea(parent)
    scroll.setObjectName(name)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return scroll, QWidget(scroll)
