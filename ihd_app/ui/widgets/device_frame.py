"""The IHD's casing around its screen, so a desktop window shows the real device's size.

With a form factor (``ihd --form-factor 480x272``) the screen is exactly that many pixels and
sits in a dark bezel: a rounded case, a brand label and a status LED on the chin below the
screen (as on the wall and kitchen-counter displays this emulates). Without one (and in kiosk
mode) the frame draws nothing and the screen fills the window.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QLinearGradient,
    QPainter,
    QPaintEvent,
    QPen,
    QRadialGradient,
    QResizeEvent,
)
from PySide6.QtWidgets import QVBoxLayout, QWidget

#: Largest size a widget may have (Qt's QWIDGETSIZE_MAX).
UNLIMITED = (1 << 24) - 1

BRAND = "SMART ENERGY DISPLAY"
#: LED colours by state.
LED_COLOURS = {"ok": "#3ddc6f", "warn": "#ffb400", "off": "#4a4f57"}


class ScreenArea(QWidget):
    """The display's screen: everything the consumer sees (navigation, screens, takeover).

    Attributes:
        resized: Its new width and height (fonts scale with the screen, not the case).
    """

    resized = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Central")
        # Paint the theme's background itself: inside the case there is no window behind it.
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit(self.width(), self.height())


class DeviceFrame(QWidget):
    """The case around :class:`ScreenArea`; draws nothing while :attr:`screen_size` is None."""

    def __init__(self, screen: ScreenArea, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DeviceFrame")
        self.area = screen
        screen.setParent(self)
        self._layout = QVBoxLayout(self)
        self._layout.setSpacing(0)
        self._layout.addWidget(screen)
        self._size: tuple[int, int] | None = None
        self._led = "off"
        self._set_margins()

    @property
    def screen_size(self) -> tuple[int, int] | None:
        """The screen's fixed size in pixels (``None``: no case, the screen fills the window)."""
        return self._size

    @property
    def led(self) -> str:
        """The status LED: ``ok`` (connected to a meter), ``warn`` (not) or ``off``."""
        return self._led

    def set_screen_size(self, size: tuple[int, int] | None) -> None:
        """Show the case around a screen of exactly ``size``, or no case (``None``)."""
        self._size = size
        if size is None:
            self.area.setMinimumSize(0, 0)
            self.area.setMaximumSize(UNLIMITED, UNLIMITED)
        else:
            self.area.setFixedSize(*size)
        self._set_margins()
        self.update()

    def set_led(self, state: str) -> None:
        """Light the LED (``ok``, ``warn`` or ``off``)."""
        if state != self._led:
            self._led = state
            self.update()

    def bezel(self) -> tuple[int, int, int]:
        """Margin around the case, the case's side width and its chin (below the screen)."""
        if self._size is None:
            return 0, 0, 0
        width, height = self._size
        side = max(14, round(min(width, height) * 0.06))
        return 10, side, side + max(16, round(height * 0.07))

    def case_rect(self) -> QRectF:
        """Where the case is drawn."""
        margin, _side, _chin = self.bezel()
        return QRectF(self.rect()).adjusted(margin, margin, -margin, -margin)

    def _set_margins(self) -> None:
        margin, side, chin = self.bezel()
        self._layout.setContentsMargins(margin + side, margin + side, margin + side, margin + chin)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._size is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#c9ced4"))  # the wall or the desk behind it
        _margin, side, chin = self.bezel()
        case = self.case_rect()
        radius = side * 1.1
        shade = QLinearGradient(case.topLeft(), case.bottomLeft())
        shade.setColorAt(0.0, QColor("#30353c"))
        shade.setColorAt(1.0, QColor("#16191d"))
        painter.setPen(QPen(QColor("#0a0c0e"), 1.5))
        painter.setBrush(shade)
        painter.drawRoundedRect(case, radius, radius)
        # A thin highlight along the top edge, as light catches a moulded case.
        painter.setPen(QPen(QColor(255, 255, 255, 40), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(case.adjusted(1.5, 1.5, -1.5, -1.5), radius - 1, radius - 1)
        # The black glass rim just around the screen.
        glass = QRectF(self.area.geometry()).adjusted(-3, -3, 3, 3)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#050607"))
        painter.drawRoundedRect(glass, 3, 3)
        # The chin: brand label and status LED, centred under the screen.
        below = glass.bottom()
        chin_rect = QRectF(case.left(), below, case.width(), case.bottom() - below)
        font = QFont(self.font())
        font.setPixelSize(max(9, round((chin - side) * 0.5)))
        font.setBold(True)
        font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 1.5)
        painter.setFont(font)
        text_width = painter.fontMetrics().horizontalAdvance(BRAND)
        led_size = max(6.0, font.pixelSize() * 0.7)
        gap = led_size * 1.6
        start = chin_rect.center().x() - (text_width + gap + led_size) / 2
        painter.setPen(QColor("#8d96a0"))
        painter.drawText(
            QRectF(start, chin_rect.top(), text_width + 2, chin_rect.height()),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            BRAND,
        )
        led = QRectF(
            start + text_width + gap, chin_rect.center().y() - led_size / 2, led_size, led_size
        )
        colour = QColor(LED_COLOURS.get(self._led, LED_COLOURS["off"]))
        glow = QRadialGradient(led.center(), led_size)
        glow.setColorAt(0.0, colour.lighter(140))
        glow.setColorAt(1.0, colour.darker(160))
        painter.setBrush(glow)
        painter.setPen(QPen(QColor("#0a0c0e"), 1))
        painter.drawEllipse(led)
        painter.end()
