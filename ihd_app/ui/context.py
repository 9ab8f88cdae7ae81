"""What every screen is given: the service, its bridge, the task runner, the theme, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ihd_app.service.api import IhdServiceApi
from ihd_app.ui.bridge import ServiceBridge, TaskRunner
from ihd_app.ui.settings import UiSettings
from ihd_app.ui.speech import SilentSpeaker, Speaker
from ihd_app.ui.theme import ThemeManager


@dataclass
class UiContext:
    """Shared by the main window and its screens.

    Attributes:
        service: The IHD service.
        bridge: Its notifications on the Qt thread.
        runner: Runs its actions.
        theme: Colours and sizes.
        clock: The current time (aware).
        settings: The consumer's settings (replaced when they change).
        speaker: Reads critical messages aloud (silent where the system cannot speak).
    """

    service: IhdServiceApi
    bridge: ServiceBridge
    runner: TaskRunner
    theme: ThemeManager
    clock: Callable[[], datetime]
    settings: UiSettings
    speaker: Speaker = field(default_factory=SilentSpeaker)
