"""Draws one inbox row: type icon, title, sender and time, importance pill."""

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


class MessageDelegate(QStyledItemDelegate):
    """Two lines per message with an icon coloured by importance."""

    def __init__(self, theme: ThemeManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        base = self._theme.sizes.base
        return QSize(200, round(base * 3.7))

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        palette = self._theme.palette
        sizes = self._theme.sizes
        rect: QRect = option.rect
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected:
            painter.fillRect(rect, palette.color("selection"))
        importance = index.data(ItemRole.IMPORTANCE)
        colour = palette.hex(_IMPORTANCE_COLOURS.get(importance, "muted"))
        # Importance stripe on the left edge.
        painter.fillRect(QRect(rect.left(), rect.top() + 4, 5, rect.height() - 8), QColor(colour))
        icon_size = round(sizes.base * 2.0)
        icon_name = str(index.data(ItemRole.ICON_NAME))
        icon_colour = palette.hex("on_selection") if selected else colour
        image = pixmap(icon_name, icon_colour, 64)
        icon_rect = QRect(
            rect.left() + 14, rect.top() + (rect.height() - icon_size) // 2, icon_size, icon_size
        )
        painter.drawPixmap(icon_rect, image)
        text_left = icon_rect.right() + 12
        text_colour = palette.color("on_selection") if selected else palette.color("fg")
        muted = palette.color("on_selection") if selected else palette.color("muted")
        title_font = QFont(painter.font())
        title_font.setPixelSize(sizes.base)
        title_font.setBold(True)
        pill_text = importance.value.upper() if isinstance(importance, Importance) else ""
        pill_font = QFont(title_font)
        pill_font.setPixelSize(sizes.px("tiny"))
        painter.setFont(pill_font)
        pill_width = painter.fontMetrics().horizontalAdvance(pill_text) + 14
        pill_height = painter.fontMetrics().height() + 4
        pill = QRect(rect.right() - pill_width - 8, rect.top() + 8, pill_width, pill_height)
        if pill_text:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(colour))
            painter.drawRoundedRect(pill, 6, 6)
            painter.setPen(QPen(QColor("#ffffff")))
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, pill_text)
        half = rect.height() // 2
        title_rect = QRect(text_left, rect.top() + 4, pill.left() - text_left - 8, half - 4)
        painter.setFont(title_font)
        painter.setPen(text_colour)
        title = painter.fontMetrics().elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole)),
            Qt.TextElideMode.ElideRight,
            title_rect.width(),
        )
        painter.drawText(
            title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, title
        )
        sub_font = QFont(title_font)
        sub_font.setBold(False)
        sub_font.setPixelSize(sizes.px("small"))
        painter.setFont(sub_font)
        painter.setPen(muted)
        sub_rect = QRect(text_left, rect.top() + half + 2, rect.right() - text_left - 8, half - 6)
        subtitle = painter.fontMetrics().elidedText(
            str(index.data(ItemRole.SUBTITLE)), Qt.TextElideMode.ElideRight, sub_rect.width()
        )
        painter.drawText(sub_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, subtitle)
        painter.setPen(QPen(palette.color("border")))
        painter.drawLine(rect.left() + 8, rect.bottom(), rect.right() - 8, rect.bottom())
        painter.restore()
