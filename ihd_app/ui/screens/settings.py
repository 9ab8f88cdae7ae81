"""Settings: theme, default unit, kiosk mode, ambient thresholds."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QRadioButton,
    QWidget,
)

from ihd_app.ui.ambient import AmbientThresholds
from ihd_app.ui.context import UiContext
from ihd_app.ui.screens.base import Screen
from ihd_app.ui.settings import UiSettings, Unit
from ihd_app.ui.theme import ThemeName
from ihd_app.ui.widgets.touch import RowCheckBox


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
        card = QFrame(self)
        card.setProperty("role", "card")
        form = QGridLayout(card)
        form.setContentsMargins(14, 12, 14, 12)
        form.setVerticalSpacing(12)
        form.setHorizontalSpacing(16)
        form.setColumnStretch(1, 1)

        def add_row(caption: str, field: QWidget | QLayout) -> None:
            row = form.rowCount()
            label = QLabel(caption, card)
            form.addWidget(label, row, 0, Qt.AlignmentFlag.AlignVCenter)
            if isinstance(field, QWidget):
                form.addWidget(field, row, 1)
            else:
                form.addLayout(field, row, 1)

        themes = QHBoxLayout()
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
        self.layout_.addWidget(card)
        self.layout_.addStretch(1)
        self.show_settings(context.settings)

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
