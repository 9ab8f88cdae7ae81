"""Controls sized for fingers on a wall-mounted panel."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QCheckBox


class RowCheckBox(QCheckBox):
    """A check box that toggles wherever its row is touched, not only on the box and its text
    (on a touch panel the empty part of a full-width row is the easiest place to hit)."""

    def hitButton(self, pos: QPoint) -> bool:
        return self.rect().contains(pos)
