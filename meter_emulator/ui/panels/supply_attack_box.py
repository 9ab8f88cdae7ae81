"""The attack console's "Attacks on the supply switch" box: forged disconnection, replayed
disconnection, supplier pretending to be the DNO. Each goes to the meter, which must refuse it
with its reason and leave the supply as it was; the box says what happened in one line."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ihd_app.protocol.errors import IhdError
from meter_emulator.attacks.supply_attacks import (
    SUPPLY_ATTACKS,
    SupplyAttackRecord,
    SupplyAttacks,
)


def verdict_text(title: str, record: SupplyAttackRecord) -> str:
    """What came of a supply attack, in one line a room reads from the projector."""
    if record.reason is None:
        return f"{title}: CARRIED OUT by the meter. This must never happen."
    supply = "the supply is unchanged" if record.supply_unchanged else "THE SUPPLY CHANGED"
    verdict = "as expected" if record.as_expected else f"expected {record.expected}"
    return f"{title}: refused by the meter ({record.reason}, {verdict}); {supply}."


class SupplyAttackBox(QGroupBox):
    """Three buttons, one per supply attack, and the last outcome.

    Args:
        attacks: The running meter's supply attacks.
        parent: Qt parent.
    """

    def __init__(self, attacks: SupplyAttacks, parent: QWidget | None = None) -> None:
        super().__init__("Attacks on the supply switch (refused by the meter)", parent)
        self._attacks = attacks
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        layout.addLayout(row)
        self.buttons: dict[str, QPushButton] = {}
        for chosen in SUPPLY_ATTACKS:
            button = QPushButton(chosen.title, self)
            button.setToolTip(f"{chosen.description}\nExpected: {chosen.expected.value}")
            button.setAccessibleName(f"Attack on the supply: {chosen.title}")
            button.clicked.connect(lambda _=False, n=chosen.name: self.launch(n))
            row.addWidget(button)
            self.buttons[chosen.name] = button
        self.outcome = QLabel(
            "The replay needs a genuine disconnection first (operator console: Disconnect, "
            "Enable, then Restore at the meter).",
            self,
        )
        self.outcome.setObjectName("supplyAttackOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.setAccessibleName("Outcome of the last attack on the supply switch")
        layout.addWidget(self.outcome)

    def _say(self, text: str, *, ok: bool) -> None:
        self.outcome.setText(text)
        self.outcome.setProperty("tone", "good" if ok else "bad")
        self.outcome.style().unpolish(self.outcome)
        self.outcome.style().polish(self.outcome)

    def launch(self, name: str) -> SupplyAttackRecord | None:
        """Launch supply attack ``name`` and say what the meter did."""
        title = next(a.title for a in SUPPLY_ATTACKS if a.name == name)
        try:
            record = self._attacks.launch(name)
        except IhdError as error:
            self._say(f"{title}: not launched: {error}.", ok=False)
            return None
        self._say(verdict_text(title, record), ok=record.as_expected)
        return record
