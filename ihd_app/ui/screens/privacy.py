"""Privacy: who may read half-hourly data, and wiping what this display keeps."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ihd_app.service.api import Topic
from ihd_app.ui.context import UiContext
from ihd_app.ui.dialogs.confirm import ConfirmDialog
from ihd_app.ui.screens.base import Screen
from ihd_app.ui.widgets.scrolling import vertical_scroll
from ihd_app.ui.widgets.touch import RowCheckBox

#: Consents dated this year or earlier were never given or refused by the consumer.
NEVER_YEAR = 1970
#: The parties whose access the consumer decides, and how they are named.
PARTIES = {
    "supplier": "Your energy supplier",
    "dno": "Electricity network operator (DNO)",
    "gdn": "Gas network operator (GDN)",
}


class PrivacyScreen(Screen):
    """Consent toggles and the local-data wipe."""

    topics = frozenset({Topic.CONSENT})
    label = "Privacy"
    icon_name = "privacy"

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.confirm: ConfirmDialog | None = None
        # Scrolled if need be: a small panel (480x272) does not hold both cards.
        scroll, inner = vertical_scroll(self, "PrivacyScroll")
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        card = QFrame(inner)
        card.setProperty("role", "card")
        layout = QVBoxLayout(card)
        layout.setContentsMargins(14, 10, 14, 10)
        title = QLabel("Who may read your half-hourly usage", card)
        title.setProperty("role", "title")
        title.setWordWrap(True)
        layout.addWidget(title)
        intro = QLabel(
            "Half-hourly readings show when you are at home. Each party below may read them "
            "only if you allow it. Your choice is sent to the meter, signed by this display.",
            card,
        )
        intro.setProperty("role", "muted")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.toggles: dict[str, QCheckBox] = {}
        #: When each party's consent was last changed (under its check box; a check box does
        #: not wrap, and the name and the date do not fit one line of a small panel).
        self.changed: dict[str, QLabel] = {}
        for party, name in PARTIES.items():
            box = RowCheckBox(name, card)
            box.setObjectName(f"Consent-{party}")
            box.clicked.connect(lambda checked, p=party: self._set(p, checked))
            layout.addWidget(box)
            self.toggles[party] = box
            changed = QLabel(card)
            changed.setObjectName(f"ConsentChanged-{party}")
            changed.setProperty("role", "muted")
            changed.setWordWrap(True)
            layout.addWidget(changed)
            self.changed[party] = changed
        column.addWidget(card)
        wipe_card = QFrame(inner)
        wipe_card.setProperty("role", "card")
        wipe_layout = QVBoxLayout(wipe_card)
        wipe_layout.setContentsMargins(14, 10, 14, 10)
        wipe_text = QLabel(
            "Delete the messages, usage history and security log kept on this display. "
            "The meter keeps its own records.",
            wipe_card,
        )
        wipe_text.setWordWrap(True)
        wipe_layout.addWidget(wipe_text)
        self.wipe_button = QPushButton("Wipe local data…", wipe_card)
        self.wipe_button.setObjectName("Wipe")
        self.wipe_button.setProperty("role", "danger")
        self.wipe_button.clicked.connect(self.ask_wipe)
        wipe_layout.addWidget(self.wipe_button)
        column.addWidget(wipe_card)
        column.addStretch(1)
        scroll.setWidget(inner)
        self.layout_.addWidget(scroll, 1)
        context.theme.changed.connect(self._arrange)
        self._arrange()
        self.refresh(None)

    def _arrange(self) -> None:
        # The date lines up with its check box's text, not with the box.
        sizes = self.context.theme.sizes
        indent = sizes.px("indicator") + 14
        for label in self.changed.values():
            label.setContentsMargins(indent, 0, 0, 0)

    def refresh(self, topic: Topic | None = None) -> None:
        consents = {c.party: c for c in self.context.service.consents()}
        for party, box in self.toggles.items():
            consent = consents.get(party)
            box.setChecked(bool(consent and consent.allowed))
            # The service lists parties never asked as "not allowed since 1970": no date then.
            dated = consent is not None and consent.changed_at.year > NEVER_YEAR
            changed = (
                f"{'Allowed' if consent.allowed else 'Not allowed'} since "
                f"{consent.changed_at.astimezone():%d %b %Y}"
                if consent is not None and dated
                else ""
            )
            self.changed[party].setText(changed)
            self.changed[party].setVisible(dated)
            box.setAccessibleDescription(changed)

    def _set(self, party: str, allowed: bool) -> None:
        self.context.runner.run(
            "Changing consent", self.context.service.set_consent(party, allowed)
        ).add_done_callback(lambda _task: self.refresh(None))

    def ask_wipe(self) -> None:
        """Ask before wiping."""
        self.confirm = ConfirmDialog(
            "Wipe local data?",
            "All messages, usage history and the security log on this display will be deleted. "
            "This cannot be undone.",
            "Wipe data",
            self,
        )
        self.confirm.accepted.connect(self._wipe)
        self.confirm.open()

    def _wipe(self) -> None:
        self.context.runner.run("Wiping local data", self.context.service.wipe_local_data())
