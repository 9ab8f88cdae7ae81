"""The consumer's display settings, and where they are kept between runs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from PySide6.QtCore import QSettings

from ihd_app.ui.ambient import AmbientThresholds
from ihd_app.ui.theme import ThemeName


class Unit(StrEnum):
    """What charts show by default."""

    KWH = "kwh"
    POUNDS = "gbp"

    @property
    def label(self) -> str:
        """How the unit is named on screen."""
        return "kWh" if self is Unit.KWH else "£"


@dataclass(frozen=True)
class UiSettings:
    """Display settings.

    Attributes:
        theme: Colours.
        unit: Default chart unit.
        kiosk: Full screen without window chrome.
        ambient: Traffic-light thresholds.
        speak: Read critical messages aloud (where the system can speak).
        developer: Show the Developer screen (GATT explorer, unit inspector, event log,
            HCI capture); off for consumers.
    """

    theme: ThemeName = ThemeName.DARK
    unit: Unit = Unit.KWH
    kiosk: bool = False
    ambient: AmbientThresholds = field(default_factory=AmbientThresholds)
    speak: bool = True
    developer: bool = False

    def with_changes(self, **changes: object) -> UiSettings:
        """A copy with ``changes``."""
        return replace(self, **changes)  # type: ignore[arg-type]


def load_settings(store: QSettings) -> UiSettings:
    """Settings from ``store`` (defaults for anything missing or unreadable)."""
    default = UiSettings()

    def text(key: str, fallback: str) -> str:
        value = store.value(key, fallback)
        return value if isinstance(value, str) else fallback

    def number(key: str, fallback: float) -> float:
        try:
            return float(str(store.value(key, fallback)))
        except ValueError:
            return fallback

    try:
        theme = ThemeName(text("theme", default.theme.value))
    except ValueError:
        theme = default.theme
    try:
        unit = Unit(text("unit", default.unit.value))
    except ValueError:
        unit = default.unit
    low = number("ambient/low_kw", default.ambient.low_kw)
    high = number("ambient/high_kw", default.ambient.high_kw)
    if not 0 < low < high:
        low, high = default.ambient.low_kw, default.ambient.high_kw
    kiosk = text("kiosk", "false") == "true"
    speak = text("speak", "true") != "false"
    developer = text("developer", "false") == "true"
    return UiSettings(theme, unit, kiosk, AmbientThresholds(low, high), speak, developer)


def save_settings(store: QSettings, settings: UiSettings) -> None:
    """Keep ``settings`` in ``store``."""
    store.setValue("theme", settings.theme.value)
    store.setValue("unit", settings.unit.value)
    store.setValue("kiosk", "true" if settings.kiosk else "false")
    store.setValue("ambient/low_kw", settings.ambient.low_kw)
    store.setValue("ambient/high_kw", settings.ambient.high_kw)
    store.setValue("speak", "true" if settings.speak else "false")
    store.setValue("developer", "true" if settings.developer else "false")
    store.sync()
