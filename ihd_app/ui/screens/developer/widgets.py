"""The small widgets every developer tab is made of: a monospace font, buttons with an accessible
name and description, read-only output boxes and muted labels."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QWidget


def mono_font() -> Any:
    """The system's fixed-width font."""
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def tool_button(text: str, name: str, parent: QWidget, description: str = "") -> QPushButton:
    """A button named ``name`` whose description is also its tooltip."""
    button = QPushButton(text, parent)
    button.setObjectName(name)
    button.setAccessibleName(text.rstrip("…"))
    if description:
        button.setAccessibleDescription(description)
        button.setToolTip(description)
    return button


def output_box(name: str, accessible: str, parent: QWidget) -> QPlainTextEdit:
    """A read-only monospace text box."""
    box = QPlainTextEdit(parent)
    box.setObjectName(name)
    box.setAccessibleName(accessible)
    box.setReadOnly(True)
    box.setFont(mono_font())
    # Tab leaves the box (a read-only text is never typed into).
    box.setTabChangesFocus(True)
    return box


def muted_label(text: str, parent: QWidget) -> QLabel:
    """A wrapped label in the muted style."""
    label = QLabel(text, parent)
    label.setProperty("role", "muted")
    label.setWordWrap(True)
    return label
