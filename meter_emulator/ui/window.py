"""The meter emulator's window: radio strip on top, the live meter on the left, and the operator
console, attack console, scenario player and event log as tabs on the right."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
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
from meter_emulator.ui.panels.event_log_panel import EventLogPanel
from meter_emulator.ui.panels.meter_panel import MeterPanel
from meter_emulator.ui.panels.operator_panel import OperatorPanel
from meter_emulator.ui.panels.radio_status import RadioStatus
from meter_emulator.ui.panels.scenario_panel import ScenarioPanel
from meter_emulator.ui.style import STYLE

logger = logging.getLogger(__name__)

#: How often the live meter panel is redrawn (milliseconds).
REFRESH_MS = 500
#: Events after which the operator's status table may have changed.
_STATUS_EVENTS = ("status", "sent", "operator.", "ack.", "message.", "data.", "receipt", "queued")


def _scrolling(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area that resizes it (scrolls only below its minimum)."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


class MeterWindow(QMainWindow):
    """The emulator's window around a running meter.

    Args:
        runtime: The running (or about to start) meter.
        events: The meter's event log (the window shows what it records).
        questions: Pairing questions the radio strip answers.
        policy: The authorisation policy (the operator console marks unauthorised types).

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
    ) -> None:
        super().__init__()
        self.runtime = runtime
        self.questions = questions
        self._tasks: set[asyncio.Task[Any]] = set()
        self.setWindowTitle(f"Meter emulator · {runtime.meter_id}")
        self.setObjectName("MeterWindow")
        self.setStyleSheet(STYLE)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 8)
        self.radio = RadioStatus(questions, central)
        layout.addWidget(self.radio)
        splitter = QSplitter(Qt.Orientation.Horizontal, central)
        self.meter = MeterPanel(runtime, splitter)
        self.tabs = QTabWidget(splitter)
        self.tabs.setObjectName("consoles")
        self.operator = OperatorPanel(runtime, policy, self.tabs)
        self.attacks = AttackPanel(runtime.attacks, self.tabs)
        self.scenarios = ScenarioPanel(runtime, self.tabs)
        self.log = EventLogPanel(self.tabs)
        # Each console scrolls rather than widening the window: ./run demo gives it half a
        # laptop's screen, beside the display.
        self.tabs.addTab(_scrolling(self.operator), "&Operator console")
        self.tabs.addTab(_scrolling(self.attacks), "&Attack console")
        self.tabs.addTab(_scrolling(self.scenarios), "&Scenarios")
        self.tabs.addTab(_scrolling(self.log), "&Event log")
        meter_area = _scrolling(self.meter)
        # The meter panel never scrolls sideways; the consoles take what is left.
        meter_area.setMinimumWidth(
            self.meter.minimumSizeHint().width() + meter_area.verticalScrollBar().sizeHint().width()
        )
        meter_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        splitter.addWidget(meter_area)
        splitter.addWidget(self.tabs)
        splitter.setCollapsible(0, False)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.bridge = EventBridge(events, self)
        self.bridge.arrived.connect(self._on_events)
        self.radio.drop_requested.connect(lambda: self.run(self.runtime.drop_link(), "drop link"))
        self._closing = False
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self.resize(1400, 860)

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
        snapshot = self.runtime.snapshot()
        self.radio.set_pending(snapshot.pending, snapshot.ihd_listening)

    def _on_events(self, records: list[Mapping[str, Any]]) -> None:
        self.radio.on_events(records)
        self.scenarios.on_events(records)
        self.log.on_events(records)
        names = [str(r.get("event", "")) for r in records]
        if any(n.startswith(_STATUS_EVENTS) for n in names):
            self.operator.refresh()
        if any(n.startswith("attack.") for n in names):
            self.attacks.refresh()
        self.meter.refresh()

    def show_console(self, widget: QWidget) -> None:
        """Bring the tab holding ``widget`` (a console) to the front."""
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if page is widget or (isinstance(page, QScrollArea) and page.widget() is widget):
                self.tabs.setCurrentIndex(index)
                return

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
