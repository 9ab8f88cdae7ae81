"""A dial of electricity demand with the maximum power threshold marked on it."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

#: The dial's sweep: from 7 o'clock clockwise to 5 o'clock.
_START_DEG = 225.0
_SPAN_DEG = 270.0
#: The caption never shrinks below this (points): still legible on a laptop.
_SMALLEST_PT = 7.0


def _pen(colour: QColor, width: float) -> QPen:
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


class DemandGauge(QWidget):
    """Shows demand in kW on a 0..``full_scale_kw`` dial; red beyond the threshold.

    The full scale grows with demand and threshold (always a whole number of kW above both), so
    the needle never pins.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._demand_kw = 0.0
        self._threshold_kw: float | None = None
        self._supply_on = True
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Electricity demand")

    def sizeHint(self) -> QSize:
        return QSize(240, 200)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 140)

    @property
    def full_scale_kw(self) -> float:
        """The dial's maximum."""
        top = max(self._demand_kw, self._threshold_kw or 0.0, 8.0)
        return float(math.ceil(top * 1.25 / 2) * 2)

    def set_values(self, demand_kw: float, threshold_kw: float | None, supply_on: bool) -> None:
        """Show a new demand (and threshold, and whether the supply is on)."""
        self._demand_kw = demand_kw
        self._threshold_kw = threshold_kw
        self._supply_on = supply_on
        threshold = "no threshold" if threshold_kw is None else f"threshold {threshold_kw:.1f} kW"
        self.setAccessibleDescription(f"{demand_kw:.2f} kW, {threshold}")
        self.update()

    def _angle(self, kw: float) -> float:
        fraction = min(max(kw / self.full_scale_kw, 0.0), 1.0)
        return _START_DEG - fraction * _SPAN_DEG

    def _dial(self) -> tuple[QRectF, float]:
        """The dial's square and the thickness of its arc, for the widget's size now."""
        # The dial's lowest points are its two ends, 0.71 of the radius below the centre.
        side = max(40.0, min(self.width() - 16.0, 2 * (self.height() - 16.0) / 1.71))
        return QRectF((self.width() - side) / 2, 8, side, side), max(8.0, side / 14)

    def caption_parts(self) -> list[str]:
        """What the caption under the value says: the unit or the supply's state, the limit."""
        caption = "kW" if self._supply_on else "supply interrupted"
        if self._supply_on and self._demand_kw < 0:
            caption = "kW exported"
        if self._threshold_kw is None:
            return [caption]
        return [caption, f"limit {self._threshold_kw:.1f} kW"]

    def caption_layout(self) -> tuple[QFont, list[tuple[str, QRectF]]]:
        """The caption's font and its lines with their boxes, inside the ring.

        One line when it fits between the ring's sides, else a line per part; the font shrinks
        (to no less than :data:`_SMALLEST_PT`) until the widest line fits.
        """
        rect, thickness = self._dial()
        side = rect.width()
        centre = rect.center()
        top = centre.y() + side / 12
        # The inside of the ring, a little below the centre, less a margin either side.
        width = side - 2 * thickness - side / 8
        font = QFont(self.font())
        font.setPointSizeF(max(8.0, side / 20))
        parts = self.caption_parts()
        lines = ["  ·  ".join(parts)]
        while True:
            metrics = QFontMetricsF(font)
            if metrics.horizontalAdvance(lines[0]) > width and len(lines) < len(parts):
                lines = parts
            widest = max(metrics.horizontalAdvance(line) for line in lines)
            if widest <= width or font.pointSizeF() <= _SMALLEST_PT:
                break
            font.setPointSizeF(max(_SMALLEST_PT, font.pointSizeF() * 0.9))
        height = QFontMetricsF(font).height()
        left = centre.x() - width / 2
        return font, [
            (line, QRectF(left, top + number * height, width, height))
            for number, line in enumerate(lines)
        ]

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        rect, thickness = self._dial()
        side = rect.width()
        track = _pen(palette.mid().color(), thickness)
        painter.setPen(track)
        painter.drawArc(rect, int(_START_DEG * 16), int(-_SPAN_DEG * 16))
        over = self._threshold_kw is not None and self._demand_kw > self._threshold_kw
        colour = QColor("#b3261e") if over else QColor("#1b7f3b")
        if not self._supply_on:
            colour = palette.mid().color()
        painter.setPen(_pen(colour, thickness))
        sweep = self._angle(self._demand_kw) - _START_DEG
        painter.drawArc(rect, int(_START_DEG * 16), int(sweep * 16))
        centre = rect.center()
        radius = side / 2
        if self._threshold_kw is not None:
            angle = math.radians(self._angle(self._threshold_kw))
            inner = radius - thickness
            outer = radius + thickness / 2
            painter.setPen(QPen(QColor("#a15c00"), 3))
            painter.drawLine(
                QPointF(centre.x() + inner * math.cos(angle), centre.y() - inner * math.sin(angle)),
                QPointF(centre.x() + outer * math.cos(angle), centre.y() - outer * math.sin(angle)),
            )
        painter.setPen(palette.text().color())
        font = QFont(self.font())
        font.setPointSizeF(max(12.0, side / 8))
        font.setBold(True)
        painter.setFont(font)
        value = f"{abs(self._demand_kw):.2f}" if self._supply_on else "OFF"
        painter.drawText(
            QRectF(rect.left(), centre.y() - side / 6, side, side / 4),
            Qt.AlignmentFlag.AlignCenter,
            value,
        )
        small, lines = self.caption_layout()
        painter.setFont(small)
        for line, box in lines:
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, line)
        end_y = centre.y() + 0.5 * radius
        label_w = radius * 0.5
        painter.drawText(
            QRectF(centre.x() - 0.71 * radius + thickness, end_y, label_w, radius * 0.2),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            "0",
        )
        painter.drawText(
            QRectF(centre.x() + 0.71 * radius - thickness - label_w, end_y, label_w, radius * 0.2),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            f"{self.full_scale_kw:g}",
        )
        painter.end()
