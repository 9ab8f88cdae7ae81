"""Custom item-data roles shared by the models and their views."""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import Qt


class ItemRole(IntEnum):
    """Roles beyond Qt's display roles."""

    #: The row's value object (InboxMessage, SecurityEvent, ScanResult, RateBand).
    VALUE = Qt.ItemDataRole.UserRole + 1
    #: A message's key.
    KEY = Qt.ItemDataRole.UserRole + 2
    #: A message's importance (``Importance``).
    IMPORTANCE = Qt.ItemDataRole.UserRole + 3
    #: A message's type (``outage.planned``...).
    TYPE = Qt.ItemDataRole.UserRole + 4
    #: A message's state (``MessageState``).
    STATE = Qt.ItemDataRole.UserRole + 5
    #: The icon name for the row.
    ICON_NAME = Qt.ItemDataRole.UserRole + 6
    #: A second line of text (originator and time).
    SUBTITLE = Qt.ItemDataRole.UserRole + 7
    #: A security event's reason code.
    REASON = Qt.ItemDataRole.UserRole + 8
    #: The band in force now (``bool``).
    CURRENT = Qt.ItemDataRole.UserRole + 9
    #: A message's verified sender, for people.
    SENDER = Qt.ItemDataRole.UserRole + 10
    #: When a message was received, for people ("Today 18:05").
    WHEN = Qt.ItemDataRole.UserRole + 11
