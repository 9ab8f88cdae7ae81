"""The meter emulator's window: radio strip and pairing window strip on top, the live meter on the
left, and the consoles as tabs on the right: the operators' (their console, inbox, network data
and prepayment, as tabs of one tab so that the row fits half a projector), the attack console,
the scenario player, the HAN device log and the event log.

Where the window is too narrow for both side by side (half of a 1280x720 projector, or larger
text for a room), the live meter becomes the first tab, so the consoles keep the whole width.
View → Presentation size (Ctrl+= / Ctrl+- / Ctrl+0) scales every font of the window."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ihd_app.protocol.events import EventLog
from ihd_app.protocol.policy import Policy
from meter_emulator.runtime import MeterRuntime
from meter_emulator.ui.bridge import EventBridge
from meter_emulator.ui.pairing import PairingQuestions
from meter_emulator.ui.panels.attack_panel import AttackPanel
from meter_emulator.ui.panels.device_log_panel import REFRESH_EVENTS, DeviceLogPanel
from meter_emulator.ui.panels.event_log_panel import EventLogPanel
from meter_emulator.ui.panels.inbox_panel import REFRESH_EVENTS as INBOX_EVENTS
from meter_emulator.ui.panels.inbox_panel import InboxPanel
from meter_emulator.ui.panels.meter_panel import MeterPanel
from meter_emulator.ui.panels.network_data_panel import NetworkDataPanel
from meter_emulator.ui.panels.operator_panel import OperatorPanel
from meter_emulator.ui.panels.pairing_window_bar import PairingWindowBar
from meter_emulator.ui.panels.prepayment_panel import PrepaymentPanel
from meter_emulator.ui.panels.radio_status import RadioStatus
from meter_emulator.ui.panels.scenario_panel import ScenarioPanel
from meter_emulator.ui.style import clamp_zoom, next_zoom, presentation_zoom, style_sheet

logger = logging.getLogger(__name__)

#: How often the live meter panel is redrawn (milliseconds).
REFRESH_MS = 500

#: The consoles' names, in tab order: ``./run demo --screenshots`` writes ``meter-<name>.png``.
CONSOLE_NAMES = (
    "operator",
    "inbox",
    "network-data",
    "prepayment",
    "attacks",
    "scenarios",
    "devices",
    "events",
)
#: Events after which the operator's status table may have changed.
_STATUS_EVENTS = ("status", "sent", "operator.", "ack.", "message.", "data.", "receipt", "queued")
#: The consoles need about this many average characters of width to show a table's words whole
#: (the attack console's four wrapped columns of reason codes).
CONSOLE_CHARS = 60


def _scrolling(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area that resizes it (scrolls only below its minimum)."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


def _bring_forward(tabs: QTabWidget, widget: QWidget) -> bool:
    """Make the tab of ``tabs`` holding ``widget`` (also in a tab of a tab) current; whether
    one did."""
    for index in range(tabs.count()):
        page = tabs.widget(index)
        if page is widget or (isinstance(page, QScrollArea) and page.widget() is widget):
            tabs.setCurrentIndex(index)
            return True
        if isinstance(page, QTabWidget) and _bring_forward(page, widget):
            tabs.setCurrentIndex(index)
            return True
    return False


def _shortcuts(key: str, standard: QKeySequence.StandardKey) -> list[QKeySequence]:
    """``key`` and the platform's ``standard`` keys for the same thing, each once (a key bound
    twice to one action is ambiguous: Qt then triggers neither)."""
    keys = [QKeySequence(key)]
    keys += [k for k in QKeySequence.keyBindings(standard) if k not in keys]
    return keys


class MeterWindow(QMainWindow):
    """The emulator's window around a running meter.

    Args:
        runtime: The running (or about to start) meter.
        events: The meter's event log (the window shows what it records).
        questions: Pairing questions the radio strip answers.
        policy: The authorisation policy (the operator console marks unauthorised types).
        zoom: Text size, 1.0 the normal size (:meth:`presentation_zoom` for a room).

    Attributes:
        closed: The window was closed (the application stops the meter).
    """

    closed = Signal()

    def __init__(
        self,
        runtime: MeterRuntime,
        events: EventLog,
        questions: PairingQuestions,
        policy: Policy,
        zoom: float = 1.0,
    ) -> None:
        super().__init__()
        self.runtime = runtime
        self.questions = questions
        self._tasks: set[asyncio.Task[Any]] = set()
        self.setWindowTitle(f"Meter emulator · {runtime.meter_id}")
        self.setObjectName("MeterWindow")
        self._zoom = clamp_zoom(zoom)
        self.setStyleSheet(style_sheet(self._zoom))
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 8)
        self.radio = RadioStatus(questions, central)
        layout.addWidget(self.radio)
        self.pairing_window = PairingWindowBar(runtime.pairing_window, parent=central)
        layout.addWidget(self.pairing_window)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, central)
        self.meter = MeterPanel(runtime, self.splitter)
        self.tabs = QTabWidget(self.splitter)
        self.tabs.setObjectName("consoles")
        self.operator = OperatorPanel(runtime, policy, self.tabs)
        self.attacks = AttackPanel(runtime.attacks, self.tabs, runtime.supply_attacks)
        self.scenarios = ScenarioPanel(runtime, self.tabs)
        self.devices = DeviceLogPanel(runtime, self.tabs)
        self.log = EventLogPanel(self.tabs)
        self.network_data = NetworkDataPanel(runtime, self.tabs)
        self.inbox = InboxPanel(runtime.inbox, self.tabs)
        self.prepayment = PrepaymentPanel(runtime, self.tabs)
        # Each console scrolls rather than widening the window: ./run demo gives it half a
        # laptop's screen, beside the display.
        #: What the operators do and receive, one tab of the row.
        self.operators = QTabWidget(self.tabs)
        self.operators.setObjectName("operators")
        self.operators.setDocumentMode(True)
        self.operators.addTab(_scrolling(self.operator), "&Console")
        self.operators.addTab(_scrolling(self.inbox), "&Inbox")
        self.operators.addTab(_scrolling(self.network_data), "&Network data")
        self.operators.addTab(_scrolling(self.prepayment), "&Prepayment")
        self.tabs.addTab(self.operators, "&Operators")
        self.tabs.addTab(_scrolling(self.attacks), "&Attack console")
        self.tabs.addTab(_scrolling(self.scenarios), "&Scenarios")
        self.tabs.addTab(_scrolling(self.devices), "&Devices")
        self.tabs.addTab(_scrolling(self.log), "&Event log")
        self.meter_area = _scrolling(self.meter)
        # The meter panel never scrolls sideways; the consoles take what is left.
        self.meter_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.splitter.addWidget(self.meter_area)
        self.splitter.addWidget(self.tabs)
        self.splitter.setCollapsible(0, False)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        layout.addWidget(self.splitter, 1)
        self._layout = layout
        self.setCentralWidget(central)
        self.bridge = EventBridge(events, self)
        self.bridge.arrived.connect(self._on_events)
        self.radio.drop_requested.connect(lambda: self.run(self.runtime.drop_link(), "drop link"))
        self._closing = False
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._build_view_menu()
        self._fit_meter_area()
        self.resize(1400, 860)
        self._arrange()

    # -- text size and arrangement ----------------------------------------------------------------
    def _build_view_menu(self) -> None:
        view = self.menuBar().addMenu("&View")
        self.presentation_action = QAction("&Presentation size", self)
        self.presentation_action.setCheckable(True)
        self.presentation_action.setToolTip("Text large enough to read from the back of a room")
        self.presentation_action.toggled.connect(
            lambda on: self.set_zoom(self.presentation_zoom() if on else 1.0)
        )
        larger = QAction("&Larger text", self)
        larger.setShortcuts(_shortcuts("Ctrl+=", QKeySequence.StandardKey.ZoomIn))
        larger.triggered.connect(lambda: self.set_zoom(next_zoom(self._zoom, 1)))
        smaller = QAction("&Smaller text", self)
        smaller.setShortcuts(_shortcuts("Ctrl+-", QKeySequence.StandardKey.ZoomOut))
        smaller.triggered.connect(lambda: self.set_zoom(next_zoom(self._zoom, -1)))
        actual = QAction("&Actual size", self)
        actual.setShortcut(QKeySequence("Ctrl+0"))
        actual.triggered.connect(lambda: self.set_zoom(1.0))
        for action in (self.presentation_action, larger, smaller, actual):
            view.addAction(action)
            self.addAction(action)  # the shortcuts work wherever the focus is in the window
        self.presentation_action.setChecked(self._zoom == self.presentation_zoom())

    def presentation_zoom(self) -> float:
        """The zoom of View → Presentation size on the window's screen (1.5 at 1080 lines)."""
        screen = self.screen()
        return presentation_zoom(screen.geometry().height() if screen is not None else 1080)

    @property
    def zoom(self) -> float:
        """The text size, 1.0 the normal size."""
        return self._zoom

    def set_zoom(self, zoom: float) -> None:
        """Show every font of the window at ``zoom`` times its normal size."""
        zoom = clamp_zoom(zoom)
        if zoom == self._zoom:
            return
        self._zoom = zoom
        self.setStyleSheet(style_sheet(zoom))
        self.presentation_action.blockSignals(True)
        self.presentation_action.setChecked(zoom == self.presentation_zoom())
        self.presentation_action.blockSignals(False)
        self._fit_meter_area()
        self._arrange()

    def _fit_meter_area(self) -> None:
        self.meter.ensurePolished()
        area = self.meter_area
        area.setMinimumWidth(
            self.meter.minimumSizeHint().width() + area.verticalScrollBar().sizeHint().width()
        )

    @property
    def meter_in_tabs(self) -> bool:
        """Whether the live meter is a tab (the window is too narrow to show it beside them)."""
        return self.tabs.indexOf(self.meter_area) >= 0

    def side_by_side_width(self) -> int:
        """The narrowest window that shows the live meter beside the consoles."""
        console = self.fontMetrics().averageCharWidth() * CONSOLE_CHARS
        margins = self._layout.contentsMargins()
        return (
            self.meter_area.minimumWidth()
            + self.splitter.handleWidth()
            + console
            + margins.left()
            + margins.right()
        )

    def _arrange(self) -> None:
        wanted_tab = self.width() < self.side_by_side_width()
        if wanted_tab == self.meter_in_tabs:
            return
        if wanted_tab:
            self.tabs.insertTab(0, self.meter_area, "&Meter")
            self.tabs.setCurrentIndex(max(self.tabs.currentIndex(), 1))
        else:
            current = self.tabs.currentWidget()
            self.splitter.insertWidget(0, self.meter_area)
            self.splitter.setCollapsible(0, False)
            self.splitter.setStretchFactor(0, 0)
            if current is not None and current is not self.meter_area:
                self.tabs.setCurrentWidget(current)
        self.meter_area.show()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()

    def run(self, coroutine: Coroutine[Any, Any, Any], what: str) -> asyncio.Task[Any]:
        """Run ``coroutine`` as a task the window keeps (and cancels when it closes)."""
        task: asyncio.Task[Any] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            self._tasks.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                logger.warning("%s failed: %s", what, finished.exception())
                if not self._closing:
                    # A timed status message is a timer: none may start once closing.
                    self.statusBar().showMessage(f"{what} failed: {finished.exception()}", 10_000)

        task.add_done_callback(done)
        return task

    def _tick(self) -> None:
        self.meter.refresh()
        self.pairing_window.refresh()  # the time left counts down
        snapshot = self.runtime.snapshot()
        self.radio.set_pending(snapshot.pending, snapshot.ihd_listening)

    def _on_events(self, records: list[Mapping[str, Any]]) -> None:
        self.radio.on_events(records)
        self.pairing_window.refresh()
        self.scenarios.on_events(records)
        self.log.on_events(records)
        names = [str(r.get("event", "")) for r in records]
        if any(n.startswith(_STATUS_EVENTS) for n in names):
            self.operator.refresh()
        if any(n.startswith(("attack.", "session.", "link.")) for n in names):
            self.attacks.refresh()
        if any(n.startswith(REFRESH_EVENTS) for n in names):
            self.devices.refresh()
        if any(n.startswith(INBOX_EVENTS) for n in names):
            self.inbox.refresh()
        if any(n.startswith("prepay.") for n in names):
            self.prepayment.refresh()
        self.meter.refresh()

    def consoles(self) -> dict[str, QWidget]:
        """The consoles by the name of their pictures (:data:`CONSOLE_NAMES`, in tab order)."""
        widgets: dict[str, QWidget] = {
            "operator": self.operator,
            "attacks": self.attacks,
            "scenarios": self.scenarios,
            "devices": self.devices,
            "events": self.log,
            "network-data": self.network_data,
            "inbox": self.inbox,
            "prepayment": self.prepayment,
        }
        return {name: widgets[name] for name in CONSOLE_NAMES}

    def show_console(self, widget: QWidget) -> None:
        """Bring the tab holding ``widget`` (a console, or the meter panel) to the front."""
        _bring_forward(self.tabs, widget)

    async def shutdown(self) -> None:
        """Stop listening and cancel what the window started (before the meter closes)."""
        self._closing = True
        self._timer.stop()
        self.bridge.close()
        self.questions.cancel()
        await self.scenarios.stop_and_wait()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            # A task that failed just before is reported here, after the loop runs its
            # done callback: clear the status bar only then (its timeout is a timer too).
            await asyncio.gather(*tasks, return_exceptions=True)
        self.statusBar().clearMessage()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        super().closeEvent(event)
