"""Privacy: who may read the home's energy data, for what and how finely; what a licence allows
without asking; what each level reveals; and wiping what this display keeps."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ihd_app.core.data_access import DataAccess
from ihd_app.protocol.consent_terms import (
    PURPOSES,
    Grant,
    Granularity,
    Purpose,
    exemption_for,
)
from ihd_app.service.api import Topic
from ihd_app.ui.context import UiContext
from ihd_app.ui.dialogs.confirm import ConfirmDialog
from ihd_app.ui.screens.base import Screen
from ihd_app.ui.widgets.direct_control_card import DirectControlCard
from ihd_app.ui.widgets.scrolling import vertical_scroll

#: Consents dated this year or earlier were never given or refused by the consumer.
NEVER_YEAR = 1970
#: The choice that allows nothing.
NOT_ALLOWED = "Not allowed"
#: How many requests the data-access card lists (the export has them all).
ACCESS_ROWS_SHOWN = 5
#: How the log names each party.
PARTY_NAMES = {"dno": "DNO", "gdn": "GDN", "supplier": "Supplier"}


def access_line(entry: DataAccess) -> str:
    """One request as the consumer reads it: when, who, what for, how finely, the outcome."""
    who = entry.organisation or PARTY_NAMES.get(entry.party, entry.party)
    party = PARTY_NAMES.get(entry.party, entry.party)
    asked = entry.asked.replace("-", " ")
    start = entry.period_start.astimezone()
    end = entry.period_end.astimezone()
    period = f"{start:%d %b}" if start.date() == end.date() else f"{start:%d %b}–{end:%d %b}"
    outcome = (
        f"sent {entry.given.replace('-', ' ')} {entry.fuel}"
        if entry.given is not None
        else "refused"
    )
    return (
        f"{entry.at.astimezone():%d %b %H:%M} · {who} ({party}, {entry.purpose.replace('-', ' ')})"
        f" asked for {asked} {entry.fuel} data, {period}: {outcome}"
    )


def choice_key(purpose: Purpose) -> str:
    """The object-name suffix of a purpose's controls: ``party-purpose``."""
    return f"{purpose.party}-{purpose.name}"


def levels_offered(purpose: Purpose) -> list[Granularity | None]:
    """The choices a purpose's list offers: nothing, then each granularity finer than what a
    licence already allows (a choice below it would change nothing, so it is not offered)."""
    exemption = exemption_for(purpose.party, purpose.name)
    floor = exemption.granularity.rank if exemption is not None else -1
    return [None, *(g for g in Granularity if g.rank > floor)]


def status_text(grant: Grant, now: datetime) -> str:
    """The line under a choice: since when, until when, or that it lapsed."""
    if grant.changed_at.year <= NEVER_YEAR:
        return "Never asked"
    since = grant.changed_at.astimezone()
    if grant.granularity is None:
        return f"Not allowed since {since:%d %b %Y}"
    if grant.expires is not None and now >= grant.expires:
        return f"Expired on {grant.expires.astimezone():%d %b %Y}: choose again to renew"
    until = f" until {grant.expires.astimezone():%d %b %Y}" if grant.expires else ""
    return f"Allowed since {since:%d %b %Y}{until}"


class PrivacyScreen(Screen):
    """Consent per party and purpose, the licence exemptions, and the local-data wipe."""

    topics = frozenset({Topic.CONSENT, Topic.DATA_ACCESS, Topic.FLEXIBILITY})
    label = "Privacy"
    icon_name = "privacy"

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.confirm: ConfirmDialog | None = None
        # Scrolled if need be: a small panel (480x272) holds one purpose at a time.
        scroll, inner = vertical_scroll(self, "PrivacyScroll")
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        column.addWidget(self._consent_card(inner))
        self.direct_control = DirectControlCard(context.service.flexibility, inner)
        column.addWidget(self.direct_control)
        column.addWidget(self._access_card(inner))
        column.addWidget(self._reveals_card(inner))
        column.addWidget(self._keeps_card(inner))
        column.addWidget(self._wipe_card(inner))
        column.addStretch(1)
        scroll.setWidget(inner)
        self.layout_.addWidget(scroll, 1)
        self.refresh(None)

    def _card(self, parent: QWidget, title: str) -> tuple[QFrame, QVBoxLayout]:
        card = QFrame(parent)
        card.setProperty("role", "card")
        layout = QVBoxLayout(card)
        layout.setContentsMargins(14, 10, 14, 10)
        heading = QLabel(title, card)
        heading.setProperty("role", "title")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        return card, layout

    def _muted(self, text: str, parent: QWidget) -> QLabel:
        label = QLabel(text, parent)
        label.setProperty("role", "muted")
        label.setWordWrap(True)
        return label

    def _consent_card(self, parent: QWidget) -> QFrame:
        card, layout = self._card(parent, "Who may read your energy use")
        layout.addWidget(
            self._muted(
                "Your meter sends data only as you choose here, and never more finely. "
                "Each choice lasts a year. It is sent to the meter, signed by this display.",
                card,
            )
        )
        #: Each purpose's list of choices, its status line and its licence line.
        self.choices: dict[str, QComboBox] = {}
        self.status: dict[str, QLabel] = {}
        self.exemptions: dict[str, QLabel] = {}
        for purpose in PURPOSES:
            key = choice_key(purpose)
            layout.addSpacing(6)  # each purpose its own group: title, licence, choice, status
            name = QLabel(purpose.title, card)
            name.setProperty("role", "strong")
            name.setWordWrap(True)
            name.setObjectName(f"ConsentTitle-{key}")
            layout.addWidget(name)
            exemption = exemption_for(purpose.party, purpose.name)
            if exemption is not None:
                fact = self._muted(exemption.why, card)
                fact.setObjectName(f"ConsentLicence-{key}")
                layout.addWidget(fact)
                self.exemptions[key] = fact
            box = QComboBox(card)
            box.setObjectName(f"Consent-{key}")
            box.setAccessibleName(purpose.title)
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            for level in levels_offered(purpose):
                text = level.label if level is not None else NOT_ALLOWED
                if level is None and exemption is not None:
                    text = f"Only what the licence allows ({exemption.granularity.label.lower()})"
                box.addItem(text, level.value if level is not None else "none")
            box.activated.connect(lambda index, p=purpose, b=box: self._chosen(p, b, index))
            layout.addWidget(box)
            self.choices[key] = box
            status = self._muted("", card)
            status.setObjectName(f"ConsentStatus-{key}")
            layout.addWidget(status)
            self.status[key] = status
        return card

    def _access_card(self, parent: QWidget) -> QFrame:
        card, layout = self._card(parent, "Who has asked for your data")
        self.access_intro = self._muted("", card)
        layout.addWidget(self.access_intro)
        #: One line per request, newest first (the meter signs each notice).
        self.access_rows: list[QLabel] = []
        for index in range(ACCESS_ROWS_SHOWN):
            row = QLabel(card)
            row.setWordWrap(True)
            row.setObjectName(f"DataAccess-{index}")
            layout.addWidget(row)
            self.access_rows.append(row)
        self.export_button = QPushButton("Export the list…", card)
        self.export_button.setObjectName("ExportDataAccess")
        self.export_button.clicked.connect(self.ask_export)
        layout.addWidget(self.export_button)
        self.export_result = self._muted("", card)
        self.export_result.hide()
        layout.addWidget(self.export_result)
        return card

    def _reveals_card(self, parent: QWidget) -> QFrame:
        card, layout = self._card(parent, "What each choice reveals")
        for level in reversed(Granularity):
            layout.addWidget(self._muted(f"{level.label}: {level.reveals}.", card))
        return card

    def _keeps_card(self, parent: QWidget) -> QFrame:
        card, layout = self._card(parent, "What this display keeps")
        for line in (
            "Your usage: 13 months. Who asked for your data: 13 months.",
            "Past messages and the security log: 12 months. Your answers to the meter: 30 days "
            "after the meter has them.",
            "Nothing leaves this display but your signed answers and choices, to your meter. "
            "The privacy assessment (docs/privacy.md) lists every record and its control.",
        ):
            layout.addWidget(self._muted(line, card))
        return card

    def _wipe_card(self, parent: QWidget) -> QFrame:
        card = QFrame(parent)
        card.setProperty("role", "card")
        layout = QVBoxLayout(card)
        layout.setContentsMargins(14, 10, 14, 10)
        text = QLabel(
            "Delete the messages, usage history and security log kept on this display, and "
            "withdraw every consent at the meter. The meter keeps its own records.",
            card,
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        self.wipe_button = QPushButton("Wipe local data…", card)
        self.wipe_button.setObjectName("Wipe")
        self.wipe_button.setProperty("role", "danger")
        self.wipe_button.clicked.connect(self.ask_wipe)
        layout.addWidget(self.wipe_button)
        move_text = QLabel(
            "Moving out? This also forgets the meter, so the next household starts afresh. "
            "The security log is kept: it records what was sent here, not what you did.",
            card,
        )
        move_text.setWordWrap(True)
        layout.addWidget(move_text)
        self.move_out_button = QPushButton("I'm moving out…", card)
        self.move_out_button.setObjectName("MoveOut")
        self.move_out_button.setProperty("role", "danger")
        self.move_out_button.clicked.connect(self.ask_move_out)
        layout.addWidget(self.move_out_button)
        self.move_out_status = self._muted("", card)
        self.move_out_status.setObjectName("MoveOutStatus")
        self.move_out_status.hide()
        layout.addWidget(self.move_out_status)
        return card

    def refresh(self, topic: Topic | None = None) -> None:
        moment = self.context.clock()
        grants = {(g.party, g.purpose): g for g in self.context.service.consents()}
        for purpose in PURPOSES:
            key = choice_key(purpose)
            grant = grants.get((purpose.party, purpose.name))
            level = grant.allows_at(moment) if grant is not None else None
            box = self.choices[key]
            index = box.findData(level.value if level is not None else "none")
            box.setCurrentIndex(max(index, 0))
            text = status_text(grant, moment) if grant is not None else "Never asked"
            self.status[key].setText(text)
            box.setAccessibleDescription(text)

        self._refresh_access()
        self.direct_control.refresh()
        waiting = self.context.service.moving_out
        self.move_out_status.setVisible(waiting)
        self.move_out_status.setText(
            "Moving out: your consents are being withdrawn at the meter. This display forgets "
            "the meter as soon as the meter confirms."
            if waiting
            else ""
        )

    def _refresh_access(self) -> None:
        service = self.context.service
        entries = service.data_access_log(ACCESS_ROWS_SHOWN + 1)
        shown = entries[:ACCESS_ROWS_SHOWN]
        if not entries:
            intro = "No one has asked your meter for your data yet."
        elif len(entries) > ACCESS_ROWS_SHOWN:
            intro = f"The newest {ACCESS_ROWS_SHOWN}; export the list to see them all."
        else:
            intro = "Every request your meter answered or refused, newest first."
        self.access_intro.setText(intro)
        for row, entry in zip(
            self.access_rows, [*shown, *[None] * ACCESS_ROWS_SHOWN], strict=False
        ):
            row.setVisible(entry is not None)
            if entry is not None:
                row.setText(access_line(entry))
                row.setProperty("role", "" if entry.granted else "warning")
        self.export_button.setEnabled(bool(entries))

    def ask_export(self) -> None:
        """Ask where to save the data-access log, then save it as CSV."""
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export who asked for your data", "data-access.csv", "CSV files (*.csv)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        """Save the data-access log to ``path`` and say how it went."""
        try:
            count = self.context.service.export_data_access(path)
        except OSError as error:
            text = f"Could not save {path}: {error.strerror or error}. Choose another place."
        else:
            text = f"{count} request{'s' if count != 1 else ''} saved to {path}."
        self.export_result.setText(text)
        self.export_result.show()

    def _chosen(self, purpose: Purpose, box: QComboBox, index: int) -> None:
        value = box.itemData(index)
        level = None if value == "none" else Granularity(str(value))
        self.context.runner.run(
            "Changing consent",
            self.context.service.set_consent(purpose.party, purpose.name, level),
        ).add_done_callback(lambda _task: self.refresh(None))

    def ask_wipe(self) -> None:
        """Ask before wiping."""
        self.confirm = ConfirmDialog(
            "Wipe local data?",
            "All messages, usage history and the security log on this display will be deleted, "
            "and every consent withdrawn at the meter. This cannot be undone.",
            "Wipe data",
            self,
        )
        self.confirm.accepted.connect(self._wipe)
        self.confirm.open()

    def ask_move_out(self) -> None:
        """Ask before moving out, saying what goes and what stays."""
        self.confirm = ConfirmDialog(
            "Moving out?",
            "Your messages, usage history, consents and data-access log will be deleted, every "
            "consent withdrawn at the meter, and this display will forget the meter. The "
            "security log, tariffs and settings stay. This cannot be undone.",
            "Move out",
            self,
        )
        self.confirm.accepted.connect(self._move_out)
        self.confirm.open()

    def _move_out(self) -> None:
        self.context.runner.run("Moving out", self.context.service.move_out()).add_done_callback(
            lambda _task: self.refresh(None)
        )

    def _wipe(self) -> None:
        self.context.runner.run("Wiping local data", self.context.service.wipe_local_data())
