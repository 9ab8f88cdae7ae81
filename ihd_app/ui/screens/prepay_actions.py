"""Home's prepayment behaviour: the card's buttons and the keypad, wired to the service."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QStackedWidget

from ihd_app.service.api import PrepayApi
from ihd_app.service.prepayment import PrepayActionError
from ihd_app.ui.widgets.prepay_card import PrepayCard
from ihd_app.ui.widgets.top_up_keypad import TopUpKeypad


class PrepayHome(Protocol):
    """What of Home the actions use."""

    prepay: PrepayCard
    keypad: TopUpKeypad
    pages: QStackedWidget


class PrepayActions:
    """Opens the keypad, sends codes and choices, shows the meter's answers.

    Args:
        home: Home's card, keypad and pages.
        prepayment: The service's prepayment side.
    """

    def __init__(self, home: PrepayHome, prepayment: PrepayApi) -> None:
        self._home = home
        self._prepayment = prepayment
        self._waiting = False
        home.prepay.top_up_requested.connect(self.open_keypad)
        home.prepay.emergency_requested.connect(self._use_emergency_credit)
        home.prepay.restore_requested.connect(self._restore)
        home.keypad.submitted.connect(self._send)
        home.keypad.closed.connect(self.close_keypad)

    def open_keypad(self) -> None:
        """Show the keypad, empty, with the keyboard on it."""
        self._home.keypad.reset()
        self._home.pages.setCurrentWidget(self._home.keypad)
        self._home.keypad.setFocus()

    def close_keypad(self) -> None:
        """Back to Home."""
        self._waiting = False
        self._home.pages.setCurrentIndex(0)

    def refresh(self) -> None:
        """The meter said something: the card, and the verdict awaited on the keypad."""
        self._home.prepay.set_status(self._prepayment.status)
        outcome = self._prepayment.last_top_up
        if self._waiting and outcome is not None:
            self._waiting = False
            self._home.keypad.show_outcome(outcome)

    def _send(self, digits: str) -> None:
        try:
            self._prepayment.top_up(digits)
        except PrepayActionError as error:
            self._home.keypad.show_error(str(error))
            return
        self._waiting = True
        self._home.keypad.waiting()
        self.refresh()  # a fake (or a very fast meter) may have answered already

    def _use_emergency_credit(self) -> None:
        try:
            self._prepayment.use_emergency_credit()
        except PrepayActionError as error:
            self._home.prepay.details.setText(str(error))

    def _restore(self) -> None:
        try:
            self._prepayment.restore_supply()
        except PrepayActionError as error:
            self._home.prepay.details.setText(str(error))
