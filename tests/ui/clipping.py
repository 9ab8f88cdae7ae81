"""Finds text the consumer cannot read whole: words cut at a widget's edge or squashed lines.

:func:`clipped_text` walks every visible label, button and table header under a widget and
reports each text that does not fit the room its widget gives it:

- a label that does not wrap: each line's advance must fit the label's contents rectangle (the
  stylesheet's padding taken off), and its lines must fit its height;
- a label that wraps: laid out at its width, the text must be no taller than the label, and no
  line wider (a word longer than the width is not broken, it is cut);
- a push button, check box or radio button: its text must fit the rectangle the style leaves
  for it (padding, indicator and spacing taken off);
- a tool button (the navigation): its icon and text must fit it (its size hint);
- a table's header: each visible section's title must fit the section;
- a list's rows: none wider than the list (its end would be cut at the edge);
- a table's cells in view: one line must fit its column, wrapped text its row (a cell shortened
  with "…" is allowed when its tooltip carries the whole text).

A text shortened on purpose for a small panel (the link badge, the supply badge) must fit like any
other; the widget keeps the full text in its tooltip and accessible name. Text scrolled out of
view below a scroll area's edge is not cut (scrolling shows it); text past its right edge, where
nothing scrolls sideways, is.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics, QTextDocument, QTextOption
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QCheckBox,
    QHeaderView,
    QLabel,
    QListView,
    QPushButton,
    QRadioButton,
    QStyle,
    QStyleOptionButton,
    QTableView,
    QToolButton,
    QWidget,
)

#: Rounding of fractional advances: a pixel either way is not a cut word.
SLACK = 1


def _name(widget: QWidget, text: str) -> str:
    owner = widget.objectName() or type(widget).__name__
    return f"{owner}: {text!r}"


def _rich(label: QLabel) -> bool:
    """Whether the label shows its text as markup (as QLabel decides)."""
    kind = label.textFormat()
    return kind is Qt.TextFormat.RichText or (
        kind is Qt.TextFormat.AutoText and GuiQt.mightBeRichText(label.text())  # type: ignore[attr-defined]
    )


def _plain(label: QLabel) -> str:
    """The label's text as it reads (markup removed)."""
    text = label.text()
    if _rich(label):
        document = QTextDocument()
        document.setHtml(text)
        return document.toPlainText()
    return text


def _document(label: QLabel, width: int) -> QTextDocument:
    """The label's text laid out as a wrapping label lays it out at ``width``."""
    document = QTextDocument()
    document.setDefaultFont(label.font())
    document.setDocumentMargin(0)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    document.setDefaultTextOption(option)
    text = label.text()
    if _rich(label):
        document.setHtml(text)
    else:
        document.setPlainText(text)
    document.setTextWidth(width)
    return document


def _label_problem(label: QLabel) -> str | None:
    text = label.text()
    if not text.strip():
        return None
    room = label.contentsRect().adjusted(
        label.margin(), label.margin(), -label.margin(), -label.margin()
    )
    metrics = QFontMetrics(label.font())
    if label.wordWrap():
        document = _document(label, room.width())
        if document.idealWidth() > room.width() + SLACK:
            return f"a word is wider ({document.idealWidth():.0f} px) than {room.width()} px"
        needed = label.heightForWidth(label.width())
        if needed > label.height() + SLACK:
            return f"needs {needed} px of height, has {label.height()} px"
        return None
    lines = _plain(label).split("\n")
    widest = max(metrics.horizontalAdvance(line) for line in lines)
    if widest > room.width() + SLACK:
        return f"{widest} px wide in {room.width()} px"
    tall = metrics.height() * len(lines)
    if tall > room.height() + SLACK:
        return f"{tall} px tall in {room.height()} px (lines overlap or are cut)"
    return None


def _button_problem(button: QAbstractButton) -> str | None:
    text = button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    if not text.strip():
        return None
    if isinstance(button, QToolButton):
        hint = button.sizeHint()
        if hint.width() > button.width() + SLACK or hint.height() > button.height() + SLACK:
            return f"needs {hint.width()}x{hint.height()}, has {button.width()}x{button.height()}"
        return None
    element = {
        QPushButton: QStyle.SubElement.SE_PushButtonContents,
        QCheckBox: QStyle.SubElement.SE_CheckBoxContents,
        QRadioButton: QStyle.SubElement.SE_RadioButtonContents,
    }
    kind = next((k for k in element if isinstance(button, k)), None)
    if kind is None:
        return None
    option = QStyleOptionButton()
    button.initStyleOption(option)  # type: ignore[attr-defined]
    room = button.style().subElementRect(element[kind], option, button)
    metrics = QFontMetrics(button.font())
    wide = metrics.horizontalAdvance(text)
    if not option.icon.isNull():
        wide += option.iconSize.width() + 4
    if wide > room.width() + SLACK:
        return f"{wide} px wide in {room.width()} px"
    if metrics.height() > room.height() + SLACK:
        return f"{metrics.height()} px tall in {room.height()} px"
    return None


def _header_problems(header: QHeaderView) -> list[str]:
    model = header.model()
    if model is None:
        return []
    problems = []
    metrics = QFontMetrics(header.font())
    for section in range(header.count()):
        if header.isSectionHidden(section):
            continue
        title = str(model.headerData(section, header.orientation()) or "")
        if not title:
            continue
        # The stylesheet pads a section 6 px either side.
        needed = metrics.horizontalAdvance(title) + 12
        if needed > header.sectionSize(section) + SLACK:
            problems.append(
                f"{_name(header, title)} header {needed} px in {header.sectionSize(section)} px"
            )
    return problems


#: Room Qt's item delegate keeps either side of a cell's text.
CELL_MARGIN = 3


def cell_fits(table: QTableView, row: int, column: int) -> bool:
    """Whether the cell's text shows whole: on one line within its column, or wrapped within
    its row's height."""
    model = table.model()
    cell = str(model.data(model.index(row, column)) or "")
    metrics = QFontMetrics(table.font())
    width = table.columnWidth(column) - 2 * CELL_MARGIN
    if table.wordWrap():
        needed = metrics.boundingRect(
            QRect(0, 0, width, 10_000), int(Qt.TextFlag.TextWordWrap), cell
        )
        return needed.width() <= width + SLACK and needed.height() <= table.rowHeight(row)
    return metrics.horizontalAdvance(cell) <= width + SLACK


def _cell_problems(table: QTableView) -> list[str]:
    """Cells in view whose text does not fit. Shortened with "…" is allowed when the tooltip
    has it all."""
    model = table.model()
    if model is None:
        return []
    problems = []
    viewport = table.viewport().rect()
    first = max(table.rowAt(viewport.top()), 0)
    last = table.rowAt(viewport.bottom())
    last = model.rowCount() - 1 if last < 0 else last
    for row in range(first, last + 1):
        for column in range(model.columnCount()):
            if table.isColumnHidden(column):
                continue
            index = model.index(row, column)
            cell = str(model.data(index) or "")
            if not cell or cell_fits(table, row, column):
                continue
            if model.data(index, Qt.ItemDataRole.ToolTipRole) != cell:
                name = table.objectName() or type(table).__name__
                problems.append(f"{name}: {cell!r} cut in its cell (row {row})")
    return problems


def _row_problems(view: QListView) -> list[str]:
    """Rows in view wider than the list: their ends are cut at its edge (a delegate shortens
    its text with "…" only within the row it is given)."""
    model = view.model()
    if model is None:
        return []
    width = view.viewport().width()
    cut = [
        row
        for row in range(model.rowCount())
        if view.visualRect(model.index(row, 0)).right() >= width + SLACK
    ]
    name = view.objectName() or type(view).__name__
    return [f"{name}: row {row} is cut at the list's edge" for row in cut]


def _shown(widget: QWidget, root: QWidget) -> bool:
    """Visible and with room on the screen (a zero-sized widget shows nothing to cut)."""
    return widget.isVisibleTo(root) and widget.isVisible()


def _cut_by_ancestor(widget: QWidget, root: QWidget) -> str | None:
    """Whether a parent cuts the widget's right edge off: a widget wider than the viewport of
    a scroll area that does not scroll sideways, or pushed out of its card. (Cut at the bottom
    by a scroll area that scrolls is not cut: scrolling shows it.)"""
    right = widget.mapTo(root, widget.rect().topRight()).x()
    parent = widget.parentWidget()
    while parent is not None and parent is not root.parentWidget():
        edge = parent.mapTo(root, parent.rect().topRight()).x()
        if right > edge + SLACK:
            scroller = parent.parentWidget()
            scrolls = (
                isinstance(scroller, QAbstractScrollArea)
                and scroller.viewport() is parent
                and scroller.horizontalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff
            )
            if not scrolls:
                name = parent.objectName() or type(parent).__name__
                return f"its right {right - edge} px are hidden by {name}"
        parent = parent.parentWidget()
    return None


def clipped_text(root: QWidget) -> list[str]:
    """Every text under ``root`` (shown) that does not fit its widget: what and why."""
    problems: list[str] = []
    for label in root.findChildren(QLabel):
        if not _shown(label, root) or not label.text().strip():
            continue
        if problem := _label_problem(label) or _cut_by_ancestor(label, root):
            problems.append(f"{_name(label, _plain(label))} {problem}")
    for button in root.findChildren(QAbstractButton):
        if not _shown(button, root) or not button.text().strip():
            continue
        if problem := _button_problem(button) or _cut_by_ancestor(button, root):
            problems.append(f"{_name(button, button.text())} {problem}")
    for header in root.findChildren(QHeaderView):
        if _shown(header, root):
            problems += _header_problems(header)
    for table in root.findChildren(QTableView):
        if _shown(table, root):
            problems += _cell_problems(table)
    for view in root.findChildren(QListView):
        if _shown(view, root):
            problems += _row_problems(view)
    return problems
