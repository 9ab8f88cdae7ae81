"""The display really speaks: espeak-ng records what it says, sox measures that it is speech.

These tests run the real engine (no fake): each utterance is written to a WAV file by the same
speaker the display uses, and ``sox FILE -n stat`` must find sound (not silence) lasting about as
long as the words take at the speaker's pace. Without espeak-ng or sox they are skipped with what
to install, except in CI (``CI=true``), where a missing engine fails them: CI installs both
(``.ci/run``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from ihd_app.core.model import Importance
from ihd_app.ui.espeak import PROGRAM, WORDS_PER_MINUTE, EspeakSpeaker, Utterance
from ihd_app.ui.screens.home import HomeScreen
from tests.ui.fake.demo_data import DNO, message
from tests.ui.fakes import DEMO_NOW, make_service

CRITICAL = "a1f3c9e2"
#: Longest an utterance may take to be synthesised on a loaded machine (a failure bound only:
#: the tests wait on the speaker's signal).
ENDED_MS = 60_000
#: RMS amplitude (full scale 1.0) below which a recording is silence; espeak-ng speech is ~0.1.
SILENCE_RMS = 0.01
#: What to install, when it is missing (the reason of the skip).
MISSING = (
    "espeak-ng and sox are needed to hear what the display says: "
    "install them (on Debian or Ubuntu: sudo apt install espeak-ng sox)."
)


def missing_tools(which: Any = shutil.which) -> str | None:
    """Why these tests cannot run here, or ``None`` when espeak-ng and sox are installed."""
    return None if which(PROGRAM) and which("sox") else MISSING


def require_tools(reason: str | None, ci: bool) -> None:
    """Skip with ``reason`` on a developer's machine; fail in CI, which installs the tools."""
    if reason is None:
        return
    if ci:
        pytest.fail(f"CI must run the speech tests: {reason}")
    pytest.skip(reason)


@pytest.fixture
def program() -> str:
    """The espeak-ng program (the test is skipped, or fails in CI, without it or sox)."""
    require_tools(missing_tools(), os.environ.get("CI") == "true")
    found = shutil.which(PROGRAM)
    assert found is not None
    return found


def _espeak_children() -> list[int]:
    """espeak-ng processes started by this test process and still running (or unreaped)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended while looking
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :]
        parent = int(rest.split()[1])
        if parent == os.getpid() and name == PROGRAM:
            children.append(int(entry.name))
    return children


@pytest.fixture
def speaker(program: str, tmp_path: Path, qtbot: Any) -> Iterator[EspeakSpeaker]:
    """The display's espeak-ng speaker, recording to WAV files in the test's directory."""
    spoken = EspeakSpeaker(program, record_dir=tmp_path)
    yield spoken
    spoken.stop()
    assert _espeak_children() == [], "an espeak-ng process was left running"


def stat(wav: Path) -> dict[str, float]:
    """``sox WAV -n stat``: its ``Length (seconds)``, ``RMS amplitude``... as numbers."""
    result = subprocess.run(
        ["sox", str(wav), "-n", "stat"], capture_output=True, text=True, check=True
    )
    figures = {}
    for line in result.stderr.splitlines():  # sox writes the statistics to stderr
        name, _, value = line.partition(":")
        try:
            figures[" ".join(name.split())] = float(value)
        except ValueError:
            continue
    return figures


def assert_spoken(utterance: Utterance) -> dict[str, float]:
    """The recording of ``utterance`` is speech, as long as its words take at the pace set."""
    assert utterance.wav is not None
    assert utterance.wav.is_file(), f"nothing recorded for {utterance.text!r}"
    figures = stat(utterance.wav)
    assert figures["RMS amplitude"] > SILENCE_RMS, f"silence: {figures}"
    expected = len(utterance.text.split()) / WORDS_PER_MINUTE * 60
    # Figures said digit by digit and pauses at stops stretch it (espeak-ng takes about 1.5
    # times as long as the word count at its pace): cut short below half, runaway past 3 times.
    assert expected / 2 < figures["Length (seconds)"] < expected * 3, (expected, figures)
    return figures


def _ended(speaker: EspeakSpeaker) -> list[tuple[Utterance, bool]]:
    """Every utterance ``speaker`` ends from now on, with whether it was read whole."""
    ended: list[tuple[Utterance, bool]] = []
    speaker.utterance_ended.connect(lambda utterance, ok: ended.append((utterance, ok)))
    return ended


# -- the helpers' own contract ---------------------------------------------------------------


def test_without_the_tools_the_reason_says_what_to_install() -> None:
    assert missing_tools(lambda _name: None) == MISSING
    assert "sudo apt install espeak-ng sox" in MISSING
    assert missing_tools(lambda name: f"/usr/bin/{name}") is None


def test_in_ci_missing_tools_fail_instead_of_skipping() -> None:
    with pytest.raises(pytest.fail.Exception, match="CI must run the speech tests"):
        require_tools(MISSING, ci=True)
    with pytest.raises(pytest.skip.Exception, match="install them"):
        require_tools(MISSING, ci=False)
    require_tools(None, ci=True)


# -- the real engine -------------------------------------------------------------------------


def test_a_sentence_is_recorded_as_speech_of_a_plausible_length(
    qtbot: Any, speaker: EspeakSpeaker
) -> None:
    text = "Carbon monoxide alarm at the meter: open the windows and leave the property now."
    with qtbot.waitSignal(speaker.utterance_ended, timeout=ENDED_MS) as ended:
        speaker.say(text)
        # Speech runs beside the event loop: say() returned with the engine still at work.
        assert speaker.speaking
    utterance, ok = ended.args
    assert ok
    assert utterance.text == text
    assert_spoken(utterance)
    assert not speaker.speaking


def test_prices_and_power_in_a_message_are_said_in_words(
    qtbot: Any, speaker: EspeakSpeaker
) -> None:
    with qtbot.waitSignal(speaker.utterance_ended, timeout=ENDED_MS) as ended:
        speaker.say("Your Peak unit rate will be 27.9p/kWh. You are using more than 3.0 kW.")
    utterance, ok = ended.args
    assert ok
    assert utterance.text == (
        "Your Peak unit rate will be 27.9 pence per kilowatt hour. "
        "You are using more than 3.0 kilowatts."
    )
    assert_spoken(utterance)


def test_a_critical_message_is_read_aloud_by_the_engine(
    qtbot: Any, open_window: Any, speaker: EspeakSpeaker
) -> None:
    service, meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, speaker=speaker)
    emergency = message(
        "e1",
        "outage.emergency",
        "Emergency power cut. Expected back by 21:00.",
        importance=Importance.CRITICAL,
        originator=DNO,
        received=DEMO_NOW,
    )
    with qtbot.waitSignal(speaker.utterance_ended, timeout=ENDED_MS) as ended:
        meter.inject_message(emergency)
    assert window.takeover.isVisible()
    utterance, ok = ended.args
    assert ok
    assert "Emergency power cut" in utterance.text
    assert_spoken(utterance)


def test_the_home_figures_are_read_aloud_by_the_engine(
    qtbot: Any, open_window: Any, speaker: EspeakSpeaker
) -> None:
    service, _meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, speaker=speaker)
    home = window.show_kind(HomeScreen)
    assert isinstance(home, HomeScreen)
    with qtbot.waitSignal(speaker.utterance_ended, timeout=ENDED_MS) as ended:
        qtbot.mouseClick(home.read_aloud, Qt.MouseButton.LeftButton)
    utterance, ok = ended.args
    assert ok
    assert "kilowatt hours" in utterance.text
    figures = assert_spoken(utterance)
    assert figures["Length (seconds)"] > 10  # the whole of Home, not a word


def test_an_alarm_cuts_short_a_reading_on_request(qtbot: Any, speaker: EspeakSpeaker) -> None:
    ended = _ended(speaker)
    speaker.say("Electricity: using 1.24 kilowatts now. " * 20, interruptible=True)
    speaker.say("Gas alarm. Leave the property.")
    # The reading on request ended at once, unfinished; the alarm is read whole.
    assert len(ended) == 1
    assert ended[0][1] is False
    qtbot.waitUntil(lambda: len(ended) == 2, timeout=ENDED_MS)
    alarm, ok = ended[1]
    assert ok
    assert alarm.text == "Gas alarm. Leave the property."
    assert_spoken(alarm)


def test_closing_the_window_stops_the_engine(
    qtbot: Any, open_window: Any, speaker: EspeakSpeaker
) -> None:
    service, _meter, clock = make_service()  # the critical message takes over: it is read
    window = open_window(service, clock, speaker=speaker)
    assert speaker.speaking
    speaker.say("Gas supply turned off. " * 30)
    window.close()
    assert not speaker.speaking
    assert _espeak_children() == []


def test_message_text_is_never_taken_for_an_engine_option(
    qtbot: Any, speaker: EspeakSpeaker, tmp_path: Path
) -> None:
    planted = tmp_path / "planted.wav"
    with qtbot.waitSignal(speaker.utterance_ended, timeout=ENDED_MS) as ended:
        speaker.say(f"-w {planted} --version Hello")
    utterance, ok = ended.args
    assert ok
    assert not planted.exists()
    assert utterance.wav is not None
    assert utterance.wav.is_file()
    assert stat(utterance.wav)["RMS amplitude"] > SILENCE_RMS


def test_another_message_waits_for_the_one_being_read(qtbot: Any, speaker: EspeakSpeaker) -> None:
    ended = _ended(speaker)
    speaker.say("Emergency power cut.")
    speaker.say("Carbon monoxide alarm.")
    qtbot.waitUntil(lambda: len(ended) == 2, timeout=ENDED_MS)
    assert [utterance.text for utterance, _ok in ended] == [
        "Emergency power cut.",
        "Carbon monoxide alarm.",
    ]
    assert all(ok for _utterance, ok in ended)
    for utterance, _ok in ended:
        assert_spoken(utterance)


def test_a_missing_program_is_reported_and_the_next_utterance_still_tried(
    qtbot: Any, tmp_path: Path, caplog: Any
) -> None:
    speaker = EspeakSpeaker(str(tmp_path / "no-such-espeak-ng"), record_dir=tmp_path)
    ended = _ended(speaker)
    speaker.say("First.")
    speaker.say("Second.")
    qtbot.waitUntil(lambda: len(ended) == 2, timeout=ENDED_MS)
    assert [ok for _utterance, ok in ended] == [False, False]
    assert "espeak-ng could not start" in caplog.text
    assert not speaker.speaking
