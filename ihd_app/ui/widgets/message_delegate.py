"""Draws one inbox row: type icon, title, sender, importance pill and time.

Three lines, so the title has the row's whole width even on an 800x480 panel (where the list is
about 270 px wide): the title, then the verified sender, then the importance pill and the time.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ihd_app.core.model import Importance
from ihd_app.ui.icons import pixmap
from ihd_app.ui.models.roles import ItemRole
from ihd_app.ui.theme import ThemeManager

_IMPORTANCE_COLOURS = {
    Importance.CRITICAL: "critical",
    Importance.HIGH: "high",
    Importance.MEDIUM: "medium",
    Importance.LOW: "muted",
}
#: Row height in multiples of the base font size.
ROW_HEIGHT = 4.9
#: The narrowest a row asks to be (pixels).
MIN_ROW_WIDTH = 100


def importance_of(value: object) -> Importance | None:
    """The importance in a model's data (Qt hands a ``StrEnum`` back as a plain string)."""
    try:
        return Importance(str(value))
    except ValueError:
        return None


class MessageDelegate(QStyledItemDelegate):
    """Three lines per message with an icon coloured by importance."""

    def __init__(self, theme: ThemeManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        # Narrow: the list gives each row its whole width, and a row wider than a small
        # panel's list would be cut at its edge (mid-word) rather than shortened with "…".
        return QSize(MIN_ROW_WIDTH, round(self._theme.sizes.base * ROW_HEIGHT))

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        palette = self._theme.palette
        sizes = self._theme.sizes
        rect: QRect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected:
            painter.fillRect(rect, palette.color("selection"))
        importance = importance_of(index.data(ItemRole.IMPORTANCE))
        colour = palette.hex(
            _IMPORTANCE_COLOURS.get(importance, "muted") if importance else "muted"
        )
        # Importance stripe on the left edge.
        painter.fillRect(QRect(rect.left(), rect.top() + 4, 5, rect.height() - 8), QColor(colour))
        icon_size = round(sizes.base * 1.8)
        icon_colour = palette.hex("on_selection") if selected else colour
        image = pixmap(str(index.data(ItemRole.ICON_NAME)), icon_colour, 64)
        icon_rect = QRect(
            rect.left() + 12, rect.top() + (rect.height() - icon_size) // 2, icon_size, icon_size
        )
        painter.drawPixmap(icon_rect, image)
        left = icon_rect.right() + 10
        width = rect.right() - 8 - left
        text_colour = palette.color("on_selection") if selected else palette.color("fg")
        muted = palette.color("on_selection") if selected else palette.color("muted")
        line = (rect.height() - 8) // 3
        top = rect.top() + 4

        title_font = QFont(painter.font())
        title_font.setPixelSize(sizes.base)
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(text_colour)
        title = painter.fontMetrics().elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole)), Qt.TextElideMode.ElideRight, width
        )
        painter.drawText(QRect(left, top, width, line), Qt.AlignmentFlag.AlignVCenter, title)

        small = QFont(title_font)
        small.setBold(False)
        small.setPixelSize(sizes.px("small"))
        painter.setFont(small)
        painter.setPen(muted)
        sender = painter.fontMetrics().elidedText(
            str(index.data(ItemRole.SENDER) or ""), Qt.TextElideMode.ElideRight, width
        )
        painter.drawText(
            QRect(left, top + line, width, line), Qt.AlignmentFlag.AlignVCenter, sender
        )

        pill_right = left
        if importance is not None:
            pill_font = QFont(title_font)
            pill_font.setPixelSize(sizes.px("tiny"))
            painter.setFont(pill_font)
            pill_text = importance.value.upper()
            metrics = painter.fontMetrics()
            pill_height = min(line, metrics.height() + 4)
            pill = QRect(
                left,
                top + 2 * line + (line - pill_height) // 2,
                metrics.horizontalAdvance(pill_text) + 14,
                pill_height,
            )
            low = importance is Importance.LOW
            # As the stylesheet's pills: a low pill is quiet (and outlined, to stay visible).
            painter.setPen(QPen(palette.color("border")) if low else Qt.PenStyle.NoPen)
            painter.setBrush(palette.color("low") if low else QColor(colour))
            painter.drawRoundedRect(pill, 6, 6)
            painter.setPen(palette.color("fg") if low else QColor("#ffffff"))
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, pill_text)
            pill_right = pill.right() + 10
        painter.setFont(small)
        painter.setPen(muted)
        when = painter.fontMetrics().elidedText(
            str(index.data(ItemRole.WHEN) or ""),
            Qt.TextElideMode.ElideRight,
            rect.right() - 8 - pill_right,
        )
        painter.drawText(
            QRect(pill_right, top + 2 * line, rect.right() - 8 - pill_right, line),
            Qt.AlignmentFlag.AlignVCenter,
            when,
        )
        painter.setPen(QPen(palette.color("border")))
        painter.drawLine(rect.left() + 8, rect.bottom(), rect.right() - 8, rect.bottom())
        painter.restore()
