"""Reading critical messages aloud, where the platform can speak.

The window is given a :class:`Speaker` (nothing global): :func:`default_speaker` picks Qt's text
to speech when the ``QtTextToSpeech`` module is installed (full PySide6 or PySide6-Addons; the
PySide6-Essentials wheel lacks it) and a silent one otherwise. Tests inject a recording fake.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any, Protocol

from PySide6.QtCore import QObject

logger = logging.getLogger(__name__)

#: What Settings says when there is no speech.
UNAVAILABLE_REASON = (
    "Not available here: this installation of Qt has no text to speech (QtTextToSpeech)."
)


class Speaker(Protocol):
    """Something that reads a text aloud."""

    @property
    def available(self) -> bool:
        """Whether it can speak at all (Settings disables the option otherwise)."""
        ...

    def say(self, text: str) -> None:
        """Read ``text`` aloud (after what is being read)."""
        ...

    def stop(self) -> None:
        """Stop reading."""
        ...


class SilentSpeaker:
    """No speech on this system: says nothing."""

    @property
    def available(self) -> bool:
        """Never."""
        return False

    def say(self, text: str) -> None:
        """Nothing to say it with."""

    def stop(self) -> None:
        """Nothing to stop."""


class QtSpeaker:
    """Qt's ``QTextToSpeech`` on the platform's default engine."""

    def __init__(self, module: Any, parent: QObject | None = None) -> None:
        self._engine: Any = module.QTextToSpeech(parent)

    @property
    def available(self) -> bool:
        """Unless the engine reported an error (no speech daemon, no voice)."""
        error_state = type(self._engine).State.Error
        return bool(self._engine.state() != error_state)

    def say(self, text: str) -> None:
        """Read ``text`` aloud, queued after what is being read."""
        self._engine.enqueue(text)

    def stop(self) -> None:
        """Stop reading."""
        self._engine.stop()


def default_speaker(parent: QObject | None = None) -> Speaker:
    """Qt's text to speech when this Qt has it, else :class:`SilentSpeaker`."""
    try:
        module = importlib.import_module("PySide6.QtTextToSpeech")
    except ImportError:
        logger.info("no QtTextToSpeech in this Qt: critical messages are not read aloud")
        return SilentSpeaker()
    try:
        return QtSpeaker(module, parent)
    except Exception as error:  # an engine that fails to load must not stop the display
        logger.warning("text to speech could not start: %s", error)
        return SilentSpeaker()
