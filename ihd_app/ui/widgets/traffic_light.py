"""The ambient traffic light: three lamps, one lit for low, medium or high use."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from ihd_app.ui.ambient import AmbientLevel
from ihd_app.ui.theme import ThemeManager

_LAMPS = (
    (AmbientLevel.LOW, "light_green"),
    (AmbientLevel.MEDIUM, "light_amber"),
    (AmbientLevel.HIGH, "light_red"),
)


class TrafficLight(QWidget):
    """Three lamps side by side; the one for the present level is lit."""

    def __init__(self, theme: ThemeManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._level = AmbientLevel.UNKNOWN
        theme.changed.connect(self._restyle)
        self.setAccessibleName("Ambient indicator")
        self._restyle()

    @property
    def level(self) -> AmbientLevel:
        """The level shown."""
        return self._level

    def set_level(self, level: AmbientLevel) -> None:
        """Light the lamp of ``level``."""
        if level != self._level:
            self._level = level
            self.setAccessibleDescription(level.label)
            self.update()

    def _restyle(self) -> None:
        # Smaller lamps on a small panel leave room for the words beside them.
        self.setMinimumSize(self.sizeHint())
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        sizes = self._theme.sizes
        size = sizes.px("base" if sizes.compact else "big")
        return QSize(size * 3 + 24, size + 8)

    def paintEvent(self, event: QPaintEvent) -> None:
        palette = self._theme.palette
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        diameter = min(self.height() - 4, (self.width() - 16) / 3)
        gap = (self.width() - 3 * diameter) / 4
        top = (self.height() - diameter) / 2
        for index, (level, colour) in enumerate(_LAMPS):
            rect = QRectF(gap + index * (diameter + gap), top, diameter, diameter)
            lit = level == self._level
            fill = palette.color(colour) if lit else palette.color("light_off")
            painter.setBrush(fill)
            outline = QColor(palette.hex("fg")) if lit else palette.color("border")
            painter.setPen(QPen(outline, 3 if lit else 1))
            painter.drawEllipse(rect)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.end()
