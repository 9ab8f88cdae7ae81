"""Pairing questions the real stack cannot pose on cue: a cancelled passkey, a withdrawn question.

Pairing by numeric comparison (Yes and No) and by passkey with the real meter emulator is in
``test_live_stack.py``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from ihd_app.service.api import ConnectionProblem, PairingQuestion, PairingRequest, ProblemKind
from ihd_app.ui.dialogs.pairing import CompareDialog, PasskeyDialog
from tests.ui.fakes import make_service

LEFT = Qt.MouseButton.LeftButton


def _unpaired(**kwargs: Any) -> tuple[Any, Any, Any]:
    return make_service(paired=False, exclude=["a1f3c9e2"], **kwargs)


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


def test_a_refused_pairing_stays_on_screen_until_pair_again(qtbot: Any, open_window: Any) -> None:
    service, meter, clock = _unpaired()
    window = open_window(service, clock)
    banner = window.connection_banner
    assert not banner.isVisible()
    meter.set_problem(
        ConnectionProblem(ProblemKind.PAIRING_REFUSED, "Nothing was stored. Press Pair again.")
    )
    qtbot.waitUntil(banner.isVisible)
    assert banner.message.text().startswith("Pairing refused.")
    assert banner.button.isVisible()
    qtbot.mouseClick(banner.button, LEFT)
    assert service.called("pair_again") == [()]
    qtbot.waitUntil(lambda: not banner.isVisible())


def test_a_missing_radio_is_explained_without_a_button(qtbot: Any, open_window: Any) -> None:
    service, meter, clock = _unpaired()
    window = open_window(service, clock)
    meter.set_problem(
        ConnectionProblem(
            ProblemKind.RADIO_UNAVAILABLE, "no meter emulator is hosting the virtual radio"
        )
    )
    banner = window.connection_banner
    qtbot.waitUntil(banner.isVisible)
    assert "keeps trying" in banner.message.text()
    assert not banner.button.isVisible()


def test_a_meter_not_accepted_is_explained_in_red_with_try_again(
    qtbot: Any, open_window: Any
) -> None:
    service, meter, clock = _unpaired()
    window = open_window(service, clock)
    meter.set_problem(
        ConnectionProblem(
            ProblemKind.METER_NOT_TRUSTED,
            "The meter does not know this display: your energy supplier has to add this display "
            "to the meter's list of devices first. This display's ID is 00-1D-A6-00-00-00-01-02.",
        )
    )
    banner = window.connection_banner
    qtbot.waitUntil(banner.isVisible)
    assert banner.message.toolTip().startswith("Meter not accepted. The meter does not know")
    assert "00-1D-A6-00-00-00-01-02" in banner.message.toolTip()
    assert banner.property("kind") == "meter-not-trusted"  # red, as a refusal
    assert banner.button.text() == "Try again"
    qtbot.mouseClick(banner.button, LEFT)
    assert service.called("pair_again") == [()]
