"""Themes: QSS files in ``resources/themes`` with colour definitions and sizes that scale.

A theme file starts with ``@define name value`` lines (its palette) and may add rules; the shared
rules live in ``base.qss``. ``@name@`` tokens are replaced by palette colours and by font sizes
computed from the window size, so the same stylesheet gives large, readable text on a 800x480
panel and on a 1280x800 tablet. Widgets drawn outside QSS (chart, traffic light, icons) take
their colours from :class:`Palette`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from ihd_app.protocol.resources import resources_dir

_DEFINE = re.compile(r"^@define\s+([a-z_]+)\s+(\S+)\s*$", re.MULTILINE)
_TOKEN = re.compile(r"@([a-z_]+)@")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


class ThemeName(StrEnum):
    """The themes offered in Settings."""

    LIGHT = "light"
    DARK = "dark"
    HIGH_CONTRAST = "high-contrast"

    @property
    def label(self) -> str:
        """How Settings names it."""
        return {"light": "Light", "dark": "Dark", "high-contrast": "High contrast"}[self.value]


def themes_dir() -> Path:
    """Where the QSS files are."""
    return resources_dir() / "themes"


@dataclass(frozen=True)
class Palette:
    """A theme's colours by name (``bg``, ``fg``, ``accent``, ``chart_electricity``...)."""

    colours: dict[str, str]

    def hex(self, name: str) -> str:
        """The colour ``name`` as ``#rrggbb``."""
        return self.colours[name]

    def color(self, name: str) -> QColor:
        """The colour ``name``."""
        return QColor(self.colours[name])


@dataclass(frozen=True)
class FontSizes:
    """Font sizes in pixels for the window size.

    Attributes:
        base: The body text size.
        compact: A small panel (480x272): body text stays legible at its minimum size, so the
            headings and figures grow less above it, and margins shrink.
    """

    base: int
    compact: bool = False

    @property
    def tokens(self) -> dict[str, str]:
        """The size tokens of the stylesheet."""
        base = self.base
        title, big, huge, giant = (1.1, 1.5, 1.9, 2.3) if self.compact else (1.3, 1.9, 2.6, 3.4)
        return {
            "tiny": f"{round(base * 0.72)}px",
            "small": f"{round(base * 0.86)}px",
            "base": f"{base}px",
            "title": f"{round(base * title)}px",
            "big": f"{round(base * big)}px",
            "huge": f"{round(base * huge)}px",
            "button_height": f"{round(base * (1.4 if self.compact else 1.6))}px",
            "button_padding": "3px 7px" if self.compact else "6px 14px",
            "nav_padding": "0px" if self.compact else "2px",
            "takeover_text": f"{round(base * (1.3 if self.compact else 1.9))}px",
            "indicator": f"{round(base * 1.3)}px",
            "indicator_radius": f"{round(base * 1.3) // 2 + 2}px",
            "giant": f"{round(base * giant)}px",
        }

    def px(self, name: str) -> int:
        """A size token in pixels."""
        return int(self.tokens[name].removesuffix("px"))


#: Below this height or width the screen is a small panel (:attr:`FontSizes.compact`).
COMPACT_HEIGHT = 360
COMPACT_WIDTH = 600


def font_sizes(width: int, height: int) -> FontSizes:
    """Sizes for a screen of ``width`` x ``height``: 12 px at 480x272 (compact), 15 px at
    800x480, 22 px at 1280x800."""
    scale = min(width / 800, height / 480)
    compact = height < COMPACT_HEIGHT or width < COMPACT_WIDTH
    return FontSizes(max(12, min(30, round(15 * scale**0.82))), compact)


@cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def load_palette(theme: ThemeName) -> Palette:
    """The palette of ``theme``."""
    return Palette(dict(_DEFINE.findall(_read(themes_dir() / f"{theme.value}.qss"))))


def stylesheet(theme: ThemeName, sizes: FontSizes) -> str:
    """The complete stylesheet of ``theme`` at ``sizes``."""
    own = _read(themes_dir() / f"{theme.value}.qss")
    palette = load_palette(theme)
    icons = (resources_dir() / "icons").as_posix()
    values = {**palette.colours, **sizes.tokens, "icons": icons}
    text = _COMMENT.sub("", _read(themes_dir() / "base.qss") + "\n" + _DEFINE.sub("", own))

    def substitute(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(0))

    return _TOKEN.sub(substitute, text)


class ThemeManager(QObject):
    """The theme in force: applies it to the window and tells the custom-painted widgets."""

    #: The palette changed (new theme); sizes may have changed too.
    changed = Signal()

    def __init__(self, theme: ThemeName = ThemeName.DARK, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._sizes = font_sizes(800, 480)
        self._palette = load_palette(theme)
        self._target: QWidget | None = None

    @property
    def theme(self) -> ThemeName:
        """The theme in force."""
        return self._theme

    @property
    def palette(self) -> Palette:
        """Its colours."""
        return self._palette

    @property
    def sizes(self) -> FontSizes:
        """The font sizes in force."""
        return self._sizes

    def attach(self, window: QWidget) -> None:
        """Style ``window`` (and its dialogs, which inherit its stylesheet)."""
        self._target = window
        self._apply()

    def set_theme(self, theme: ThemeName) -> None:
        """Switch theme."""
        if theme == self._theme:
            return
        self._theme = theme
        self._palette = load_palette(theme)
        self._apply()

    def set_window_size(self, width: int, height: int) -> None:
        """Rescale the fonts for the window size."""
        sizes = font_sizes(width, height)
        if sizes != self._sizes:
            self._sizes = sizes
            self._apply()

    def _apply(self) -> None:
        if self._target is not None:
            self._target.setStyleSheet(stylesheet(self._theme, self._sizes))
        self.changed.emit()


def set_style_property(widget: QWidget, name: str, value: str) -> None:
    """Set a dynamic property that the stylesheet selects on, and restyle the widget."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()
