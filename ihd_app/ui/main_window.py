"""The IHD's window: navigation, screens, the takeover overlay and pairing questions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QMainWindow, QStackedWidget, QVBoxLayout

from ihd_app.core.model import Importance, InboxMessage
from ihd_app.link.meter_link import LinkState
from ihd_app.service.api import IhdServiceApi, PairingRequest, Topic
from ihd_app.ui.bridge import ServiceBridge, TaskRunner
from ihd_app.ui.context import UiContext
from ihd_app.ui.dialogs.pairing import PairingDialog, pairing_dialog
from ihd_app.ui.screens.base import Screen
from ihd_app.ui.screens.developer.screen import DeveloperScreen
from ihd_app.ui.screens.home import HomeScreen
from ihd_app.ui.screens.messages import MessagesScreen
from ihd_app.ui.screens.meter import MeterScreen
from ihd_app.ui.screens.privacy import PrivacyScreen
from ihd_app.ui.screens.security_log import SecurityLogScreen
from ihd_app.ui.screens.settings import SettingsScreen
from ihd_app.ui.screens.tariff import TariffScreen
from ihd_app.ui.screens.usage import UsageScreen
from ihd_app.ui.settings import UiSettings
from ihd_app.ui.speech import SilentSpeaker, Speaker
from ihd_app.ui.theme import ThemeManager
from ihd_app.ui.widgets.connection_banner import ConnectionBanner
from ihd_app.ui.widgets.device_frame import UNLIMITED, DeviceFrame, ScreenArea
from ihd_app.ui.widgets.flexibility_takeover import FlexibilityTakeover
from ihd_app.ui.widgets.nav import NavBar
from ihd_app.ui.widgets.notice import NoticeBar
from ihd_app.ui.widgets.takeover import TakeoverOverlay

logger = logging.getLogger(__name__)

#: Message types read aloud even when they do not take over the screen.
SPOKEN_TYPES = frozenset({"safety.alarm"})

#: Clock-driven refresh (prices, "next change", today's totals), milliseconds.
TICK_MS = 15_000

SCREENS: tuple[type[Screen], ...] = (
    HomeScreen,
    MessagesScreen,
    UsageScreen,
    TariffScreen,
    MeterScreen,
    SecurityLogScreen,
    PrivacyScreen,
    SettingsScreen,
    DeveloperScreen,
)
#: Screens for firmware developers, hidden unless Settings → Developer tools is on.
DEVELOPER_SCREENS: frozenset[type[Screen]] = frozenset({DeveloperScreen})


class MainWindow(QMainWindow):
    """Everything the consumer sees.

    Attributes:
        closed: The window closed (the application shuts the service down).
        settings_changed: The consumer changed a setting (new :class:`UiSettings`).
    """

    closed = Signal()
    settings_changed = Signal(object)

    def __init__(
        self,
        service: IhdServiceApi,
        settings: UiSettings | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        speaker: Speaker | None = None,
        form_factor: tuple[int, int] | None = None,
    ) -> None:
        """Build the window.

        Args:
            service: The IHD service.
            settings: The consumer's settings (defaults if ``None``).
            clock: The current time (aware; the wall clock if ``None``).
            speaker: Reads critical messages aloud (silent if ``None``).
            form_factor: Show the screen at exactly this size in the device's case.
        """
        super().__init__()
        self.setObjectName("MainWindow")
        self.setWindowTitle("In-Home Display")
        settings = settings or UiSettings()
        self.theme = ThemeManager(settings.theme, self)
        self.bridge = ServiceBridge(service, self)
        self.runner = TaskRunner(self)
        self.context = UiContext(
            service=service,
            bridge=self.bridge,
            runner=self.runner,
            theme=self.theme,
            clock=clock or (lambda: datetime.now(UTC)),
            settings=settings,
            speaker=speaker or SilentSpeaker(),
        )
        #: Keys of the messages already read aloud (each is read once).
        self.spoken: set[str] = set()
        central = ScreenArea()
        self.frame = DeviceFrame(central, self)
        self.form_factor = form_factor
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.screens: list[Screen] = [screen(self.context) for screen in SCREENS]
        self.nav = NavBar([(s.label, s.icon_name) for s in self.screens], self.theme, central)
        row.addWidget(self.nav)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.notice = NoticeBar(central)
        column.addWidget(self.notice)
        self.connection_banner = ConnectionBanner(central)
        self.connection_banner.pair_again.connect(self.context.service.pair_again)
        column.addWidget(self.connection_banner)
        self.stack = QStackedWidget(central)
        for screen in self.screens:
            self.stack.addWidget(screen)
        column.addWidget(self.stack, 1)
        row.addLayout(column, 1)
        self.setCentralWidget(self.frame)
        central.resized.connect(self._screen_resized)
        self.takeover = TakeoverOverlay(self.theme, central, self.context.clock)
        self.takeover.acknowledge_clicked.connect(self._acknowledge_takeover)
        #: Keys of the flexibility events whose start the consumer has seen (one takeover each).
        self._flexibility_seen: set[str] = set()
        self.flexibility_takeover = FlexibilityTakeover(self.theme, central)
        self.flexibility_takeover.opt_out_clicked.connect(self._opt_out)
        self.flexibility_takeover.take_part_clicked.connect(self._flexibility_seen.add)
        self.pairing: PairingDialog | None = None
        self.nav.selected.connect(self.show_screen)
        self.bridge.changed.connect(self._on_change)
        self.runner.failed.connect(self._on_failure)
        self.settings_screen.changed.connect(self.apply_settings)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self.theme.attach(self)
        self._show_developer(settings.developer)
        self._update_inbox()
        self._update_pairing()
        self._update_led()
        self.connection_banner.show_problem(service.connection_problem)
        self.set_form_factor(form_factor)
        # Nothing focused on opening (no focus ring on a touch panel); Tab starts at Home.
        central.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def screen_area(self) -> ScreenArea:
        """The display's screen (inside the case when there is a form factor)."""
        return self.frame.area

    # -- screens -------------------------------------------------------------------------------
    def screen_of(self, kind: type[Screen]) -> Screen:
        """The screen of class ``kind``."""
        return next(s for s in self.screens if isinstance(s, kind))

    @property
    def messages_screen(self) -> MessagesScreen:
        """The Messages screen."""
        screen = self.screen_of(MessagesScreen)
        assert isinstance(screen, MessagesScreen)
        return screen

    @property
    def settings_screen(self) -> SettingsScreen:
        """The Settings screen."""
        screen = self.screen_of(SettingsScreen)
        assert isinstance(screen, SettingsScreen)
        return screen

    def is_available(self, index: int) -> bool:
        """Whether screen ``index`` is in the navigation (developer screens only when enabled)."""
        return type(self.screens[index]) not in DEVELOPER_SCREENS or self.context.settings.developer

    def _show_developer(self, shown: bool) -> None:
        for index, screen in enumerate(self.screens):
            if type(screen) in DEVELOPER_SCREENS:
                self.nav.buttons[index].setVisible(shown)
                if not shown and self.stack.currentIndex() == index:
                    self.show_screen(0)

    def show_screen(self, index: int) -> None:
        """Show screen ``index``."""
        self.stack.setCurrentIndex(index)
        self.nav.set_current(index)

    def show_kind(self, kind: type[Screen]) -> Screen:
        """Show the screen of class ``kind``."""
        screen = self.screen_of(kind)
        self.show_screen(self.screens.index(screen))
        return screen

    # -- settings ------------------------------------------------------------------------------
    def apply_settings(self, settings: object) -> None:
        """Apply new settings (theme, kiosk, thresholds, chart unit)."""
        assert isinstance(settings, UiSettings)
        previous = self.context.settings
        self.context.settings = settings
        self.theme.set_theme(settings.theme)
        if settings.kiosk != previous.kiosk and self.isVisible():
            self.set_kiosk(settings.kiosk)
        if settings.developer != previous.developer:
            self._show_developer(settings.developer)
        if previous.speak and not settings.speak:
            self.context.speaker.stop()  # turned off mid-sentence: silence now, not at the end
        if settings.unit != previous.unit:
            usage = self.screen_of(UsageScreen)
            assert isinstance(usage, UsageScreen)
            usage.set_unit(settings.unit)
        self.settings_screen.show_settings(settings)
        for screen in self.screens:
            screen.refresh(None)
        self.settings_changed.emit(settings)

    def set_kiosk(self, kiosk: bool) -> None:
        """Full screen without chrome (nor the device's case), or a normal window."""
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint, kiosk)
        if kiosk:
            self._fit(None)
            self.showFullScreen()
        else:
            self._fit(self.form_factor)
            self.showNormal()

    def set_form_factor(self, size: tuple[int, int] | None) -> None:
        """Show the screen at exactly ``size`` in the device's case, the window fixed around it
        (``None``: no case, a freely sized window). Kiosk mode keeps the full screen."""
        self.form_factor = size
        if not self.context.settings.kiosk:
            self._fit(size)

    def _fit(self, size: tuple[int, int] | None) -> None:
        self.frame.set_screen_size(size)
        if size is None:
            self.setMinimumSize(0, 0)
            self.setMaximumSize(UNLIMITED, UNLIMITED)
        else:
            self.frame.adjustSize()
            hint = self.frame.sizeHint()
            self.setFixedSize(hint)

    # -- notifications -------------------------------------------------------------------------
    def _on_change(self, topic_value: str) -> None:
        topic = Topic(topic_value)
        for screen in self.screens:
            screen.notify(topic)
        if topic is Topic.INBOX:
            self._update_inbox()
        elif topic is Topic.PAIRING:
            self._update_pairing()
        elif topic is Topic.FLEXIBILITY:
            self._update_flexibility()
        elif topic is Topic.LINK:
            self._update_led()
            self.connection_banner.show_problem(self.context.service.connection_problem)

    def _on_tick(self) -> None:
        current = self.stack.currentWidget()
        if isinstance(current, Screen):
            current.tick()
        if self.flexibility_takeover.isVisible():
            self._update_flexibility()

    def _update_flexibility(self) -> None:
        """Cover the window once when an event starts (a message takeover stays on top)."""
        flexibility = self.context.service.flexibility
        running = flexibility.running()
        if running is None or running.key in self._flexibility_seen:
            self.flexibility_takeover.show_event(None, self.context.clock())
            return
        agreed = flexibility.agreements().get(running.originator, 0)
        self.flexibility_takeover.show_event(running, self.context.clock(), agreed)
        if self.takeover.isVisible():
            self.takeover.raise_()

    def _opt_out(self, originator: str, event_id: int) -> None:
        self.context.service.flexibility.opt_out(originator, event_id)

    def _on_failure(self, what: str, error: str) -> None:
        self.notice.show_notice(f"{what} failed: {error}")
        if self.takeover.isVisible():
            self.takeover.enable()

    def _update_inbox(self) -> None:
        service = self.context.service
        self.nav.set_count(
            self.screens.index(self.messages_screen), len(service.current_messages())
        )
        takeover = service.takeover_message()
        self.takeover.show_message(takeover)
        self._speak(takeover, *service.current_messages())

    def _speak(self, *messages: InboxMessage | None) -> None:
        """Read aloud, once each, the message taking over the screen and any safety alarm."""
        for message in messages:
            if message is None or message.key in self.spoken:
                continue
            takes_over = message is messages[0]
            if not takes_over and message.type not in SPOKEN_TYPES:
                continue
            self.spoken.add(message.key)
            settings, speaker = self.context.settings, self.context.speaker
            if settings.speak and speaker.available:
                label = "Critical" if message.importance is Importance.CRITICAL else "Important"
                speaker.say(
                    f"{label} message from {message.originator_name}. "
                    f"{message.title}. {message.text}"
                )

    def _update_led(self) -> None:
        state = self.context.service.link_state
        self.frame.set_led("ok" if state is LinkState.CONNECTED else "warn")

    def _acknowledge_takeover(self, key: str) -> None:
        self.runner.run("Acknowledging the message", self.context.service.acknowledge(key))

    def _update_pairing(self) -> None:
        request = self.context.service.pairing_request
        dialog = self.pairing
        if dialog is not None and (request is None or request != dialog.request):
            self.pairing = None
            dialog.dismiss()
            dialog.deleteLater()
        if request is not None and self.pairing is None:
            self._ask_pairing(request)

    def _ask_pairing(self, request: PairingRequest) -> None:
        dialog = pairing_dialog(request, self)
        dialog.answered.connect(self._answer_pairing)
        dialog.finished.connect(dialog.deleteLater)
        self.pairing = dialog
        dialog.open()

    def _answer_pairing(self, accepted: bool, passkey: object) -> None:
        self.pairing = None
        self.context.service.answer_pairing(accepted, passkey if isinstance(passkey, int) else None)

    # -- window --------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._tick.isActive():
            self._tick.start()

    def _screen_resized(self, width: int, height: int) -> None:
        # Fonts follow the screen (not the case around it).
        self.theme.set_window_size(width, height)
        self.takeover.cover()
        self.flexibility_takeover.cover()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._tick.stop()
        self.context.speaker.stop()
        self.notice.stop()
        for screen in self.screens:
            screen.shutdown()
        self.bridge.close()
        if self.pairing is not None:
            dialog, self.pairing = self.pairing, None
            dialog.dismiss()
        super().closeEvent(event)
        self.closed.emit()
