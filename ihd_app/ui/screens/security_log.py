"""Security log: every refused message, newest first, explained in plain language."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSplitter,
    QTableView,
    QWidget,
)

from ihd_app.core.model import SecurityEvent
from ihd_app.service.api import Topic
from ihd_app.ui import text
from ihd_app.ui.context import UiContext
from ihd_app.ui.models.security_log import Column, SecurityLogModel
from ihd_app.ui.screens.base import Screen


class RefusalDetail(QFrame):
    """One refusal in full."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        grid = QGridLayout(self)
        grid.setContentsMargins(12, 8, 12, 8)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(3)
        self.fields: dict[str, QLabel] = {}
        names = ("Refused", "Why", "Claimed sender", "Claimed type", "Detail")
        for row, name in enumerate(names):
            caption = QLabel(name, self)
            caption.setProperty("role", "muted")
            value = QLabel(self)
            value.setObjectName(f"Refusal{name.replace(' ', '')}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            # Both from the top: a value may wrap onto several lines.
            grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, 1, Qt.AlignmentFlag.AlignTop)
            self.fields[name] = value
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(len(names), 1)  # spare height below the rows, not between them
        self.show_event(None)

    def show_event(self, event: SecurityEvent | None) -> None:
        """Show ``event``."""
        if event is None:
            for value in self.fields.values():
                value.setText("")
            self.fields["Refused"].setText("Nothing refused. Every message so far was genuine.")
            return
        size = f" · {event.size} bytes" if event.size else ""
        notified = " · sender notified" if event.notified else ""
        self.fields["Refused"].setText(f"{text.timestamp(event.at)}{size}{notified}")
        self.fields["Why"].setText(f"{event.reason}: {text.reason_explanation(event.reason)}")
        self.fields["Claimed sender"].setText(
            f"⚠ {event.claimed_originator or 'unreadable'} (unverified claim)"
        )
        self.fields["Claimed type"].setText(f"⚠ {event.claimed_type or 'unreadable'} (unverified)")
        self.fields["Detail"].setText(event.detail or "–")
        for name in ("Claimed sender", "Claimed type"):
            self.fields[name].setProperty("role", "unverified")
            self.fields[name].style().polish(self.fields[name])


class SecurityLogScreen(Screen):
    """The table of refusals and the selected refusal's details."""

    topics = frozenset({Topic.SECURITY_LOG})
    label = "Security"
    icon_name = "security"

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.summary = QLabel(self)
        self.summary.setObjectName("SecuritySummary")
        self.summary.setWordWrap(True)
        self.layout_.addWidget(self.summary)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.setChildrenCollapsible(False)
        self.model = SecurityLogModel(context.service, self)
        self.table = QTableView(splitter)
        self.table.setObjectName("SecurityLog")
        self.table.setAccessibleName("Refused messages")
        # Tab leaves the table (arrow keys move within it): keyboard users are not trapped.
        self.table.setTabKeyNavigation(False)
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        # What a refusal means is a sentence: wrapped onto as many lines as the column needs
        # (readable on a projector with the display in half of the screen), never cut.
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(Column.TIME, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.REASON, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.EXPLANATION, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(Column.CLAIMED, QHeaderView.ResizeMode.Interactive)
        # The refusal's details scroll rather than being cut off on a small panel, and get
        # the larger share: the table needs only a few rows to be useful.
        scroll = QScrollArea(splitter)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.detail = RefusalDetail(scroll)
        scroll.setWidget(self.detail)
        splitter.addWidget(self.table)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([2000, 3000])
        self.layout_.addWidget(splitter, 1)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.detail.show_event(self.model.event(current.row()))
        )
        context.theme.changed.connect(self._arrange)
        self._arrange()
        self.refresh(None)

    def _arrange(self) -> None:
        # A small panel (480x272) shows one line per refusal: what it means is in the
        # details below, at full width, rather than three lines of a narrow column.
        compact = self.context.theme.sizes.compact
        self.table.setColumnHidden(Column.EXPLANATION, compact)
        self.table.horizontalHeader().setSectionResizeMode(
            Column.REASON,
            QHeaderView.ResizeMode.Stretch if compact else QHeaderView.ResizeMode.ResizeToContents,
        )

    def refresh(self, topic: Topic | None = None) -> None:
        self.model.refresh()
        count = self.model.rowCount()
        self.summary.setText(
            "No message has been refused. The display shows only messages whose signature, "
            "sender and permissions it has checked."
            if count == 0
            else f"{count} message{'s' if count != 1 else ''} refused. None of them was shown: "
            "the display shows only what it has verified. Senders below are as claimed, "
            "not proven."
        )
        self.table.setColumnHidden(Column.CLAIMED, self.width() < 1000)
        if count:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.detail.show_event(self.model.event(0))
        else:
            self.detail.show_event(None)
