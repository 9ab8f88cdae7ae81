"""The attack console: one button per forgery, "run every attack", the demonstrations on the
link itself (an uncommissioned display, a fake meter) with Restore, and for each one launched
the outcome expected beside the outcome observed."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ihd_app.protocol.errors import IhdError
from meter_emulator.attacks.console import AttackConsole, AttackRecord
from meter_emulator.attacks.link_demonstrations import DemonstrationRecord
from meter_emulator.attacks.supply_attacks import SupplyAttacks
from meter_emulator.ui.models.attacks import AttackResultsModel, demonstration_verdict
from meter_emulator.ui.panels.supply_attack_box import SupplyAttackBox
from meter_emulator.ui.widgets.wrapping_table import WrappingTable

_COLUMNS = 2
#: At most this share of the console's height goes to the buttons (they scroll beyond it).
BUTTONS_SHARE = 0.5


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

    def __init__(
        self,
        console: AttackConsole,
        parent: QWidget | None = None,
        supply: SupplyAttacks | None = None,
    ) -> None:
        super().__init__(parent)
        self._console = console
        self.setObjectName("AttackPanel")
        # The buttons above (scrolling when there is no room), the verdicts below, with a
        # handle between: drag it up (to the top to hide the buttons) to show more verdicts.
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        QVBoxLayout(self).addWidget(self.splitter)
        top = self._buttons_page = QWidget()
        self._top = QScrollArea(self.splitter)
        self._top.setWidget(top)
        self._top.setWidgetResizable(True)
        self._top.setFrameShape(QFrame.Shape.NoFrame)
        self._top.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
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
        layout.addWidget(buttons)
        self.supply = SupplyAttackBox(supply, self) if supply is not None else None
        if self.supply is not None:
            layout.addWidget(self.supply)
        layout.addWidget(self._demonstration_box())
        bottom = QWidget(self.splitter)
        layout = QVBoxLayout(bottom)
        layout.setContentsMargins(0, 0, 0, 0)
        # The demonstration's one button stays in view, above the verdicts it fills in.
        summary_row = QHBoxLayout()
        layout.addLayout(summary_row)
        self.summary = QLabel(self)
        self.summary.setObjectName("attackSummary")
        self.summary.setAccessibleName("Attack results summary")
        self.summary.setWordWrap(True)
        summary_row.addWidget(self.summary, 1)
        self.run_all = QPushButton("Run every attack", bottom)
        self.run_all.setObjectName("runAllAttacks")
        self.run_all.setAccessibleName("Run every attack in turn")
        self.run_all.clicked.connect(self.launch_all)
        summary_row.addWidget(self.run_all)
        # What a link demonstration does and what came of it, in view whatever the buttons'
        # scrolling (made with the buttons above).
        layout.addWidget(self.demonstration)
        self.demonstration.hide()  # until a demonstration starts
        self.model = AttackResultsModel(self)
        # Every word of the proof on screen (no sideways scrolling, no cut reason): the time as
        # wide as it is, the rest shared, the verdict widest; text wraps, rows grow.
        self.table = WrappingTable((None, 1.0, 1.0, 1.0, 2.0), self)
        self.table.setObjectName("attackTable")
        self.table.setAccessibleName("Attacks launched and the IHD's answers")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        layout.addWidget(self.table, 1)
        self.splitter.addWidget(self._top)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        self._dragged = False
        self._told = ""
        self.splitter.splitterMoved.connect(self._on_dragged)
        self.splitter.installEventFilter(self)
        self.refresh()

    def _demonstration_box(self) -> QGroupBox:
        """The link demonstrations: one button each, Restore, and what is happening."""
        box = QGroupBox("The link itself", self)
        layout = QVBoxLayout(box)
        grid = QGridLayout()
        layout.addLayout(grid)
        self.demonstration_buttons: dict[str, QPushButton] = {}
        shown = self._console.demonstrations.available()
        for number, chosen in enumerate(shown):
            button = QPushButton(chosen.title, box)
            button.setToolTip(f"{chosen.explanation}\nExpected: {chosen.expected}")
            button.setAccessibleName(f"Demonstration: {chosen.title}")
            button.setAccessibleDescription(chosen.explanation)
            button.clicked.connect(lambda _=False, n=chosen.name: self.demonstrate(n))
            row, column = divmod(number, _COLUMNS)
            grid.addWidget(button, row, column)
            self.demonstration_buttons[chosen.name] = button
        self.restore = QPushButton("Restore", box)
        self.restore.setObjectName("restoreLink")
        self.restore.setAccessibleName("Restore: undo the demonstration so the demo continues")
        self.restore.clicked.connect(self.restore_link)
        row, column = divmod(len(shown), _COLUMNS)
        grid.addWidget(self.restore, row, column)
        self.demonstration = QLabel(
            "Each one shows the display refusing a link it must not use; Restore puts things back.",
            box,
        )
        self.demonstration.setObjectName("demonstrationResult")
        self.demonstration.setAccessibleName("What the demonstration does and its outcome")
        self.demonstration.setWordWrap(True)
        layout.addWidget(self.demonstration)
        return box

    def demonstrate(self, name: str) -> DemonstrationRecord | None:
        """Start demonstration ``name``, saying in one sentence what will happen."""
        demonstrations = self._console.demonstrations
        try:
            record = demonstrations.start(name)
        except IhdError as error:
            self._say(f"Not started: {error}", ok=False)
            return None
        chosen = next(d for d in demonstrations.available() if d.name == name)
        self._say(f"{chosen.title}: {chosen.explanation} ({record.how}.)", ok=True)
        self.refresh()
        return record

    def restore_link(self) -> DemonstrationRecord | None:
        """Undo the running demonstration."""
        record = self._console.demonstrations.restore()
        if record is None:
            self._say("Nothing to restore: no demonstration is running.", ok=True)
        else:
            self._say(
                f"Restored after '{record.name}': press Try again on display {record.ihd_id} "
                "and it is served again.",
                ok=True,
            )
        self.refresh()
        return record

    def _say(self, text: str, *, ok: bool) -> None:
        label = self.demonstration
        label.setText(text)
        label.show()
        label.setProperty("tone", "good" if ok else "bad")
        label.style().unpolish(label)
        label.style().polish(label)

    def _on_dragged(self) -> None:
        self._dragged = True

    def share_height(self) -> None:
        """The buttons as tall as they are, but no more than :data:`BUTTONS_SHARE` of the
        height: the verdicts keep room for several rows (unless the handle was dragged)."""
        total = sum(self.splitter.sizes())
        if self._dragged or total <= 0:
            return
        wanted = self._buttons_page.sizeHint().height()
        top = min(wanted, int(total * BUTTONS_SHARE))
        self.splitter.setSizes([top, total - top])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The splitter's own size (set by the layout, possibly after this panel's resize).
        if watched is self.splitter and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.share_height()
        return False

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.share_height()

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
        demonstrations = self._console.demonstrations
        self.model.show_records(self._console.records, demonstrations.records)
        self.summary.setText(summary_text(self._console.summary()))
        self.restore.setEnabled(demonstrations.active is not None)
        latest = demonstrations.records[-1] if demonstrations.records else None
        if latest is not None and latest.reason is not None:
            told = demonstration_verdict(latest)
            if told != self._told:
                # The outcome under the buttons too: the table may be scrolled away.
                self._told = told
                self._say(f"{latest.name}: {told}.", ok=bool(latest.as_expected))
