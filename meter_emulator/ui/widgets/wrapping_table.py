"""A table that never hides a word: its columns share its width, text wraps, rows grow.

For the consoles a room reads from a projector: no sideways scrolling, no "refused, as…".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import QAbstractItemModel, QEvent, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHeaderView, QStyle, QTableView, QWidget

#: What Qt's word wrap keeps on one line: up to a space, or to and with a hyphen.
_WORDS = re.compile(r"[^\s-]+-?")


def _cell_margin(view: QWidget) -> int:
    """Room an item delegate leaves either side of a cell's text."""
    return view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1


class WrappingTable(QTableView):
    """A read-only table whose columns fill its width.

    Args:
        shares: Per column: ``None`` for as wide as its contents (times, short words), or its
            share of the width left (wrapped text).
        parent: Qt parent.
    """

    def __init__(self, shares: Sequence[float | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shares = tuple(shares)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.horizontalHeader()
        header.setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap
        )
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        current = self.model()
        if current is not None:
            for signal in (current.modelReset, current.rowsInserted, current.rowsRemoved):
                signal.connect(self.share_width)
            current.dataChanged.connect(self.share_width)
        self.share_width()

    def share_width(self) -> None:
        """Give the fitted columns their contents' width; the others their longest word (so
        none is cut), and the rest of the width by their shares."""
        model = self.model()
        if model is None:
            return
        header = self.horizontalHeader()
        count = min(model.columnCount(), len(self.shares))
        widths = {
            column: max(header.sectionSizeHint(column), self.sizeHintForColumn(column))
            if self.shares[column] is None
            else self.longest_word(column)
            for column in range(count)
        }
        left = max(0, self.viewport().width() - sum(widths.values()))
        total = sum(share for share in self.shares[:count] if share is not None) or 1.0
        for column in range(count):
            share = self.shares[column]
            width = widths[column] + (0 if share is None else int(left * share / total))
            if header.sectionSize(column) != width:
                header.resizeSection(column, width)

    def longest_word(self, column: int) -> int:
        """The width column ``column`` needs for its longest word (Qt wraps text at spaces and
        after hyphens), with the cell's margins."""
        model = self.model()
        metrics = self.fontMetrics()
        texts = [str(model.headerData(column, Qt.Orientation.Horizontal) or "")]
        texts += [str(model.index(row, column).data() or "") for row in range(model.rowCount())]
        words = (word for text in texts for word in _WORDS.findall(text))
        longest = max((metrics.horizontalAdvance(word) for word in words), default=0)
        return longest + 2 * _cell_margin(self) + 2

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.share_width()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.share_width()
