"""UI test fixtures: offscreen Qt, one qasync loop shared with the service, leak checks."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtWidgets import QApplication

from ihd_app.link.pairing import AutoAccept, PairingAnswers
from ihd_app.ui.main_window import MainWindow
from ihd_app.ui.qt_check import binding_problem
from ihd_app.ui.settings import UiSettings
from ihd_app.ui.speech import Speaker
from meter_emulator.gatt import PairingMode
from tests.ui.live import LiveStack, start_stack

BINDING_PROBLEM = binding_problem()
#: Pairing confirmed without asking (the stacks of tests that are not about pairing).
AUTO_ACCEPT = AutoAccept()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With a binding known to crash the interpreter, run only the test that says so."""
    if BINDING_PROBLEM is None:
        return
    skip = pytest.mark.skip(reason=f"not run: {BINDING_PROBLEM}")
    for item in items:
        if "tests/ui/" in item.nodeid and "test_qt_binding_is_sound" not in item.nodeid:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def qt_loop(qapp: QApplication) -> Any:
    """One qasync loop for the session (a qasync loop cannot be stopped and made again
    within a running QApplication). It is the running loop only during tests using
    :func:`event_loop_qt`, so pytest-asyncio's own loops elsewhere are unaffected."""
    # As run_gui does: the application's lifetime is not tied to its windows.
    qapp.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.events._set_running_loop(None)
    return loop


@pytest.fixture
def event_loop_qt(qt_loop: Any) -> Iterator[Any]:
    """The qasync loop, running (Qt drives it whenever qtbot waits)."""
    asyncio.set_event_loop(qt_loop)
    asyncio.events._set_running_loop(qt_loop)
    try:
        yield qt_loop
    finally:
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)


@pytest.fixture
def run(event_loop_qt: Any, qtbot: Any) -> Callable[..., Any]:
    """Run a coroutine on the shared loop to completion (driving Qt meanwhile)."""

    def runner(coroutine: Coroutine[Any, Any, Any], timeout_ms: int = 5000) -> Any:
        task = asyncio.ensure_future(coroutine)
        qtbot.waitUntil(task.done, timeout=timeout_ms)
        return task.result()

    return runner


@pytest.fixture(autouse=True)
def no_leaks(qapp: QApplication, request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves active QTimers, running threads or unfinished tasks behind
    once its windows are closed (in the spirit of napari's leak fixtures)."""
    threads_before = {t.ident for t in threading.enumerate()}
    yield
    for widget in QApplication.topLevelWidgets():
        widget.close()
    for _ in range(3):
        qapp.processEvents()
    problems: list[str] = []
    for widget in QApplication.topLevelWidgets():
        for timer in widget.findChildren(QTimer):
            if timer.isActive():
                problems.append(f"active QTimer {timer.objectName() or timer!r} in {widget!r}")
    if QThreadPool.globalInstance().activeThreadCount():
        problems.append("QThreadPool threads still running")
    extra = [t.name for t in threading.enumerate() if t.ident not in threads_before]
    if extra:
        problems.append(f"threads left running: {extra}")
    if "event_loop_qt" in request.fixturenames:
        loop = request.getfixturevalue("qt_loop")
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            problems.append(f"asyncio tasks left running: {pending}")
    for widget in QApplication.topLevelWidgets():
        widget.deleteLater()
    qapp.processEvents()
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


@pytest.fixture
def open_window(
    qtbot: Any, event_loop_qt: Any, run: Callable[[Coroutine[Any, Any, Any]], Any]
) -> Iterator[Callable[..., Any]]:
    """Open the main window on a service; closes it and the service afterwards."""
    opened: list[tuple[Any, Any]] = []

    def opener(
        service: Any,
        clock: Callable[[], Any],
        settings: UiSettings | None = None,
        size: tuple[int, int] = (800, 480),
        *,
        speaker: Speaker | None = None,
        form_factor: tuple[int, int] | None = None,
    ) -> MainWindow:
        window = MainWindow(
            service, settings, clock=clock, speaker=speaker, form_factor=form_factor
        )
        if form_factor is None:
            window.setFixedSize(*size)
        window.show()
        qtbot.waitExposed(window)
        opened.append((window, service))
        return window

    yield opener
    for window, service in opened:
        window.close()
        run(window.runner.cancel_all())
        run(service.close())
        window.deleteLater()


class Live:
    """Starts real stacks (:mod:`tests.ui.live`) and windows on them for one test."""

    def __init__(self, qtbot: Any, run: Callable[..., Any], data_dir: Path) -> None:
        self._qtbot = qtbot
        self._run = run
        self._data_dir = data_dir
        self.stacks: list[LiveStack] = []
        self.windows: list[MainWindow] = []

    def run(self, coroutine: Coroutine[Any, Any, Any], timeout_ms: int = 5000) -> Any:
        """Run ``coroutine`` on the shared loop to completion."""
        return self._run(coroutine, timeout_ms=timeout_ms)

    def start(
        self,
        *,
        pairing: PairingAnswers | None = AUTO_ACCEPT,
        connect: bool = True,
        backfill: bool = False,
        mode: PairingMode = PairingMode.NUMERIC_COMPARISON,
    ) -> LiveStack:
        """The meter emulator and the IHD service, started (and connected, with ``connect``)."""
        data_dir = self._data_dir / f"stack-{len(self.stacks)}"
        stack: LiveStack = self._run(
            start_stack(data_dir, pairing=pairing, connect=connect, backfill=backfill, mode=mode),
            timeout_ms=20_000,
        )
        self.stacks.append(stack)
        return stack

    def window(self, stack: LiveStack, size: tuple[int, int] = (800, 480)) -> MainWindow:
        """The main window on ``stack``'s service (wall clock), shown."""
        window = MainWindow(stack.service)
        window.setFixedSize(*size)
        window.show()
        self._qtbot.waitExposed(window)
        self.windows.append(window)
        return window

    def close(self) -> None:
        """Windows first (they stop listening), then each service and its meter."""
        for window in self.windows:
            window.close()
            self._run(window.runner.cancel_all())
            window.deleteLater()
        for stack in self.stacks:
            self._run(stack.close(), timeout_ms=10_000)


@pytest.fixture
def live(qtbot: Any, event_loop_qt: Any, run: Callable[..., Any], tmp_path: Path) -> Iterator[Live]:
    """Real meter emulator + IHD service stacks on the shared loop; all closed afterwards."""
    stacks = Live(qtbot, run, tmp_path)
    try:
        yield stacks
    finally:
        stacks.close()
