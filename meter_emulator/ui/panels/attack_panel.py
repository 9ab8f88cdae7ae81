"""The attack console: one button per forgery, "run every attack", and for each one launched the
reason the IHD must give beside the reason it gave."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from meter_emulator.attacks.console import AttackConsole, AttackRecord
from meter_emulator.ui.models.attacks import AttackResultsModel
from meter_emulator.ui.widgets.wrapping_table import WrappingTable

_COLUMNS = 2


def summary_text(summary: dict[str, int]) -> str:
    """The attack console's summary in one line."""
    if not summary["launched"]:
        return "No attack launched yet. Each one must be refused by the IHD with its reason."
    parts = [
        f"{summary['launched']} launched",
        f"{summary['refused_as_expected']} refused with the right reason",
    ]
    if summary["refused_otherwise"]:
        parts.append(f"{summary['refused_otherwise']} refused with another reason")
    if summary["accepted"]:
        parts.append(f"{summary['accepted']} ACCEPTED")
    if summary["unanswered"]:
        parts.append(f"{summary['unanswered']} waiting")
    return " · ".join(parts)


class AttackPanel(QWidget):
    """Buttons that forge messages, and the IHD's verdict on each.

    Args:
        console: The running meter's attack console.
        parent: Qt parent.
    """

    def __init__(self, console: AttackConsole, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._console = console
        self.setObjectName("AttackPanel")
        # The buttons above, the verdicts below, with a handle between: drag it up (to the top
        # to hide the buttons) to show a room more of the verdicts.
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        QVBoxLayout(self).addWidget(self.splitter)
        top = QWidget(self.splitter)
        layout = QVBoxLayout(top)
        layout.setContentsMargins(0, 0, 0, 0)
        intro = QLabel(
            "Each button forges one message and sends it to the IHD through the meter's radio, "
            "bypassing the meter's own checks. The IHD must refuse every one, showing why; its "
            "signed error notification comes back here.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        buttons = QGroupBox("Attacks", self)
        grid = QGridLayout(buttons)
        self.buttons: dict[str, QPushButton] = {}
        for number, chosen in enumerate(console.available()):
            button = QPushButton(chosen.title, buttons)
            button.setToolTip(f"{chosen.description}\nExpected: {chosen.expected.value}")
            button.setAccessibleName(f"Attack: {chosen.title}")
            button.setAccessibleDescription(chosen.description)
            button.clicked.connect(lambda _=False, n=chosen.name: self.launch(n))
            row, column = divmod(number, _COLUMNS)
            grid.addWidget(button, row, column)
            self.buttons[chosen.name] = button
        self.run_all = QPushButton("Run every attack", buttons)
        self.run_all.setObjectName("runAllAttacks")
        self.run_all.setAccessibleName("Run every attack in turn")
        self.run_all.clicked.connect(self.launch_all)
        grid.addWidget(self.run_all, grid.rowCount(), 0, 1, _COLUMNS)
        layout.addWidget(buttons)
        bottom = QWidget(self.splitter)
        layout = QVBoxLayout(bottom)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel(self)
        self.summary.setObjectName("attackSummary")
        self.summary.setAccessibleName("Attack results summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model = AttackResultsModel(self)
        # Every word of the proof on screen (no sideways scrolling, no cut reason): the time as
        # wide as it is, the rest shared, the verdict widest; text wraps, rows grow.
        self.table = WrappingTable((None, 1.0, 1.0, 1.0, 1.4), self)
        self.table.setObjectName("attackTable")
        self.table.setAccessibleName("Attacks launched and the IHD's answers")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        layout.addWidget(self.table, 1)
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        self.refresh()

    def launch(self, name: str) -> AttackRecord:
        """Launch attack ``name``."""
        record = self._console.launch(name)
        self.refresh()
        return record

    def launch_all(self) -> list[AttackRecord]:
        """Launch every attack, in the demonstration's order."""
        records = self._console.launch_all()
        self.refresh()
        return records

    def refresh(self) -> None:
        """Show the records and the summary as they are now."""
        self.model.show_records(self._console.records)
        self.summary.setText(summary_text(self._console.summary()))
