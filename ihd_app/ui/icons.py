"""Icons: single-colour SVGs in ``resources/icons`` drawn in the theme's colours.

Each SVG strokes with ``currentColor``; :func:`icon` substitutes a colour and renders it, so one
file serves every theme.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from ihd_app.protocol.resources import resources_dir

#: Icon per message type (every type the display can show).
_TYPE_ICONS = {
    "outage.planned": "outage",
    "outage.emergency": "outage",
    "outage.restored": "restored",
    "supply.restored": "restored",
    "supply.interrupted": "supply",
    "gas.message": "gas",
    "gas.supply-disabled": "gas",
    "safety.alarm": "safety",
    "power.threshold-warning": "power",
    "power.threshold-cleared": "power",
    "tariff.price": "tariff",
    "message.general": "general",
    "supply.armed": "restored",
}


def message_icon_name(message_type: str) -> str:
    """The icon of a message type (``general`` for types without their own)."""
    return _TYPE_ICONS.get(message_type, "general")


@cache
def _svg(name: str) -> str:
    return (resources_dir() / "icons" / f"{name}.svg").read_text(encoding="utf-8")


@cache
def pixmap(name: str, colour: str, size: int = 64) -> QPixmap:
    """The icon ``name`` drawn in ``colour`` at ``size`` pixels."""
    renderer = QSvgRenderer(QByteArray(_svg(name).replace("currentColor", colour).encode()))
    image = QPixmap(size, size)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return image


def icon(name: str, colour: str, checked_colour: str | None = None) -> QIcon:
    """The icon ``name`` in ``colour`` (and ``checked_colour`` when its button is checked)."""
    result = QIcon(pixmap(name, colour))
    if checked_colour is not None:
        result.addPixmap(pixmap(name, checked_colour), QIcon.Mode.Normal, QIcon.State.On)
    return result
