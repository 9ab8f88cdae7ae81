"""The IHD's window: navigation, screens, the takeover overlay and pairing questions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from ihd_app.service.api import IhdServiceApi, PairingRequest, Topic
from ihd_app.ui.bridge import ServiceBridge, TaskRunner
from ihd_app.ui.context import UiContext
from ihd_app.ui.dialogs.pairing import PairingDialog, pairing_dialog
from ihd_app.ui.screens.base import Screen
from ihd_app.ui.screens.home import HomeScreen
from ihd_app.ui.screens.messages import MessagesScreen
from ihd_app.ui.screens.meter import MeterScreen
from ihd_app.ui.screens.privacy import PrivacyScreen
from ihd_app.ui.screens.security_log import SecurityLogScreen
from ihd_app.ui.screens.settings import SettingsScreen
from ihd_app.ui.screens.tariff import TariffScreen
from ihd_app.ui.screens.usage import UsageScreen
from ihd_app.ui.settings import UiSettings
from ihd_app.ui.theme import ThemeManager
from ihd_app.ui.widgets.nav import NavBar
from ihd_app.ui.widgets.notice import NoticeBar
from ihd_app.ui.widgets.takeover import TakeoverOverlay

logger = logging.getLogger(__name__)

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
)


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
    ) -> None:
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
        )
        central = QWidget(self)
        central.setObjectName("Central")
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
        self.stack = QStackedWidget(central)
        for screen in self.screens:
            self.stack.addWidget(screen)
        column.addWidget(self.stack, 1)
        row.addLayout(column, 1)
        self.setCentralWidget(central)
        self.takeover = TakeoverOverlay(self.theme, central, self.context.clock)
        self.takeover.acknowledge_clicked.connect(self._acknowledge_takeover)
        self.pairing: PairingDialog | None = None
        self.nav.selected.connect(self.show_screen)
        self.bridge.changed.connect(self._on_change)
        self.runner.failed.connect(self._on_failure)
        self.settings_screen.changed.connect(self.apply_settings)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self.theme.attach(self)
        self._update_inbox()
        self._update_pairing()

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
        if settings.unit != previous.unit:
            usage = self.screen_of(UsageScreen)
            assert isinstance(usage, UsageScreen)
            usage.set_unit(settings.unit)
        self.settings_screen.show_settings(settings)
        for screen in self.screens:
            screen.refresh(None)
        self.settings_changed.emit(settings)

    def set_kiosk(self, kiosk: bool) -> None:
        """Full screen without chrome, or a normal window."""
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint, kiosk)
        if kiosk:
            self.showFullScreen()
        else:
            self.showNormal()

    # -- notifications -------------------------------------------------------------------------
    def _on_change(self, topic_value: str) -> None:
        topic = Topic(topic_value)
        for screen in self.screens:
            screen.notify(topic)
        if topic is Topic.INBOX:
            self._update_inbox()
        elif topic is Topic.PAIRING:
            self._update_pairing()

    def _on_tick(self) -> None:
        current = self.stack.currentWidget()
        if isinstance(current, Screen):
            current.tick()

    def _on_failure(self, what: str, error: str) -> None:
        self.notice.show_notice(f"{what} failed: {error}")
        if self.takeover.isVisible():
            self.takeover.enable()

    def _update_inbox(self) -> None:
        service = self.context.service
        self.nav.set_count(
            self.screens.index(self.messages_screen), len(service.current_messages())
        )
        self.takeover.show_message(service.takeover_message())

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

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.theme.set_window_size(self.width(), self.height())
        self.takeover.cover()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._tick.stop()
        self.notice.stop()
        self.bridge.close()
        if self.pairing is not None:
            dialog, self.pairing = self.pairing, None
            dialog.dismiss()
        super().closeEvent(event)
        self.closed.emit()
