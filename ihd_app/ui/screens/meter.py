"""Meter: find and pair a meter, the bonded meter and its link security, history backfill."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ihd_app.link.meter_link import LinkState, PairingRefusedError, ScanResult
from ihd_app.service.api import Topic
from ihd_app.service.meter_time import describe_correction
from ihd_app.ui import text
from ihd_app.ui.context import UiContext
from ihd_app.ui.dialogs.confirm import ConfirmDialog
from ihd_app.ui.models.scan_results import ScanResultsModel
from ihd_app.ui.screens.base import Screen
from ihd_app.ui.widgets.badge import LinkBadge
from ihd_app.ui.widgets.scrolling import vertical_scroll

#: How long one scan listens (seconds).
SCAN_SECONDS = 5.0


def _card(parent: QWidget, title: str) -> tuple[QFrame, QVBoxLayout]:
    card = QFrame(parent)
    card.setProperty("role", "card")
    layout = QVBoxLayout(card)
    layout.setContentsMargins(12, 10, 12, 10)
    layout.setSpacing(6)
    heading = QLabel(title, card)
    heading.setProperty("role", "title")
    layout.addWidget(heading)
    return card, layout


#: Fields holding an identifier (quoted to a supplier, typed into a tool).
IDENTIFIER_FIELDS = frozenset({"Address", "Meter ID", "This display"})


class MeterScreen(Screen):
    """The paired meter on the left, scanning and pairing on the right."""

    topics = frozenset({Topic.LINK, Topic.BACKFILL})
    label = "Meter"
    icon_name = "meter"

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.confirm: ConfirmDialog | None = None
        #: How long Scan listens (seconds).
        self.scan_seconds = SCAN_SECONDS
        # Side by side; one above the other on a small panel (480x272), scrolled if need be.
        scroll, inner = vertical_scroll(self, "MeterScroll")
        self.scroll_area = scroll
        row = QBoxLayout(QBoxLayout.Direction.LeftToRight, inner)
        row.setContentsMargins(0, 0, 0, 0)
        self.row = row
        row.setSpacing(10)
        paired, left = _card(inner, "Paired meter")
        self.badge = LinkBadge(paired)
        left.addWidget(self.badge)
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        self.fields: dict[str, QLabel] = {}
        self.captions: dict[str, QLabel] = {}
        names = ("Meter", "Address", "Meter ID", "Certificate", "Security", "This display", "Time")
        for index, name in enumerate(names):
            caption = QLabel(name, paired)
            caption.setProperty("role", "muted")
            value = QLabel(paired)
            value.setObjectName(f"Meter{name.replace(' ', '')}")
            # An identifier is read out and typed in whole: never broken at a hyphen.
            value.setWordWrap(name not in IDENTIFIER_FIELDS)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            # Both from the top: a value may wrap onto several lines.
            grid.addWidget(caption, index, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, index, 1, Qt.AlignmentFlag.AlignTop)
            self.fields[name] = value
            self.captions[name] = caption
        grid.setColumnStretch(1, 1)
        left.addLayout(grid)
        self.backfill_label = QLabel(paired)
        self.backfill_label.setObjectName("BackfillStatus")
        self.backfill_label.setProperty("role", "muted")
        self.backfill_label.setWordWrap(True)
        left.addWidget(self.backfill_label)
        self.backfill = QProgressBar(paired)
        self.backfill.setObjectName("Backfill")
        left.addWidget(self.backfill)
        left.addStretch(1)
        self.forget_button = QPushButton("Forget this meter…", paired)
        self.forget_button.setObjectName("Forget")
        self.forget_button.setProperty("role", "danger")
        self.forget_button.clicked.connect(self.ask_forget)
        left.addWidget(self.forget_button)
        self.paired_card = paired
        row.addWidget(paired, 4)
        scan, right = _card(inner, "Find a meter")
        self.scan_button = QPushButton("Scan", scan)
        self.scan_button.setObjectName("Scan")
        self.scan_button.clicked.connect(self.scan)
        self.scan_status = QLabel("Press Scan to look for meters nearby.", scan)
        self.scan_status.setProperty("role", "muted")
        self.scan_status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.scan_button)
        buttons.addWidget(self.scan_status, 1)
        right.addLayout(buttons)
        self.results = ScanResultsModel(self)
        self.table = QTableView(scan)
        self.table.setObjectName("ScanResults")
        self.table.setAccessibleName("Meters found")
        # Tab leaves the table (arrow keys move within it): keyboard users are not trapped.
        self.table.setTabKeyNavigation(False)
        self.table.setModel(self.results)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        # A long meter name takes two lines rather than losing its end.
        self.table.setWordWrap(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        right.addWidget(self.table, 1)
        self.connect_button = QPushButton("Pair", scan)
        self.connect_button.setObjectName("Connect")
        self.connect_button.setProperty("role", "primary")
        self.connect_button.clicked.connect(self.connect_selected)
        right.addWidget(self.connect_button)
        self.scan_card = scan
        row.addWidget(scan, 5)
        scroll.setWidget(inner)
        self.layout_.addWidget(scroll, 1)
        self._busy = False
        context.theme.changed.connect(self._arrange)
        self._arrange()
        self.refresh(None)

    def _arrange(self) -> None:
        compact = self.context.theme.sizes.compact
        self.row.setDirection(
            QBoxLayout.Direction.TopToBottom if compact else QBoxLayout.Direction.LeftToRight
        )
        # Stacked, the list of meters keeps room for its header and three meters.
        rows = round(self.context.theme.sizes.base * 2.1)
        self.table.setMinimumHeight(4 * rows + 4 if compact else 0)
        self._order()

    def _order(self) -> None:
        """Stacked without a paired meter, finding one comes first (it is all there is to do)."""
        compact = self.context.theme.sizes.compact
        scan_first = compact and self.context.service.paired_meter is None
        first = self.scan_card if scan_first else self.paired_card
        if self.row.indexOf(first) == 0:
            return
        for card in (self.paired_card, self.scan_card):
            self.row.removeWidget(card)
        for card in (first, self.scan_card if first is self.paired_card else self.paired_card):
            self.row.addWidget(card, 4 if card is self.paired_card else 5)

    def _reveal_scan(self) -> None:
        """Stacked, scroll to the list of meters found."""
        if self.context.theme.sizes.compact:
            self.scroll_area.ensureWidgetVisible(self.scan_card)

    # -- actions -------------------------------------------------------------------------------
    def scan(self) -> None:
        """Look for meters."""
        self._busy = True
        self.scan_status.setText("Scanning…")
        self._update_buttons()
        self.context.runner.run(
            "Scanning", self.context.service.scan(self.scan_seconds), self.show_results
        ).add_done_callback(lambda _task: self._idle())

    def show_results(self, results: object) -> None:
        """Show what a scan found."""
        found: Sequence[ScanResult] = results  # type: ignore[assignment]
        self.results.set_results(found)
        count = len(found)
        self.scan_status.setText(
            "No meters found. Is the meter (or the emulator) running and nearby?"
            if count == 0
            else f"Found {count} meter{'s' if count != 1 else ''}. Choose one, then Pair."
        )
        if count:
            self.table.selectRow(0)
        self._reveal_scan()

    def _idle(self) -> None:
        self._busy = False
        self._update_buttons()

    def selected_result(self) -> ScanResult | None:
        """The scan result chosen."""
        rows = self.table.selectionModel().selectedRows()
        return self.results.result(rows[0].row()) if rows else None

    def connect_selected(self) -> None:
        """Connect to (and pair with, if new) the chosen meter."""
        target = self.selected_result()
        if target is None:
            return
        self._busy = True
        self._update_buttons()
        self.context.runner.run(
            f"Pairing with {target.name or target.address}"
            if self.connect_button.text() == "Pair"
            else f"Connecting to {target.name or target.address}",
            self._connect(target),
        ).add_done_callback(lambda _task: self._idle())

    async def _connect(self, target: ScanResult) -> None:
        try:
            await self.context.service.connect(target)
        except PairingRefusedError:
            # The radio's reason (an SMP error code) means nothing to the consumer.
            raise PairingRefusedError(
                "pairing was refused (No was answered, or the numbers did not match). "
                "Nothing was stored: press Pair to try again."
            ) from None

    def ask_forget(self) -> None:
        """Ask before forgetting the bonded meter."""
        meter = self.context.service.paired_meter
        name = meter.name if meter else "the meter"
        self.confirm = ConfirmDialog(
            "Forget this meter?",
            f"The display will delete its pairing keys for {name} and stop showing its "
            "readings and messages. To use it again you will have to pair again, comparing "
            "the numbers on both screens.",
            "Forget meter",
            self,
        )
        self.confirm.accepted.connect(self._forget)
        self.confirm.open()

    def _forget(self) -> None:
        self.context.runner.run("Forgetting the meter", self.context.service.forget_meter())

    # -- state ---------------------------------------------------------------------------------
    def refresh(self, topic: Topic | None = None) -> None:
        service = self.context.service
        if topic in (None, Topic.LINK):
            self._order()
            self.badge.set_link(service.link_state, service.security)
            meter = service.paired_meter
            if meter is None:
                values = {
                    "Meter": "None paired",
                    "Address": "–",
                    "Meter ID": "–",
                    "Certificate": "–",
                }
            else:
                values = {
                    "Meter": f"{meter.name} · paired {meter.paired_at.astimezone():%d %b %Y}",
                    "Address": meter.address,
                    "Meter ID": meter.meter_id,
                    "Certificate": f"SHA-256 {text.fingerprint(meter.certificate_sha256)}",
                }
            values["Security"] = (
                f"{text.link_state(service.link_state)} · {text.security_level(service.security)}"
            )
            # GB displays show their own identifier: the supplier commissions it by this id.
            values["This display"] = f"ID {service.display_id}"
            # Shown only once the display goes by the meter's proven time.
            correction = service.clock_correction_s
            values["Time"] = describe_correction(correction) if correction is not None else ""
            self.fields["Time"].setVisible(correction is not None)
            self.captions["Time"].setVisible(correction is not None)
            for name, value in values.items():
                self.fields[name].setText(value)
        if topic in (None, Topic.BACKFILL):
            progress = service.backfill
            self.backfill.setRange(0, max(progress.total, 1))
            self.backfill.setValue(progress.done)
            self.backfill.setVisible(progress.total > 0)
            if progress.total == 0:
                self.backfill_label.setText("History: not fetched yet")
            elif progress.running:
                self.backfill_label.setText(
                    f"Fetching history: {progress.done:,} of {progress.total:,} half hours"
                )
            else:
                self.backfill_label.setText(
                    f"History: {progress.done:,} half hours (13 months) fetched"
                )
        self._update_buttons()

    def _update_buttons(self) -> None:
        service = self.context.service
        state = service.link_state
        busy = self._busy or state in (
            LinkState.SCANNING,
            LinkState.CONNECTING,
            LinkState.PAIRING,
            LinkState.VERIFYING,
        )
        self.scan_button.setEnabled(not busy)
        target = self.selected_result()
        meter = service.paired_meter
        known = meter is not None and target is not None and target.address == meter.address
        connected_here = known and state is LinkState.CONNECTED
        self.connect_button.setText(
            "Connected" if connected_here else "Connect" if known else "Pair"
        )
        self.connect_button.setEnabled(target is not None and not busy and not connected_here)
        self.forget_button.setEnabled(meter is not None and not busy)
