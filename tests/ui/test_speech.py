"""Critical messages and safety alarms are read aloud once, where the system can speak."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from ihd_app.core.model import Importance
from ihd_app.core.readings import Fuel
from ihd_app.ui.capture import settle
from ihd_app.ui.espeak import EspeakSpeaker
from ihd_app.ui.screens.home import HomeScreen
from ihd_app.ui.screens.settings import SettingsScreen
from ihd_app.ui.settings import UiSettings, load_settings, save_settings
from ihd_app.ui.speech import SilentSpeaker, default_speaker
from ihd_app.ui.theme import ThemeName
from tests.ui.clipping import clipped_text
from tests.ui.fake.demo_data import DNO, GDN, message
from tests.ui.fakes import DEMO_NOW, make_service

CRITICAL = "a1f3c9e2"
SIZES = [(480, 272), (800, 480), (1280, 800)]


class RecordingSpeaker:
    """Says nothing, remembers everything it was asked to say."""

    def __init__(self, available: bool = True) -> None:
        self._available = available
        self.said: list[str] = []
        #: The texts read on request (cut short by whatever comes next).
        self.on_request: list[str] = []
        self.stopped = 0

    @property
    def available(self) -> bool:
        return self._available

    def say(self, text: str, *, interruptible: bool = False) -> None:
        (self.on_request if interruptible else self.said).append(text)

    def stop(self) -> None:
        self.stopped += 1


def _emergency(key: str = "e1", importance: Importance = Importance.CRITICAL) -> Any:
    return message(
        key,
        "outage.emergency",
        "Emergency power cut. Expected back by 21:00.",
        importance=importance,
        originator=DNO,
        received=DEMO_NOW,
    )


def test_a_critical_message_arriving_is_spoken_exactly_once(qtbot: Any, open_window: Any) -> None:
    speaker = RecordingSpeaker()
    service, meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, speaker=speaker)
    assert speaker.said == []  # nothing takes over: nothing read aloud

    meter.inject_message(_emergency())
    qtbot.waitUntil(window.takeover.isVisible)
    assert len(speaker.said) == 1
    spoken = speaker.said[0]
    assert spoken.startswith("Critical message from Northern Power Distribution.")
    assert "Emergency power cut. Expected back by 21:00." in spoken

    # More inbox changes while it is still on screen: not read again.
    meter.inject_message(
        message(
            "m1",
            "message.general",
            "Smart meter upgrade next week.",
            importance=Importance.MEDIUM,
            originator=DNO,
            received=DEMO_NOW,
        )
    )
    qtbot.waitUntil(lambda: window.nav._counts[1].text() == "5")
    assert len(speaker.said) == 1


def test_nothing_is_spoken_when_the_setting_is_off(qtbot: Any, open_window: Any) -> None:
    speaker = RecordingSpeaker()
    service, meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, UiSettings(speak=False), speaker=speaker)
    meter.inject_message(_emergency())
    qtbot.waitUntil(window.takeover.isVisible)
    assert speaker.said == []


def test_a_safety_alarm_is_spoken_even_without_taking_over(qtbot: Any, open_window: Any) -> None:
    speaker = RecordingSpeaker()
    service, meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, speaker=speaker)
    alarm = message(
        "s1",
        "safety.alarm",
        "Carbon monoxide alarm at the meter: open windows, leave the property.",
        importance=Importance.MEDIUM,
        originator=GDN,
        received=DEMO_NOW,
    )
    meter.inject_message(alarm)
    qtbot.waitUntil(lambda: len(speaker.said) == 1)
    assert not window.takeover.isVisible()
    assert "Carbon monoxide alarm" in speaker.said[0]


def test_the_message_already_on_screen_when_the_window_opens_is_spoken(
    qtbot: Any, open_window: Any
) -> None:
    speaker = RecordingSpeaker()
    service, _meter, clock = make_service()
    window = open_window(service, clock, speaker=speaker)
    assert window.takeover.isVisible()
    assert len(speaker.said) == 1
    assert "Gas supply turned off" in speaker.said[0]
    window.close()
    assert speaker.stopped >= 1


def test_settings_offer_speech_when_available(qtbot: Any, open_window: Any) -> None:
    speaker = RecordingSpeaker()
    service, _meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, speaker=speaker)
    screen = window.show_kind(SettingsScreen)
    assert isinstance(screen, SettingsScreen)
    assert screen.speak.isEnabled()
    assert screen.speak.isChecked()  # on by default
    assert not screen.speak_note.isVisible()
    changes: list[UiSettings] = []
    window.settings_changed.connect(changes.append)
    stopped = speaker.stopped
    screen.speak.click()
    assert changes[-1].speak is False
    assert window.context.settings.speak is False
    assert speaker.stopped == stopped + 1  # what was being read stops at once


def test_settings_explain_why_speech_is_unavailable(qtbot: Any, open_window: Any) -> None:
    service, _meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, speaker=RecordingSpeaker(available=False))
    screen = window.show_kind(SettingsScreen)
    assert isinstance(screen, SettingsScreen)
    assert not screen.speak.isEnabled()
    assert not screen.speak.isChecked()
    assert screen.speak_note.isVisible()
    # One sentence that says what to install.
    note = screen.speak_note.text()
    assert "install espeak-ng" in note
    assert note.count(". ") == 0
    assert note.endswith(".")


def test_the_default_speaker_is_espeak_ng_where_it_is_installed(qtbot: Any) -> None:
    speaker = default_speaker(which=lambda name: f"/usr/bin/{name}")
    assert isinstance(speaker, EspeakSpeaker)
    assert speaker.available


def test_without_espeak_ng_the_default_speaker_is_what_qt_offers() -> None:
    speaker = default_speaker(which=lambda _name: None)
    if importlib.util.find_spec("PySide6.QtTextToSpeech") is None:
        assert isinstance(speaker, SilentSpeaker)
        assert not speaker.available
        speaker.say("nothing happens")
        speaker.stop()
    else:
        assert not isinstance(speaker, SilentSpeaker)


def test_the_speech_setting_is_kept(tmp_path: Path) -> None:
    store = QSettings(str(tmp_path / "ihd.ini"), QSettings.Format.IniFormat)
    assert load_settings(store).speak is True
    save_settings(store, UiSettings(speak=False))
    assert load_settings(store).speak is False


def _home(window: Any) -> HomeScreen:
    home = window.show_kind(HomeScreen)
    assert isinstance(home, HomeScreen)
    return home


def _activate(qtbot: Any, window: Any) -> None:
    """Make ``window`` the active one (keys and shortcuts go to the active window)."""
    window.activateWindow()
    window.windowHandle().requestActivate()
    qtbot.waitUntil(window.isActiveWindow)


def _money_spoken(pounds: str) -> str:
    """``£2.45`` as said: ``2 pounds 45``; ``21.8p``: ``21.8 pence``."""
    if pounds.endswith("p"):
        return f"{pounds.removesuffix('p').removesuffix('.0')} pence"
    whole, pence = pounds.removeprefix("£").split(".")
    money = f"{int(pence)} pence" if whole == "0" else f"{whole} pound{'s' * (whole != '1')}"
    if whole != "0" and pence != "00":
        money += f" {pence}"
    return money


def _as_spoken(shown: str) -> str:
    """Home's ``Today 9.8 kWh · £2.45`` as said: ``Today: 9.8 kilowatt hours, 2 pounds 45.``"""
    kwh, pounds = shown.removeprefix("Today ").split(" · ")
    return f"Today: {kwh.removesuffix(' kWh')} kilowatt hours, {_money_spoken(pounds)}."


def test_read_aloud_on_home_says_the_figures_home_shows(qtbot: Any, open_window: Any) -> None:
    speaker = RecordingSpeaker()
    service, _meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, speaker=speaker)
    home = _home(window)
    assert home.read_aloud.isVisible()
    assert home.read_aloud.accessibleName() == "Read aloud"

    qtbot.mouseClick(home.read_aloud, Qt.MouseButton.LeftButton)
    assert len(speaker.on_request) == 1
    spoken = speaker.on_request[0]
    assert speaker.said == []  # not an alert: an alert would not be cut short by what follows
    electricity = home.tiles[Fuel.ELECTRICITY]
    assert electricity.today.text().startswith("Today "), electricity.today.text()
    assert _as_spoken(electricity.today.text()) in spoken, spoken
    # Gas, reported half-hourly without demand, is said as its tile shows it.
    gas = home.tiles[Fuel.GAS]
    today_kwh = gas.demand.text().removesuffix(" kWh")  # "33.8 kWh"
    today_cost = _money_spoken(gas.rate.text().removesuffix(" so far today"))  # "£2.35 so far…"
    assert f"Gas so far today: {today_kwh} kilowatt hours, {today_cost}." in spoken
    half_hour, figures = gas.today.text().split(": ")  # "17:30–18:00: 1.5 kWh · 9.9p"
    first, last = half_hour.split("\u2013")
    kwh, pence = figures.split(" · ")
    said = f"From {first} to {last}: {kwh.removesuffix(' kWh')} kilowatt hours, "
    assert f"{said}{pence.removesuffix('p')} pence." in spoken
    updated, next_at = gas.updated.text().removeprefix("Updated ").split(" · next ")
    assert f"every half hour: updated at {updated}, next at {next_at}." in spoken
    assert "Gas: using" not in spoken, "no gas demand: the meter reports none"
    demand_kw = home.tiles[Fuel.ELECTRICITY].demand.text().removesuffix(" kW")
    assert f"Electricity: using {float(demand_kw):g} kilowatts now" in spoken
    assert "pence an hour" in spoken or "an hour" in spoken
    price = home.price_now.text()  # "Now: Peak 38.2p/kWh"
    band, rate = price.removeprefix("Now: ").rsplit(" ", 1)
    said_rate = f"{rate.removesuffix('p/kWh')} pence per kilowatt hour"
    assert f"Electricity price now: {band}, {said_rate}" in spoken
    # Words, not symbols a speech engine spells out.
    for symbol in ("£", "kWh", "p/kWh", " kW "):
        assert symbol not in spoken


def test_the_r_key_reads_home_aloud_only_while_home_is_shown(qtbot: Any, open_window: Any) -> None:
    speaker = RecordingSpeaker()
    service, _meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, speaker=speaker)
    _home(window)
    _activate(qtbot, window)
    QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_R)
    assert len(speaker.on_request) == 1
    window.show_kind(SettingsScreen)
    QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_R)
    assert len(speaker.on_request) == 1


def test_read_aloud_is_not_offered_where_nothing_speaks(qtbot: Any, open_window: Any) -> None:
    speaker = RecordingSpeaker(available=False)
    service, _meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, speaker=speaker)
    home = _home(window)
    assert not home.read_aloud.isVisible()
    _activate(qtbot, window)
    QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_R)
    assert speaker.on_request == []


def test_read_aloud_is_offered_even_with_alerts_not_read(qtbot: Any, open_window: Any) -> None:
    # The setting is about messages read as they arrive; a press is an explicit request.
    speaker = RecordingSpeaker()
    service, _meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, UiSettings(speak=False), speaker=speaker)
    home = _home(window)
    qtbot.mouseClick(home.read_aloud, Qt.MouseButton.LeftButton)
    assert len(speaker.on_request) == 1


@pytest.mark.parametrize("theme", list(ThemeName), ids=lambda t: t.value)
@pytest.mark.parametrize(
    "size", [(480, 272), (800, 480), (1280, 800)], ids=lambda s: "x".join(map(str, s))
)
@pytest.mark.parametrize("household", ["demo", "new"])
def test_read_aloud_cuts_no_word_on_home(
    qtbot: Any, open_window: Any, size: tuple[int, int], theme: ThemeName, household: str
) -> None:
    # Where the display speaks, the button sits beside the link badge: nothing on Home is cut.
    service, _meter, clock = make_service(exclude=[CRITICAL], demo=household == "demo")
    window = open_window(
        service, clock, UiSettings(theme=theme), speaker=RecordingSpeaker(), form_factor=size
    )
    home = _home(window)
    settle()
    assert home.read_aloud.isVisible()
    assert clipped_text(window.screen_area) == []
