"""The capture tab: starts and stops a btsnoop capture of the display's HCI traffic while it
runs, and shows the file growing."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ihd_app.service import developer
from ihd_app.ui.context import UiContext
from ihd_app.ui.screens.developer.widgets import mono_font, muted_label, tool_button
from ihd_app.ui.widgets.scrolling import vertical_scroll

#: Milliseconds between updates of the capture's size while it runs.
CAPTURE_POLL_MS = 1000


class CaptureTab(QWidget):
    """Start and stop a btsnoop capture of the display's HCI traffic."""

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        # Scrolled if need be: on a small panel, with a notice above, the words would overlap.
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll, inner = vertical_scroll(self, "CaptureScroll")
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 6, 0, 0)
        column.setSpacing(8)
        self.note = muted_label("", self)
        self.note.setObjectName("CaptureNote")
        column.addWidget(self.note)
        row = QHBoxLayout()
        row.addWidget(QLabel("File", self))
        self.path = QLineEdit(self)
        self.path.setObjectName("CapturePath")
        self.path.setAccessibleName("Capture file")
        self.path.setFont(mono_font())
        row.addWidget(self.path, 1)
        self.choose = tool_button("Choose…", "CaptureChoose", self, "Choose where the capture goes")
        self.choose.clicked.connect(self._choose)
        row.addWidget(self.choose)
        column.addLayout(row)
        self.toggle = tool_button(
            "Start capture", "CaptureToggle", self, "Start or stop writing the HCI capture"
        )
        self.toggle.setCheckable(True)
        self.toggle.clicked.connect(self._toggled)
        column.addWidget(self.toggle)
        self.status = QLabel(self)
        self.status.setObjectName("CaptureStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.status)
        column.addWidget(
            muted_label(
                "Read it with: bumble-show --format snoop FILE, or open it in Wireshark.",
                self,
            )
        )
        column.addStretch(1)
        scroll.setWidget(inner)
        outer.addWidget(scroll)
        self._poll = QTimer(self)
        self._poll.setObjectName("CapturePoll")
        self._poll.setInterval(CAPTURE_POLL_MS)
        self._poll.timeout.connect(self._show_size)
        self._last: Path | None = None
        self.refresh()

    def refresh(self) -> None:
        """Show the service's capture state."""
        state = self.context.service.capture
        self.note.setText(state.note)
        running = state.path is not None
        self.toggle.setEnabled(state.available)
        self.toggle.setChecked(running)
        self.toggle.setText("Stop capture" if running else "Start capture")
        self.toggle.setAccessibleName(self.toggle.text())
        self.path.setEnabled(state.available and not running)
        self.choose.setEnabled(state.available and not running)
        if running:
            assert state.path is not None
            self.path.setText(str(state.path))
            self._last = state.path
            if not self._poll.isActive():
                self._poll.start()
        else:
            self._poll.stop()
            if not self.path.text() or self._last is not None:
                self.path.setText(
                    str(developer.suggested_capture_path(state.directory, self.context.clock()))
                )
        self._show_size()

    def _choose(self) -> None:
        path, _chosen = QFileDialog.getSaveFileName(
            self, "Capture to", self.path.text(), "btsnoop (*.btsnoop *.log);;All files (*)"
        )
        if path:
            self.path.setText(path)

    def _toggled(self, checked: bool) -> None:
        if checked:
            self.start(Path(self.path.text().strip()))
        else:
            self.stop()

    def start(self, path: Path) -> None:
        """Start capturing to ``path``."""
        try:
            self.context.service.start_capture(path)
        except Exception as exc:  # shown to the developer
            self.status.setText(f"Capture not started: {exc}")
            self.refresh_toggle_only()
            return
        self._last = None
        self.refresh()

    def stop(self) -> None:
        """Stop the capture."""
        state = self.context.service.capture
        self.context.service.stop_capture()
        self._last = state.path
        self._poll.stop()
        self._show_size(stopped=True)
        path_text = self.path.text()
        self.refresh()
        if self._last is None:
            self.path.setText(path_text)

    def refresh_toggle_only(self) -> None:
        """Untick the toggle after a failed start."""
        self.toggle.setChecked(False)
        self.toggle.setText("Start capture")
        self.toggle.setAccessibleName("Start capture")

    def _show_size(self, stopped: bool = False) -> None:
        state = self.context.service.capture
        path = state.path or self._last
        if path is None:
            if not self.status.text().startswith("Capture not started"):
                self.status.setText("No capture running.")
            return
        size = path.stat().st_size if path.exists() else 0
        if state.path is not None:
            self.status.setText(f"Capturing to {path}: {size:,} bytes so far.")
        else:
            self.status.setText(f"Capture stopped: {path}, {size:,} bytes.")

    def shutdown(self) -> None:
        """Stop polling (the window closes; the service stops the capture with the radio)."""
        self._poll.stop()
