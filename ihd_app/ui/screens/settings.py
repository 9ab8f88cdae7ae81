"""Settings: theme, default unit, kiosk mode, speech, ambient thresholds, developer tools."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ihd_app.ui.ambient import AmbientThresholds
from ihd_app.ui.context import UiContext
from ihd_app.ui.screens.base import Screen
from ihd_app.ui.settings import UiSettings, Unit
from ihd_app.ui.speech import UNAVAILABLE_REASON
from ihd_app.ui.theme import ThemeName
from ihd_app.ui.widgets.scrolling import vertical_scroll
from ihd_app.ui.widgets.touch import RowCheckBox

DEVELOPER_TEXT = "Developer tools (GATT, units, events, capture)"
#: On a small panel the check box says less (its accessible description says the rest).
DEVELOPER_TEXT_COMPACT = "Developer tools"


class SettingsScreen(Screen):
    """The consumer's display settings.

    Attributes:
        changed: New :class:`UiSettings`.
    """

    changed = Signal(object)
    label = "Settings"
    icon_name = "settings"

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        # Scrolled if need be: a small panel (480x272) may not hold every row.
        scroll, inner = vertical_scroll(self, "SettingsScroll")
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 0, 0)
        card = QFrame(inner)
        card.setProperty("role", "card")
        form = QGridLayout(card)
        form.setContentsMargins(14, 12, 14, 12)
        form.setVerticalSpacing(12)
        form.setHorizontalSpacing(16)
        form.setColumnStretch(1, 1)

        self.form = form
        #: Each row's caption and field, placed side by side or (small panel) one above the
        #: other by :meth:`_arrange`.
        self.rows: list[tuple[QLabel, QWidget | QLayout]] = []

        def add_row(caption: str, field: QWidget | QLayout) -> None:
            label = QLabel(caption, card)
            self.rows.append((label, field))

        # One above the other on a small panel, where three do not fit side by side.
        self.themes_row = themes = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        themes.setSpacing(20)
        self.theme_group = QButtonGroup(self)
        self.theme_buttons: dict[ThemeName, QRadioButton] = {}
        for theme in ThemeName:
            button = QRadioButton(theme.label, card)
            button.setObjectName(f"Theme-{theme.value}")
            self.theme_group.addButton(button)
            self.theme_buttons[theme] = button
            button.clicked.connect(lambda _=False, t=theme: self._update(theme=t))
            themes.addWidget(button)
        themes.addStretch(1)
        add_row("Theme", themes)
        units = QHBoxLayout()
        units.setSpacing(20)
        self.unit_group = QButtonGroup(self)
        self.unit_buttons: dict[Unit, QRadioButton] = {}
        for unit, label in ((Unit.KWH, "Energy (kWh)"), (Unit.POUNDS, "Cost (£)")):
            button = QRadioButton(label, card)
            button.setObjectName(f"Unit-{unit.value}")
            self.unit_group.addButton(button)
            self.unit_buttons[unit] = button
            button.clicked.connect(lambda _=False, u=unit: self._update(unit=u))
            units.addWidget(button)
        units.addStretch(1)
        add_row("Charts show", units)
        self.kiosk = RowCheckBox("Full screen, no window frame", card)
        self.kiosk.setObjectName("Kiosk")
        self.kiosk.clicked.connect(lambda checked: self._update(kiosk=checked))
        add_row("Kiosk", self.kiosk)
        speech = QVBoxLayout()
        speech.setSpacing(2)
        self.speak = RowCheckBox("Read critical messages aloud", card)
        self.speak.setObjectName("Speak")
        self.speak.clicked.connect(lambda checked: self._update(speak=checked))
        speech.addWidget(self.speak)
        self.speak_note = QLabel(UNAVAILABLE_REASON, card)
        self.speak_note.setObjectName("SpeakUnavailable")
        self.speak_note.setProperty("role", "muted")
        self.speak_note.setWordWrap(True)
        speech.addWidget(self.speak_note)
        available = context.speaker.available
        self.speak.setEnabled(available)
        self.speak_note.setVisible(not available)
        if not available:
            self.speak.setAccessibleDescription(UNAVAILABLE_REASON)
        add_row("Speech", speech)
        self.low = QDoubleSpinBox(card)
        self.low.setObjectName("AmbientLow")
        self.high = QDoubleSpinBox(card)
        self.high.setObjectName("AmbientHigh")
        for spin, caption in ((self.low, "Green light below"), (self.high, "Red light from")):
            spin.setDecimals(2)
            spin.setSingleStep(0.1)
            spin.setRange(0.05, 20.0)
            spin.setSuffix(" kW")
            spin.setAccessibleName(caption)
            spin.editingFinished.connect(self._thresholds)
            add_row(caption, self._stepper(spin))
        self.developer = RowCheckBox(DEVELOPER_TEXT, card)
        self.developer.setObjectName("DeveloperTools")
        self.developer.setAccessibleName("Developer tools")
        self.developer.setAccessibleDescription(
            "Shows the Developer screen for firmware developers; also ihd --developer"
        )
        self.developer.clicked.connect(lambda checked: self._update(developer=checked))
        add_row("Developer", self.developer)
        self.display_id = QLabel(f"ID {context.service.display_id}", card)
        self.display_id.setObjectName("DisplayId")
        self.display_id.setWordWrap(True)
        self.display_id.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.display_id.setAccessibleDescription(
            "Quote it to your energy supplier to add this display to your meter"
        )
        add_row("This display", self.display_id)
        column.addWidget(card)
        column.addStretch(1)
        scroll.setWidget(inner)
        self.layout_.addWidget(scroll, 1)
        context.theme.changed.connect(self._arrange)
        self._arrange()
        self.show_settings(context.settings)

    def _arrange(self) -> None:
        compact = self.context.theme.sizes.compact
        form = self.form
        for label, field in self.rows:
            form.removeWidget(label)
            if isinstance(field, QWidget):
                form.removeWidget(field)
            else:
                form.removeItem(field)
        # A small panel has no room for a column of captions beside the fields: each caption
        # goes above its field (as a heading of the row).
        for index, (label, field) in enumerate(self.rows):
            row, column = (2 * index, 0) if compact else (index, 0)
            frow, fcolumn = (row + 1, 0) if compact else (row, 1)
            form.addWidget(label, row, column, Qt.AlignmentFlag.AlignVCenter)
            if isinstance(field, QWidget):
                form.addWidget(field, frow, fcolumn)
            else:
                form.addLayout(field, frow, fcolumn)
        form.setColumnStretch(0, 1 if compact else 0)
        form.setColumnStretch(1, 0 if compact else 1)
        form.setVerticalSpacing(2 if compact else 12)
        for index, (label, _field) in enumerate(self.rows):
            # Rows apart from each other, captions close to their fields.
            label.setContentsMargins(0, 8 if compact and index else 0, 0, 0)
        self.developer.setText(DEVELOPER_TEXT_COMPACT if compact else DEVELOPER_TEXT)
        self.themes_row.setDirection(
            QBoxLayout.Direction.TopToBottom if compact else QBoxLayout.Direction.LeftToRight
        )
        self.themes_row.setSpacing(4 if compact else 20)

    def _stepper(self, spin: QDoubleSpinBox) -> QHBoxLayout:
        """``[−] value [+]``: big targets for a touch screen."""
        row = QHBoxLayout()
        for text, direction in (("−", -1), ("+", 1)):
            button = QPushButton(text, self)
            button.setObjectName(f"{spin.objectName()}{'Down' if direction < 0 else 'Up'}")
            button.setAccessibleName(f"{spin.accessibleName()} {'down' if direction < 0 else 'up'}")
            button.clicked.connect(lambda _=False, s=spin, d=direction: self._step(s, d))
            if direction < 0:
                row.addWidget(button)
                row.addWidget(spin)
            else:
                row.addWidget(button)
        row.addStretch(1)
        spin.setMinimumWidth(round(self.context.theme.sizes.base * 7))
        return row

    def _step(self, spin: QDoubleSpinBox, direction: int) -> None:
        spin.stepBy(direction)
        self._thresholds()

    def show_settings(self, settings: UiSettings) -> None:
        """Show ``settings``."""
        self.theme_buttons[settings.theme].setChecked(True)
        self.unit_buttons[settings.unit].setChecked(True)
        self.kiosk.setChecked(settings.kiosk)
        self.speak.setChecked(settings.speak and self.context.speaker.available)
        self.developer.setChecked(settings.developer)
        self.low.setValue(settings.ambient.low_kw)
        self.high.setValue(settings.ambient.high_kw)

    def _thresholds(self) -> None:
        low, high = self.low.value(), self.high.value()
        if low >= high:
            # Keep the order: green must end before red begins.
            self.show_settings(self.context.settings)
            return
        self._update(ambient=AmbientThresholds(low, high))

    def _update(self, **changes: object) -> None:
        settings = self.context.settings.with_changes(**changes)
        if settings != self.context.settings:
            self.changed.emit(settings)
