"""The scenario player: the shipped scenarios (or a file), its description, play and stop, and
progress step by step as the scenario's own events report it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ihd_app.protocol.errors import IhdError
from meter_emulator.runtime import MeterRuntime
from meter_emulator.scenarios.loader import load_scenario, shipped_scenarios
from meter_emulator.scenarios.model import Scenario
from meter_emulator.scenarios.player import ScenarioFailedError, ScenarioPlayer

logger = logging.getLogger(__name__)


def paragraphs(text: str) -> str:
    """A TOML multi-line description as flowing paragraphs (its line breaks are the file's)."""
    blocks = [" ".join(block.split()) for block in text.strip().split("\n\n")]
    return "\n\n".join(block for block in blocks if block)


class ScenarioPanel(QWidget):
    """Pick a scenario, play it, watch it go.

    Args:
        runtime: The running meter.
        parent: Qt parent.

    Attributes:
        finished: ``(name, ok)`` when a played scenario ends.
    """

    finished = Signal(str, bool)

    def __init__(self, runtime: MeterRuntime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runtime = runtime
        self._task: asyncio.Task[None] | None = None
        self._steps = 0
        self.setObjectName("ScenarioPanel")
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.list = QListWidget(self)
        self.list.setObjectName("scenarioList")
        self.list.setAccessibleName("Scenarios")
        self.list.setWordWrap(True)
        left.addWidget(self.list, 1)
        self.open_file = QPushButton("Open a scenario file…", self)
        self.open_file.clicked.connect(self._choose_file)
        left.addWidget(self.open_file)
        layout.addLayout(left, 1)
        right = QVBoxLayout()
        self.title = QLabel(self)
        self.title.setObjectName("scenarioTitle")
        self.title.setProperty("role", "title")
        self.title.setWordWrap(True)
        right.addWidget(self.title)
        self.description = QLabel(self)
        self.description.setWordWrap(True)
        self.description.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.description.setAccessibleName("Scenario description")
        right.addWidget(self.description)
        controls = QHBoxLayout()
        self.play_button = QPushButton("Play", self)
        self.play_button.setObjectName("playScenario")
        self.play_button.setAccessibleName("Play the selected scenario")
        self.play_button.clicked.connect(self._play_selected)
        controls.addWidget(self.play_button)
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setAccessibleName("Stop the scenario")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        controls.addWidget(self.stop_button)
        controls.addStretch(1)
        right.addLayout(controls)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("scenarioProgress")
        self.progress.setAccessibleName("Scenario progress")
        self.progress.setFormat("step %v of %m")
        self.progress.setValue(0)
        right.addWidget(self.progress)
        self.step = QLabel(self)
        self.step.setObjectName("scenarioStep")
        self.step.setWordWrap(True)
        self.step.setAccessibleName("Current step")
        right.addWidget(self.step)
        right.addStretch(1)
        layout.addLayout(right, 2)
        for path in shipped_scenarios():
            self._add(path)
        self.list.currentItemChanged.connect(self._show_selected)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _add(self, path: Path) -> QListWidgetItem | None:
        try:
            scenario = load_scenario(path)
        except IhdError as error:
            self.step.setText(f"Cannot use {path.name}: {error}")
            return None
        item = QListWidgetItem(scenario.title, self.list)
        item.setData(Qt.ItemDataRole.UserRole, scenario)
        item.setToolTip(f"{scenario.title}\n{path}")
        return item

    def _choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Scenario", "", "Scenarios (*.toml)")
        if name:
            item = self._add(Path(name))
            if item is not None:
                self.list.setCurrentItem(item)

    def _selected(self) -> Scenario | None:
        item = self.list.currentItem()
        chosen = None if item is None else item.data(Qt.ItemDataRole.UserRole)
        return chosen if isinstance(chosen, Scenario) else None

    def _show_selected(self) -> None:
        scenario = self._selected()
        if scenario is None:
            return
        self.title.setText(scenario.title)
        speed = f"\n\nRuns at ×{scenario.speed:g}." if scenario.speed else ""
        self.description.setText(paragraphs(scenario.description) + speed)

    @property
    def playing(self) -> bool:
        """Whether a scenario is being played."""
        return self._task is not None and not self._task.done()

    def _play_selected(self) -> None:
        scenario = self._selected()
        if scenario is not None:
            self.play(scenario)

    def play(self, scenario: Scenario, speed: float | None = None) -> asyncio.Task[None] | None:
        """Play ``scenario`` at ``speed`` (default: the scenario's own), one at a time."""
        if self.playing:
            return None
        speed = speed or scenario.speed
        if speed:
            self._runtime.sim.set_speed(speed)
        for row in range(self.list.count()):
            listed = self.list.item(row).data(Qt.ItemDataRole.UserRole)
            if isinstance(listed, Scenario) and listed.source == scenario.source:
                self.list.setCurrentRow(row)
        self._steps = len(scenario.steps)
        self.progress.setRange(0, max(self._steps, 1))
        self.progress.setValue(0)
        self.step.setText("Waiting for the IHD to listen…")
        self.play_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self._task = asyncio.ensure_future(self._play(scenario))
        return self._task

    async def _play(self, scenario: Scenario) -> None:
        ok = False
        try:
            await ScenarioPlayer(self._runtime, scenario).play()
            ok = True
        except ScenarioFailedError:
            pass  # its step and reason are in the scenario.failed event shown below
        except asyncio.CancelledError:
            self.step.setText("Stopped.")
            raise
        except Exception as error:  # a bug must not leave a workshop waiting in silence
            logger.exception("scenario %s crashed", scenario.name)
            self._runtime.events.emit(
                "scenario.failed", n=0, action="", detail=f"internal error: {error!r}"
            )
        finally:
            self.play_button.setEnabled(True)
            self.stop_button.setEnabled(False)
        self.finished.emit(scenario.name, ok)

    def stop(self) -> None:
        """Stop the scenario being played."""
        if self._task is not None:
            self._task.cancel()

    async def stop_and_wait(self) -> None:
        """Stop and wait for the scenario (the window is closing)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def on_events(self, records: list[Mapping[str, Any]]) -> None:
        """Follow ``scenario.*`` events."""
        for record in records:
            name = record.get("event")
            if name == "scenario.step":
                number = int(record.get("n", 0))
                self.progress.setValue(number)
                what = " ".join(
                    str(record[key])
                    for key in ("role", "type", "name", "text", "waits_for")
                    if key in record
                )
                self.step.setText(f"Step {number} of {self._steps}: {record.get('action')} {what}")
            elif name == "scenario.done":
                self.progress.setValue(self.progress.maximum())
                self.step.setText("Done: every step passed.")
            elif name == "scenario.failed":
                self.step.setText(
                    f"Failed at step {record.get('n')} ({record.get('action')}): "
                    f"{record.get('detail')}"
                )
