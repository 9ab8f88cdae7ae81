"""The radio strip across the top of the window: advertising, the connected IHD, its security,
and the six-digit number to compare with the IHD's while pairing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from meter_emulator.gatt.pairing_window import REASON_WINDOW_CLOSED
from meter_emulator.ui.pairing import PairingQuestions


def _bold(text: str) -> str:
    return f"<b>{text}</b>"


#: What a refused or failed pairing means, for the person at the meter (by the meter's
#: ``pairing.failed`` reason).
_FAILURES = {
    "comparison-rejected": "you answered Different here",
    "just-works-refused": "the IHD offered no way to compare numbers (Just Works is refused)",
    "legacy-pairing-refused": "the IHD offered only legacy pairing (refused)",
}


def pairing_failure_text(reason: object) -> str:
    """What the meter says after a failed pairing: what happened, and how to pair again."""
    if str(reason) == REASON_WINDOW_CLOSED:
        return (
            "Pairing refused: the pairing window is closed, so nothing was stored on either "
            "side. Press Open pairing window, then Pair again on the IHD."
        )
    cause = _FAILURES.get(str(reason), f"reason: {reason}")
    return (
        f"Pairing failed ({cause}), so nothing was stored on either side. The meter is ready: "
        "press Pair again on the IHD to compare new numbers."
    )


def six_digits(number: int) -> str:
    """``779432`` as ``779 432``: grouped as the display shows it, to compare at a glance."""
    return f"{number // 1000:03d} {number % 1000:03d}"


class RadioStatus(QFrame):
    """What the meter's radio is doing, from its link events.

    Attributes:
        drop_requested: The demonstrator asked to drop the link (as interference would).
    """

    drop_requested = Signal()

    def __init__(self, questions: PairingQuestions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RadioStatus")
        self.setProperty("role", "strip")
        self._questions = questions
        # The link's state beside Drop link; the pairing question and its answers on a line of
        # their own under it, so neither squeezes the other (an address has nowhere to wrap).
        rows = QVBoxLayout(self)
        rows.setContentsMargins(12, 8, 12, 8)
        top = QHBoxLayout()
        rows.addLayout(top)
        layout = QHBoxLayout()
        rows.addLayout(layout)
        self.state = QLabel("Radio starting…", self)
        self.state.setObjectName("radioState")
        self.state.setAccessibleName("Radio state")
        self.state.setWordWrap(True)
        top.addWidget(self.state, 1)
        self.pairing = QLabel(self)
        self.pairing.setObjectName("pairingNumber")
        self.pairing.setAccessibleName("Pairing number")
        self.pairing.setWordWrap(True)
        self.pairing.hide()
        layout.addWidget(self.pairing, 1)
        self.same = QPushButton("Same number", self)
        self.same.setAccessibleName("Confirm: the IHD shows the same number")
        self.different = QPushButton("Different", self)
        self.different.setAccessibleName("Refuse: the IHD shows a different number")
        for button, answer in ((self.same, True), (self.different, False)):
            button.hide()
            button.clicked.connect(lambda _=False, a=answer: self._answer(a))
            layout.addWidget(button)
        self.drop = QPushButton("Drop link", self)
        self.drop.setToolTip("Disconnect the IHD as radio interference would; it reconnects")
        self.drop.setAccessibleName("Drop the link to the IHD")
        self.drop.setEnabled(False)
        self.drop.clicked.connect(self.drop_requested.emit)
        top.addWidget(self.drop, 0, Qt.AlignmentFlag.AlignTop)
        self._advertising = ""
        self._peer: str | None = None
        self._security = ""
        self._listening = False
        self._pending = 0
        questions.asked.connect(self._on_asked)
        questions.passkey_shown.connect(self._on_passkey)
        questions.settled.connect(self._on_settled)

    def _answer(self, same: bool) -> None:
        self._questions.answer(same)

    def _on_asked(self, number: int, auto_accepted: bool) -> None:
        if auto_accepted:
            self.pairing.setText(f"Pairing: {_bold(six_digits(number))} (accepted automatically)")
        else:
            self.pairing.setText(f"Does the IHD show {_bold(six_digits(number))}?")
            self.same.show()
            self.different.show()
            self.same.setFocus()
        self.pairing.show()

    def _on_passkey(self, passkey: int) -> None:
        self.pairing.setText(f"Type {_bold(six_digits(passkey))} on the IHD")
        self.pairing.show()

    def _on_settled(self) -> None:
        self.same.hide()
        self.different.hide()

    def on_events(self, records: list[Mapping[str, Any]]) -> None:
        """Follow the link events in ``records``."""
        for record in records:
            name = record.get("event")
            if name == "advertising":
                self._advertising = f"{record.get('name')} ({record.get('address')})"
            elif name == "link.connected":
                self._peer = str(record.get("peer"))
                self._security = "not encrypted yet"
            elif name == "link.paired":
                number = record.get("number", record.get("passkey"))
                if number is not None:
                    self.pairing.setText(f"Paired · number was {_bold(six_digits(int(number)))}")
                    self.pairing.show()
            elif name == "pairing.failed":
                self.pairing.setText(pairing_failure_text(record.get("reason")))
                self.pairing.show()
                self._on_settled()
            elif name == "link.encrypted":
                parts = ["encrypted"]
                parts.append(
                    "authenticated" if record.get("authenticated") else "NOT authenticated"
                )
                if record.get("bonded"):
                    parts.append("bonded")
                self._security = ", ".join(parts)
            elif name == "link.disconnected":
                self._peer = None
                self._listening = False
            elif name == "subscribed" and record.get("characteristic") == "Messages to IHD":
                self._listening = bool(record.get("indicate"))
        self._render()

    def set_pending(self, pending: int, listening: bool) -> None:
        """Messages waiting for the IHD, and whether it listens (from the meter's snapshot)."""
        if (pending, listening) != (self._pending, self._listening):
            self._pending, self._listening = pending, listening
            self._render()

    def _render(self) -> None:
        if self._peer is None:
            text = (
                f"Advertising as {_bold(self._advertising)} · waiting for the IHD"
                if self._advertising
                else "Radio starting…"
            )
        else:
            listening = "listening for messages" if self._listening else "not subscribed yet"
            text = f"IHD {_bold(self._peer)} connected · {self._security} · {listening}"
        if self._pending:
            text += f" · {self._pending} message(s) held for the IHD"
        self.state.setText(text)
        self.drop.setEnabled(self._peer is not None)
