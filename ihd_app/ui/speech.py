"""Reading messages and figures aloud, where the system can speak.

The window is given a :class:`Speaker` (nothing global). :func:`default_speaker` picks, in this
order, the ``espeak-ng`` program (:mod:`ihd_app.ui.espeak`; Debian's ``espeak-ng`` package), Qt's
text to speech where the ``QtTextToSpeech`` module is installed (full PySide6 or PySide6-Addons;
the PySide6-Essentials wheel this project installs lacks it), or a silent one that says why.
Tests inject a recording fake, or the espeak-ng speaker recording to WAV files.
"""

from __future__ import annotations

import importlib
import logging
import shutil
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject

from ihd_app.ui.espeak import PROGRAM, EspeakSpeaker
from ihd_app.ui.spoken import in_words

logger = logging.getLogger(__name__)

#: What Settings says when there is no speech (one sentence: what to install).
UNAVAILABLE_REASON = (
    "Not available here: install espeak-ng (on Debian or Ubuntu: sudo apt install espeak-ng) "
    "to have messages read aloud."
)


class Speaker(Protocol):
    """Something that reads a text aloud."""

    @property
    def available(self) -> bool:
        """Whether it can speak at all (Settings disables the option otherwise)."""
        ...

    def say(self, text: str, *, interruptible: bool = False) -> None:
        """Read ``text`` aloud after what is being read.

        Args:
            text: What to say.
            interruptible: Read on request (the Home figures): the next :meth:`say` cuts it
                short, so an alarm is never kept waiting behind it.
        """
        ...

    def stop(self) -> None:
        """Stop reading and forget what was waiting to be read."""
        ...


class SilentSpeaker:
    """No speech on this system: says nothing."""

    @property
    def available(self) -> bool:
        """Never."""
        return False

    def say(self, text: str, *, interruptible: bool = False) -> None:
        """Nothing to say it with."""

    def stop(self) -> None:
        """Nothing to stop."""


class QtSpeaker:
    """Qt's ``QTextToSpeech`` on the platform's default engine (speech-dispatcher on Linux)."""

    def __init__(self, module: Any, parent: QObject | None = None) -> None:
        self._engine: Any = module.QTextToSpeech(parent)

    @property
    def available(self) -> bool:
        """Unless the engine reported an error (no speech daemon, no voice)."""
        error_state = type(self._engine).State.Error
        return bool(self._engine.state() != error_state)

    def say(self, text: str, *, interruptible: bool = False) -> None:
        """Read ``text`` aloud, queued after what is being read (Qt cannot cut one short)."""
        self._engine.enqueue(in_words(text))

    def stop(self) -> None:
        """Stop reading."""
        self._engine.stop()


def default_speaker(
    parent: QObject | None = None, *, which: Callable[[str], str | None] = shutil.which
) -> Speaker:
    """espeak-ng where installed, else Qt's text to speech where this Qt has it, else silence.

    Args:
        parent: Owner of the Qt objects.
        which: Finds a program on ``PATH`` (tests pass one that finds nothing).
    """
    program = which(PROGRAM)
    if program is not None:
        return EspeakSpeaker(program, parent=parent)
    try:
        module = importlib.import_module("PySide6.QtTextToSpeech")
    except ImportError:
        logger.info("no espeak-ng and no QtTextToSpeech: nothing is read aloud")
        return SilentSpeaker()
    try:
        return QtSpeaker(module, parent)
    except Exception as error:  # an engine that fails to load must not stop the display
        logger.warning("text to speech could not start: %s", error)
        return SilentSpeaker()
