"""The Developer screen: the GATT explorer, unit inspector, event log and HCI capture tabs.

Hidden unless Settings → Developer tools is on (or ``ihd --developer``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QTabWidget, QWidget

from ihd_app.service.api import Topic
from ihd_app.ui.context import UiContext
from ihd_app.ui.screens.base import Screen
from ihd_app.ui.screens.developer.capture_tab import CaptureTab
from ihd_app.ui.screens.developer.events_tab import EventsTab
from ihd_app.ui.screens.developer.gatt_tab import GattTab
from ihd_app.ui.screens.developer.inspector_tab import InspectorTab


class DeveloperScreen(Screen):
    """GATT explorer, unit inspector, event log and HCI capture, in tabs."""

    topics = frozenset({Topic.LINK})
    label = "Developer"
    icon_name = "developer"

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.heading("Developer")
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("DeveloperTabs")
        self.tabs.setAccessibleName("Developer tools")
        self.tabs.setDocumentMode(True)
        self.gatt = GattTab(context, self.tabs)
        self.inspector = InspectorTab(self.tabs)
        self.events = EventsTab(context, self.tabs)
        self.capture = CaptureTab(context, self.tabs)
        self.tabs.addTab(self.gatt, "GATT")
        self.tabs.addTab(self.inspector, "Unit inspector")
        self.tabs.addTab(self.events, "Events")
        self.tabs.addTab(self.capture, "Capture")
        self.tabs.tabBar().setAccessibleName("Developer tool tabs")
        self.tabs.currentChanged.connect(lambda _i: self.refresh(None))
        self.layout_.addWidget(self.tabs, 1)
        self._connected: bool | None = None

    def refresh(self, topic: Topic | None = None) -> None:
        connected = self.context.service.link_state.value == "connected"
        if self.tabs.currentWidget() is self.gatt and (
            connected != self._connected or not self.gatt.services
        ):
            self._connected = connected
            if connected:
                self.gatt.load()
            else:
                self.gatt.show_table(
                    [], "Not connected: the GATT table is read from a connected meter."
                )
        if self.tabs.currentWidget() is self.capture:
            self.capture.refresh()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh(None)

    def shutdown(self) -> None:
        """Stop listening and polling (the window closes)."""
        self.events.shutdown()
        self.capture.shutdown()
