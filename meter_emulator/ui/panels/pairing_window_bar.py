"""The strip under the radio strip: whether the meter's pairing window is open, the time left,
and the button that opens (or closes) it.

A new IHD can pair only while the window is open (:mod:`meter_emulator.gatt.pairing_window`);
an IHD with a bond reconnects whatever it shows. The strip is redrawn from the window's own
state (the time left counts down on the window's refresh tick) and after its events.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from meter_emulator.gatt.pairing_window import DEFAULT_OPEN_S, PairingWindow

#: The button's two faces.
OPEN_TEXT = "Open pairing window"
CLOSE_TEXT = "Close pairing window"


def time_left_text(seconds: float) -> str:
    """``125.2`` as ``2:06``: whole seconds rounded up, so it never shows 0:00 while open."""
    whole = max(0, math.ceil(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


class PairingWindowBar(QFrame):
    """Shows the pairing window's state and opens or closes it.

    Args:
        window: The meter's pairing window.
        open_for_s: How long the button opens it.
        parent: The parent widget.
    """

    def __init__(
        self,
        window: PairingWindow,
        open_for_s: float = DEFAULT_OPEN_S,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("PairingWindowBar")
        self.setProperty("role", "strip")
        self._window = window
        self._open_for_s = open_for_s
        row = QHBoxLayout(self)
        # Thin: in half of a 720-line screen every line it takes is one fewer for the consoles.
        row.setContentsMargins(12, 2, 12, 2)
        self.state = QLabel(self)
        self.state.setObjectName("pairingWindowState")
        self.state.setAccessibleName("Pairing window")
        self.state.setWordWrap(True)
        row.addWidget(self.state, 1)
        self.button = QPushButton(OPEN_TEXT, self)
        self.button.setObjectName("pairingWindowButton")
        self.button.clicked.connect(self._toggle)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignVCenter)
        self._shown: tuple[bool, str] | None = None
        self.refresh()

    @property
    def is_shown_open(self) -> bool:
        """Whether the strip shows the window open."""
        return self._shown is not None and self._shown[0]

    def refresh(self) -> None:
        """Redraw from the window's state (cheap when nothing changed)."""
        is_open = self._window.is_open
        left = time_left_text(self._window.remaining_s) if is_open else ""
        if self._shown == (is_open, left):
            return
        self._shown = (is_open, left)
        if is_open:
            self.state.setText(f"<b>Pairing window open</b> · {left} left · a new IHD may pair")
            self.button.setText(CLOSE_TEXT)
            self.button.setAccessibleName("Close the pairing window: no new IHD may pair")
        else:
            self.state.setText("<b>Pairing window closed</b> · paired IHDs still connect")
            self.button.setText(OPEN_TEXT)
            self.button.setAccessibleName(
                f"Open the pairing window for {time_left_text(self._open_for_s)} minutes"
            )
        self.button.setToolTip(
            "No new IHD may pair from now"
            if is_open
            else f"Let a new IHD pair for the next {time_left_text(self._open_for_s)}"
        )
        # The style sheet colours an open window; Qt re-reads a dynamic property on polish.
        self.setProperty("open", is_open)
        self.style().unpolish(self)
        self.style().polish(self)

    def _toggle(self) -> None:
        if self._window.is_open:
            self._window.close(by="button")
        else:
            self._window.open(self._open_for_s, by="button")
        self.refresh()
