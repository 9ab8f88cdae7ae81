"""Pairing questions: numeric comparison and passkey entry, answered through the service."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from ihd_app.link.meter_link import LinkState
from ihd_app.service.api import PairingQuestion, PairingRequest
from ihd_app.ui.dialogs.pairing import CompareDialog, PasskeyDialog
from ihd_app.ui.screens.meter import MeterScreen
from tests.ui.fakes import make_service

LEFT = Qt.MouseButton.LeftButton


def _unpaired(**kwargs: Any) -> tuple[Any, Any, Any]:
    return make_service(paired=False, exclude=["a1f3c9e2"], **kwargs)


def _scan_and_pair(qtbot: Any, window: Any) -> MeterScreen:
    screen = window.show_kind(MeterScreen)
    qtbot.mouseClick(screen.scan_button, LEFT)
    qtbot.waitUntil(lambda: screen.results.rowCount() == 3)
    assert screen.selected_result().address == "F4:12:FA:6C:01:9E"
    assert screen.connect_button.text() == "Pair"
    qtbot.mouseClick(screen.connect_button, LEFT)
    qtbot.waitUntil(lambda: window.pairing is not None and window.pairing.isVisible())
    return screen


def test_numeric_comparison_yes_pairs(qtbot: Any, open_window: Any) -> None:
    service, _meter, clock = _unpaired()
    window = open_window(service, clock)
    _scan_and_pair(qtbot, window)
    dialog = window.pairing
    assert isinstance(dialog, CompareDialog)
    assert dialog.number.text() == "123 456"

    qtbot.mouseClick(dialog.yes, LEFT)

    qtbot.waitUntil(lambda: service.link_state is LinkState.CONNECTED)
    assert service.called("answer_pairing") == [(True, None)]
    assert service.security.authenticated
    assert service.security.secure_connections
    assert service.paired_meter is not None
    assert window.pairing is None
    assert not [d for d in window.findChildren(CompareDialog) if d.isVisible()]


def test_numeric_comparison_no_refuses(qtbot: Any, open_window: Any) -> None:
    service, _meter, clock = _unpaired()
    window = open_window(service, clock)
    _scan_and_pair(qtbot, window)
    dialog = window.pairing
    assert isinstance(dialog, CompareDialog)

    qtbot.mouseClick(dialog.no, LEFT)

    qtbot.waitUntil(window.notice.isVisible)
    assert service.called("answer_pairing") == [(False, None)]
    assert service.paired_meter is None
    assert service.link_state is LinkState.IDLE
    assert "refused" in window.notice.text()


def test_passkey_dialog_sends_the_typed_number(qtbot: Any, open_window: Any) -> None:
    service, meter, clock = _unpaired()
    meter.pairing_question = PairingQuestion.ENTER_PASSKEY
    meter.pairing_number = 482193
    window = open_window(service, clock)
    _scan_and_pair(qtbot, window)
    dialog = window.pairing
    assert isinstance(dialog, PasskeyDialog)
    assert not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.entry, "48x21")
    assert dialog.entry.text() == "4821"  # digits only
    assert not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.entry, "93")
    assert dialog.ok.isEnabled()

    qtbot.mouseClick(dialog.ok, LEFT)

    qtbot.waitUntil(lambda: service.link_state is LinkState.CONNECTED)
    assert service.called("answer_pairing") == [(True, 482193)]


def test_passkey_cancel_answers_no(qtbot: Any, open_window: Any) -> None:
    service, meter, clock = _unpaired()
    window = open_window(service, clock)
    meter.ask_pairing(PairingRequest(PairingQuestion.ENTER_PASSKEY, None))
    qtbot.waitUntil(lambda: isinstance(window.pairing, PasskeyDialog))
    qtbot.mouseClick(window.pairing.cancel, LEFT)
    assert service.called("answer_pairing") == [(False, None)]
    qtbot.waitUntil(lambda: service.pairing_request is None)


def test_a_withdrawn_question_closes_its_dialog(qtbot: Any, open_window: Any) -> None:
    service, meter, clock = _unpaired()
    window = open_window(service, clock)
    meter.ask_pairing(PairingRequest(PairingQuestion.COMPARE, 654321))
    qtbot.waitUntil(lambda: isinstance(window.pairing, CompareDialog))
    assert window.pairing.number.text() == "654 321"
    meter.withdraw_pairing()  # the link gave up (timeout) on its own
    qtbot.waitUntil(lambda: window.pairing is None)
    assert not [d for d in window.findChildren(CompareDialog) if d.isVisible()]
    assert service.called("answer_pairing") == []
