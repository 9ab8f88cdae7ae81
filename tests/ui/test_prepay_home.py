"""Prepayment on Home: the balance first, emergency credit and debt, friendly credit in plain
words, and the top-up keypad driven by real key presses and clicks at 480x272 and 800x480."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from ihd_app.core.prepay_status import PrepayStatus, TopUpOutcome
from ihd_app.ui.capture import settle
from ihd_app.ui.screens.home import HomeScreen
from tests.ui.clipping import clipped_text
from tests.ui.fakes import make_service
from tests.ui.test_clipping import CRITICAL

CODE = "12345678901234567890"
LOW = PrepayStatus(
    prepayment=True,
    credit_p=180,
    emergency_p=0,
    debt_p=1250,
    supply="on",
    emergency_on_offer=True,
    emergency_limit_p=1000,
    days_left=0.6,
    friendly_credit="",
    debt_rate_p_per_day=50,
    debt_percent=10,
)


def _home(open_window: Callable[..., Any], size: tuple[int, int]) -> tuple[Any, Any, HomeScreen]:
    service, meter, clock = make_service(exclude=[CRITICAL])
    meter.prepayment.set_status(LOW)
    window = open_window(service, clock, size=size)
    home = window.show_kind(HomeScreen)
    assert isinstance(home, HomeScreen)
    settle()
    return window, meter, home


def _shot(window: Any, name: str) -> None:
    if shots := os.environ.get("IHD_SCREENSHOT_DIR"):
        window.grab().save(str(Path(shots) / name))


@pytest.mark.parametrize("size", [(480, 272), (800, 480)], ids=["480x272", "800x480"])
def test_home_shows_the_balance_first_in_plain_words(
    open_window: Callable[..., Any], size: tuple[int, int]
) -> None:
    window, _meter, home = _home(open_window, size)
    card = home.prepay
    assert card.isVisible()
    assert card.balance.text() == "Credit £1.80"
    lines = card.details.text()
    assert "Emergency credit on offer £10.00" in lines
    assert "Debt £12.50 (£0.50 a day, 10% of top-ups)" in lines
    assert "About 14 hours of credit left at the current rate" in lines
    assert card.emergency.isVisible()
    assert not card.restore.isVisible()
    assert clipped_text(card) == []
    _shot(window, f"{size[0]}x{size[1]}-prepay-home.png")


def test_friendly_credit_and_an_armed_supply_are_explained(
    open_window: Callable[..., Any],
) -> None:
    _window, meter, home = _home(open_window, (480, 272))
    meter.prepayment.set_status(
        PrepayStatus(**{**LOW.__dict__, "credit_p": 0, "friendly_credit": "it is the weekend"})
    )
    settle()
    assert "Your power stays on because it is the weekend (friendly credit)." in (
        home.prepay.details.text()
    )
    meter.prepayment.set_status(PrepayStatus(**{**LOW.__dict__, "supply": "armed"}))
    settle()
    assert home.prepay.restore.isVisible()
    home.prepay.restore.click()
    assert meter.prepayment.calls[-1] == ("restore_supply",)


def test_emergency_credit_is_taken_from_home(open_window: Callable[..., Any], qtbot: Any) -> None:
    _window, meter, home = _home(open_window, (800, 480))
    qtbot.mouseClick(home.prepay.emergency, Qt.MouseButton.LeftButton)
    assert meter.prepayment.calls == [("use_emergency_credit",)]


@pytest.mark.parametrize("size", [(480, 272), (800, 480)], ids=["480x272", "800x480"])
def test_a_code_typed_on_the_keyboard_is_grouped_corrected_and_sent(
    open_window: Callable[..., Any], qtbot: Any, size: tuple[int, int]
) -> None:
    window, meter, home = _home(open_window, size)
    meter.prepayment.answers[CODE] = TopUpOutcome("valid", 2000, 2180, "1234 5678 9012 3456 7890")
    qtbot.mouseClick(home.prepay.top_up, Qt.MouseButton.LeftButton)
    keypad = home.keypad
    assert home.pages.currentWidget() is keypad
    qtbot.keyClicks(keypad, "1234599")
    qtbot.keyClick(keypad, Qt.Key.Key_Backspace)
    qtbot.keyClick(keypad, Qt.Key.Key_Backspace)
    assert keypad.code.text() == "1234 5___ ____ ____ ____"
    assert not keypad.send.isEnabled()
    qtbot.keyClick(keypad, Qt.Key.Key_Delete)
    assert keypad.digits == ""
    qtbot.keyClicks(keypad, CODE + "9")  # a 21st digit is ignored
    assert keypad.code.text() == "1234 5678 9012 3456 7890"
    assert keypad.send.isEnabled()
    assert clipped_text(keypad) == []
    _shot(window, f"{size[0]}x{size[1]}-prepay-keypad.png")
    qtbot.keyClick(keypad, Qt.Key.Key_Return)
    assert meter.prepayment.calls == [("top_up", CODE)]
    assert keypad.verdict.text() == "Top-up accepted: £20.00 added. Credit now £21.80."
    qtbot.keyClick(keypad, Qt.Key.Key_Escape)
    assert home.pages.currentIndex() == 0


def test_the_on_screen_keys_work_and_used_or_wrong_codes_are_refused_clearly(
    open_window: Callable[..., Any], qtbot: Any
) -> None:
    window, meter, home = _home(open_window, (480, 272))
    meter.prepayment.answers[CODE] = TopUpOutcome("used", 0, 180, "1234 5678 9012 3456 7890")
    home.prepay.top_up.click()
    keypad = home.keypad
    for digit in CODE:
        qtbot.mouseClick(keypad.keys[digit], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(keypad.keys["⌫"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(keypad.keys["0"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(keypad.send, Qt.MouseButton.LeftButton)
    assert keypad.verdict.text() == (
        "This code has already been used. Check the receipt for a newer code."
    )
    assert keypad.digits == CODE, "a refused code stays, to be corrected"
    qtbot.mouseClick(keypad.keys["Clear"], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(keypad, "0" * 20)
    qtbot.keyClick(keypad, Qt.Key.Key_Enter)
    assert keypad.verdict.text() == (
        "This code is not right for this meter. Check the 20 digits and try again."
    )
    assert clipped_text(keypad) == []
    _shot(window, "480x272-prepay-keypad-wrong.png")


def test_a_credit_meter_shows_no_prepayment_card(open_window: Callable[..., Any]) -> None:
    service, _meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, size=(800, 480))
    home = window.show_kind(HomeScreen)
    assert isinstance(home, HomeScreen)
    assert not home.prepay.isVisible()
