"""The navigation bar: one large button per screen, with a count on Messages."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ihd_app.ui.icons import icon
from ihd_app.ui.theme import ThemeManager


class NavBar(QFrame):
    """Vertical navigation for landscape panels (800x480, 1280x800).

    Attributes:
        selected: The index of the screen chosen.
    """

    selected = Signal(int)

    def __init__(
        self,
        entries: list[tuple[str, str]],
        theme: ThemeManager,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("NavBar")
        self._theme = theme
        self._entries = entries
        self.buttons: list[QToolButton] = []
        self._counts: dict[int, QLabel] = {}
        layout = QVBoxLayout(self)
        self._layout = layout
        for index, (label, _icon_name) in enumerate(entries):
            button = QToolButton(self)
            button.setText(label)
            button.setObjectName(f"nav-{label.lower()}")
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            button.setAccessibleName(label)
            # No QButtonGroup: Qt lets Tab reach only the checked button of a group, and every
            # screen must be one Tab away (the window keeps one checked, see set_current).
            # Tab only: a touch or a click does not leave a focus ring behind.
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.clicked.connect(lambda _=False, i=index: self._clicked(i))
            layout.addWidget(button)
            self.buttons.append(button)
        self.buttons[0].setChecked(True)
        theme.changed.connect(self._restyle)
        self._restyle()

    def _restyle(self) -> None:
        palette = self._theme.palette
        compact = self._theme.sizes.compact
        # On a small panel (480x272) nine buttons share 272 pixels: the text beside a small
        # icon (one line each), no gaps; elsewhere the text under a larger icon.
        size = self._theme.sizes.px("base" if compact else "title")
        margin = 3 if compact else 6
        self._layout.setContentsMargins(margin, margin, margin, margin)
        self._layout.setSpacing(0 if compact else 2)
        style = (
            Qt.ToolButtonStyle.ToolButtonTextBesideIcon
            if compact
            else Qt.ToolButtonStyle.ToolButtonTextUnderIcon
        )
        widest = 0
        for button, (_label, name) in zip(self.buttons, self._entries, strict=True):
            button.setToolButtonStyle(style)
            button.setIcon(icon(name, palette.hex("nav_fg"), palette.hex("on_accent")))
            button.setIconSize(QSize(size, size))
            # As wide as the widest label in bold (the checked button's), whatever the font.
            button.ensurePolished()
            bold = QFont(button.font())
            bold.setBold(True)
            advance = QFontMetrics(bold).horizontalAdvance(button.text())
            widest = max(widest, advance + (size + 6 if compact else 0))
        width = max(84 if not compact else 0, widest + 2 * margin + 16)
        self.setFixedWidth(width)
        for index in self._counts:
            self._place_count(index)

    def set_current(self, index: int) -> None:
        """Mark screen ``index`` as shown (and only it).

        A focus ring in the navigation moves to it too: a ring left on another item (put
        there by Tab, then a page chosen with a finger) would look like a second choice.
        """
        for number, button in enumerate(self.buttons):
            button.setChecked(number == index)
        chosen = self.buttons[index]
        if any(button.hasFocus() for button in self.buttons) and not chosen.hasFocus():
            chosen.setFocus(Qt.FocusReason.OtherFocusReason)

    def _clicked(self, index: int) -> None:
        # A click toggles a checkable button: the chosen one stays checked whatever it was.
        self.set_current(index)
        self.selected.emit(index)

    def set_count(self, index: int, count: int) -> None:
        """Show ``count`` on button ``index`` (hidden when 0)."""
        badge = self._counts.get(index)
        if badge is None:
            badge = QLabel(self.buttons[index])
            badge.setObjectName("NavCount")
            badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._counts[index] = badge
        badge.setText(str(count))
        badge.setVisible(count > 0)
        self._place_count(index)
        self.buttons[index].setAccessibleDescription(f"{count} messages" if count else "")

    def _place_count(self, index: int) -> None:
        """Size the count for the font in force (it changes with the window) and pin it to
        the button's top right corner."""
        badge = self._counts[index]
        badge.ensurePolished()
        height = badge.fontMetrics().height() + 4
        width = max(height, badge.fontMetrics().horizontalAdvance(badge.text()) + 12)
        badge.setFixedSize(width, height)
        badge.setStyleSheet(f"border-radius: {height // 2}px;")
        button = self.buttons[index]
        badge.move(button.width() - width - 4, 4)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        for index in self._counts:
            self._place_count(index)
