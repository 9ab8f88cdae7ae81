"""Critical messages and safety alarms are read aloud once, where the system can speak."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from ihd_app.core.model import Importance
from ihd_app.ui.screens.settings import SettingsScreen
from ihd_app.ui.settings import UiSettings, load_settings, save_settings
from ihd_app.ui.speech import SilentSpeaker, default_speaker
from tests.ui.fake.demo_data import DNO, GDN, message
from tests.ui.fakes import DEMO_NOW, make_service

CRITICAL = "a1f3c9e2"


class RecordingSpeaker:
    """Says nothing, remembers everything it was asked to say."""

    def __init__(self, available: bool = True) -> None:
        self._available = available
        self.said: list[str] = []
        self.stopped = 0

    @property
    def available(self) -> bool:
        return self._available

    def say(self, text: str) -> None:
        self.said.append(text)

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
    screen.speak.click()
    assert changes[-1].speak is False
    assert window.context.settings.speak is False


def test_settings_explain_why_speech_is_unavailable(qtbot: Any, open_window: Any) -> None:
    service, _meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, speaker=RecordingSpeaker(available=False))
    screen = window.show_kind(SettingsScreen)
    assert isinstance(screen, SettingsScreen)
    assert not screen.speak.isEnabled()
    assert not screen.speak.isChecked()
    assert screen.speak_note.isVisible()
    assert "text to speech" in screen.speak_note.text()


def test_the_default_speaker_matches_what_qt_offers() -> None:
    speaker = default_speaker()
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
