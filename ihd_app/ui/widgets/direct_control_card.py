"""The Privacy screen's card for direct control (seed §2.3.1): for each network operator or
supplier that has sent a flexibility event, which of the household's devices it may pause.
Each change is kept and sent to the meter, signed by the display; unticking withdraws."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QFrame, QLabel, QVBoxLayout, QWidget

from ihd_app.protocol.demand_response import CONTROLLABLE
from ihd_app.service.api import FlexibilityApi

NOBODY_YET = (
    "No network operator or supplier has sent a flexibility event yet. Once one has, you can "
    "choose here which devices it may pause during its events."
)


class DirectControlCard(QFrame):
    """One group of tick boxes per sender of flexibility events.

    Args:
        flexibility: The service's flexibility events and agreements.
        parent: The Privacy screen's scrolled column.
    """

    def __init__(self, flexibility: FlexibilityApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DirectControlCard")
        self.setProperty("role", "card")
        self._flexibility = flexibility
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        self._layout = layout
        heading = QLabel("Who may pause your appliances", self)
        heading.setProperty("role", "title")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        explain = QLabel(
            "During a flexibility event the meter can pause a device for the sender, only if "
            "you tick it here. Untick to withdraw at any time.",
            self,
        )
        explain.setProperty("role", "muted")
        explain.setWordWrap(True)
        layout.addWidget(explain)
        self.nobody = QLabel(NOBODY_YET, self)
        self.nobody.setProperty("role", "muted")
        self.nobody.setWordWrap(True)
        layout.addWidget(self.nobody)
        #: (originator, device class) -> its tick box.
        self.boxes: dict[tuple[str, int], QCheckBox] = {}
        self._senders: list[str] = []

    def refresh(self) -> None:
        """Show every sender and what the householder agreed to."""
        names: dict[str, str] = {}
        for shown in self._flexibility.events():
            names.setdefault(shown.originator, shown.organisation)
        agreements = self._flexibility.agreements()
        for originator in agreements:
            names.setdefault(originator, originator)
        for originator in sorted(names):
            if originator not in self._senders:
                self._add_sender(originator, names[originator])
        self.nobody.setVisible(not self._senders)
        for (originator, device_class), box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(bool(agreements.get(originator, 0) & device_class))
            box.blockSignals(False)

    def _add_sender(self, originator: str, organisation: str) -> None:
        self._senders.append(originator)
        name = QLabel(organisation, self)
        name.setProperty("role", "strong")
        name.setWordWrap(True)
        self._layout.addWidget(name)
        for member, device in CONTROLLABLE.items():
            box = QCheckBox(device, self)
            box.setObjectName(f"DirectControl-{int(member)}")
            box.setAccessibleName(f"{organisation} may pause the {device}")
            box.toggled.connect(lambda _on, o=originator: self._changed(o))
            self._layout.addWidget(box)
            self.boxes[(originator, int(member))] = box

    def _changed(self, originator: str) -> None:
        agreed = sum(
            device_class
            for (sender, device_class), box in self.boxes.items()
            if sender == originator and box.isChecked()
        )
        self._flexibility.set_agreement(originator, agreed)
