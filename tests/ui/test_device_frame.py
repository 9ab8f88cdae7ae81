"""``--form-factor WxH``: the screen at exactly WxH in the device's case; ``--place``."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QLabel, QWidget

from ihd_app.cli.main import build_parser
from ihd_app.link.meter_link import LinkState
from ihd_app.ui.screens.home import HomeScreen
from ihd_app.ui.settings import UiSettings
from ihd_app.ui.window_state import half_of, place_window
from tests.ui.fakes import SECURE_LINK, make_service

CRITICAL = "a1f3c9e2"


@pytest.mark.parametrize("size", [(480, 272), (800, 480), (1280, 800)])
def test_the_screen_is_exactly_the_form_factor(
    qtbot: Any, open_window: Any, size: tuple[int, int]
) -> None:
    service, _meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, form_factor=size)
    area = window.screen_area
    assert (area.width(), area.height()) == size
    assert window.frame.screen_size == size
    # The case is around the screen: the window is larger on every side.
    inside = area.geometry()
    assert inside.left() > 0
    assert inside.top() > 0
    assert window.width() - inside.right() > 1
    assert window.height() - inside.bottom() > inside.top()  # the chin is deeper
    # Fonts follow the screen, not the case around it.
    assert window.theme.sizes.compact is (size == (480, 272))


def test_fonts_scale_with_the_screen(qtbot: Any, open_window: Any) -> None:
    service, _meter, clock = make_service(exclude=[CRITICAL])
    small = open_window(service, clock, form_factor=(480, 272))
    medium = open_window(service, clock, form_factor=(800, 480))
    large = open_window(service, clock, form_factor=(1280, 800))
    assert 12 <= small.theme.sizes.base <= medium.theme.sizes.base < large.theme.sizes.base
    assert large.theme.sizes.base >= 20


def _clipped(label: QLabel) -> bool:
    if label.wordWrap():
        return label.heightForWidth(label.width()) > label.height()
    hint = label.sizeHint()
    return hint.width() > label.width() or hint.height() > label.height()


def test_no_home_text_is_clipped_on_a_480x272_screen(qtbot: Any, open_window: Any) -> None:
    service, _meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, form_factor=(480, 272))
    home = window.screen_of(HomeScreen)
    assert isinstance(home, HomeScreen)
    labels: list[QLabel] = [home.clock, home.badge, home.ambient_label]
    labels += [home.price_now, home.price_next]
    for tile in home.tiles.values():
        labels += [tile.demand, tile.rate, tile.today, tile.updated, tile._name, tile.supply]
    labels += home.findChildren(QLabel)
    shown = [label for label in dict.fromkeys(labels) if label.isVisible() and label.text()]
    assert len(shown) >= 12
    clipped = [f"{label.objectName() or label.text()!r}" for label in shown if _clipped(label)]
    assert clipped == []
    # The navigation's labels fit their buttons too (Developer is hidden: not laid out).
    for button in (b for b in window.nav.buttons if b.isVisible()):
        assert button.sizeHint().height() <= button.height(), button.text()
        assert button.sizeHint().width() <= button.width(), button.text()


def test_the_led_shows_the_link(qtbot: Any, open_window: Any) -> None:
    service, meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, form_factor=(800, 480))
    assert window.frame.led == "ok"
    meter.set_link(LinkState.RECONNECTING)
    qtbot.waitUntil(lambda: window.frame.led == "warn")
    meter.set_link(LinkState.CONNECTED, SECURE_LINK)
    qtbot.waitUntil(lambda: window.frame.led == "ok")


def test_kiosk_fills_the_screen_without_the_case(qtbot: Any, open_window: Any) -> None:
    service, _meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, form_factor=(480, 272))
    window.apply_settings(window.context.settings.with_changes(kiosk=True))
    qtbot.waitUntil(lambda: window.frame.screen_size is None)
    assert window.screen_area.geometry() == window.frame.rect()
    window.apply_settings(window.context.settings.with_changes(kiosk=False))
    qtbot.waitUntil(lambda: window.screen_area.size().toTuple() == (480, 272))
    assert window.frame.screen_size == (480, 272)


def test_without_a_form_factor_there_is_no_case(qtbot: Any, open_window: Any) -> None:
    service, _meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, UiSettings())
    assert window.frame.screen_size is None
    assert window.screen_area.size().toTuple() == (800, 480)


AREA = QRect(0, 20, 1920, 1040)


def test_place_fills_a_half_of_the_screen(qtbot: Any) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    assert place_window(window, "right", AREA) == QRect(960, 20, 960, 1040)
    assert window.geometry() == QRect(960, 20, 960, 1040)
    assert place_window(window, "left", AREA) == QRect(0, 20, 960, 1040)
    assert window.geometry() == QRect(0, 20, 960, 1040)
    assert half_of(QRect(0, 0, 1279, 800), "right") == QRect(640, 0, 639, 800)


def test_place_centres_the_device_in_its_half(qtbot: Any, open_window: Any) -> None:
    service, _meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, form_factor=(800, 480))
    place_window(window, "right", AREA)
    centre = window.frameGeometry().center()
    assert abs(centre.x() - (960 + 480)) <= 2
    assert abs(centre.y() - (20 + 520)) <= 2
    # Wider than the half: kept on the screen.
    place_window(window, "right", QRect(0, 0, 1000, 700))
    assert window.frameGeometry().right() <= 1000


def test_place_is_an_option_of_ihd() -> None:
    args = build_parser().parse_args(["--form-factor", "480x272", "--place", "right"])
    assert args.place == "right"
    assert args.form_factor == (480, 272)  # parsed (and checked) by the parser
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--place", "top"])


def test_a_takeover_fits_a_480x272_screen(qtbot: Any, open_window: Any) -> None:
    service, _meter, clock = make_service()  # the critical gas message takes over
    window = open_window(service, clock, form_factor=(480, 272))
    takeover = window.takeover
    assert takeover.isVisible()
    assert takeover.geometry() == window.screen_area.rect()
    for label in (takeover.importance, takeover.title, takeover.body, takeover.sender_label):
        assert label.text()
        assert not _clipped(label), label.text()
    assert takeover.acknowledge.geometry().bottom() < takeover.height()
