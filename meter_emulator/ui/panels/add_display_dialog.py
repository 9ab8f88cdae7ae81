"""Add display…: pick a display of the meter's PKI that is not on the device log, or paste another
one's identifier and certificate fingerprint. Nothing is signed here; the dialog only says
which display, checked (:func:`meter_emulator.han_candidates.parse_display`)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from meter_emulator.han_candidates import DisplayCandidate, parse_display


class AddDisplayDialog(QDialog):
    """Which display to add, before the supplier signs ``han.device-add``.

    Args:
        candidates: The PKI's displays not on the log.
        parent: Qt parent.
    """

    def __init__(
        self, candidates: Sequence[DisplayCandidate], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a display to the device log")
        self.setObjectName("AddDisplayDialog")
        self._candidates = list(candidates)
        self._chosen: tuple[str, str] | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(
            "The supplier signs han.device-add for this display; the meter then serves it. "
            "It shows in the operator console like any command.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.from_pki = QRadioButton("A display of this meter's PKI", self)
        self.pasted = QRadioButton("Another display (paste its identifier and fingerprint)", self)
        group = QButtonGroup(self)
        group.addButton(self.from_pki)
        group.addButton(self.pasted)
        self.candidates = QComboBox(self)
        self.candidates.setAccessibleName("Displays of the PKI not on the device log")
        for candidate in self._candidates:
            self.candidates.addItem(candidate.label, candidate.ihd_id)
        self.identifier = QLineEdit(self)
        self.identifier.setPlaceholderText("00-1D-A6-00-00-00-01-02")
        self.identifier.setAccessibleName("Display identifier")
        self.fingerprint = QLineEdit(self)
        self.fingerprint.setPlaceholderText("SHA-256 of its certificate, 64 hex digits")
        self.fingerprint.setAccessibleName("Certificate fingerprint")
        layout.addWidget(self.from_pki)
        layout.addWidget(self.candidates)
        layout.addWidget(self.pasted)
        form = QFormLayout()
        form.addRow("Identifier", self.identifier)
        form.addRow("Fingerprint", self.fingerprint)
        layout.addLayout(form)
        self.problem = QLabel(self)
        self.problem.setObjectName("addDisplayProblem")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.send = buttons.addButton(
            "Sign and send as supplier", QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        has_candidates = bool(self._candidates)
        self.from_pki.setEnabled(has_candidates)
        self.candidates.setEnabled(has_candidates)
        (self.from_pki if has_candidates else self.pasted).setChecked(True)
        self.from_pki.toggled.connect(self._enable)
        self._enable()

    def _enable(self) -> None:
        pasting = self.pasted.isChecked()
        self.candidates.setEnabled(not pasting and bool(self._candidates))
        self.identifier.setEnabled(pasting)
        self.fingerprint.setEnabled(pasting)

    def chosen(self) -> tuple[str, str] | None:
        """The display accepted: its identifier and certificate fingerprint."""
        return self._chosen

    def accept(self) -> None:
        """Close only with a well-formed display chosen; otherwise say what is wrong."""
        if self.pasted.isChecked():
            try:
                self._chosen = parse_display(self.identifier.text(), self.fingerprint.text())
            except ValueError as error:
                self.problem.setText(f"Not added: {error}.")
                return
        else:
            candidate = self._candidates[self.candidates.currentIndex()]
            self._chosen = (candidate.ihd_id, candidate.fingerprint)
        super().accept()
