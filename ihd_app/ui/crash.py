"""An error dialog instead of a silent crash.

An exception escaping a Qt slot or a virtual method reaches ``sys.excepthook``; Python's default
prints it on a terminal the consumer never sees and the window carries on in an unknown state.
:class:`CrashReporter` logs the traceback (to the log file) and tells the person, in a sentence,
that something went wrong and where the details are.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QMessageBox, QWidget

logger = logging.getLogger(__name__)

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


class CrashReporter:
    """``sys.excepthook`` for the window: log the traceback, then show one dialog.

    Not re-entrant: an exception raised while its dialog is open (a repaint, a timer) is only
    logged, so a fault that repeats cannot pile up dialogs on top of each other. The dialog is
    modal to its window but does not block the caller.

    Args:
        log_path: The log file named in the dialog (``None``: the dialog says it was not kept).
        parent: The window the dialog belongs to, asked for when it is shown (the window may not
            exist yet when the hook is installed).
    """

    def __init__(
        self, log_path: Path | None, parent: Callable[[], QWidget | None] = lambda: None
    ) -> None:
        self.log_path = log_path
        self._parent = parent
        self._previous: ExceptHook | None = None
        #: The dialog while it is open; also what makes the hook not re-entrant.
        self.dialog: QMessageBox | None = None

    def install(self) -> None:
        """Become ``sys.excepthook`` (the hook in place is kept for :meth:`uninstall`)."""
        if self._previous is None:
            self._previous = sys.excepthook
            sys.excepthook = self

    def uninstall(self) -> None:
        """Put the previous hook back."""
        if self._previous is not None:
            sys.excepthook = self._previous
            self._previous = None

    def message(self, error: BaseException) -> str:
        """The sentence the dialog shows."""
        where = (
            f"The details are in the log file:\n{self.log_path}"
            if self.log_path is not None
            else "No log file is kept for this run."
        )
        return (
            f"Something went wrong inside the display ({type(error).__name__}: {error}). "
            "It carries on, but what you were doing may not have finished.\n\n" + where
        )

    def __call__(
        self,
        exc_type: type[BaseException],
        error: BaseException,
        traceback: TracebackType | None,
    ) -> None:
        """Log ``error`` with its traceback and, unless one is open already, show the dialog."""
        if issubclass(exc_type, KeyboardInterrupt) and self._previous is not None:
            # Ctrl+C is a request to stop, not a crash.
            self._previous(exc_type, error, traceback)
            return
        logger.critical("uncaught exception", exc_info=(exc_type, error, traceback))
        if self.dialog is not None:
            return
        dialog = QMessageBox(
            QMessageBox.Icon.Critical,
            "In-Home Display: something went wrong",
            self.message(error),
            QMessageBox.StandardButton.Ok,
            self._parent(),
        )
        dialog.setObjectName("CrashDialog")
        dialog.finished.connect(self._closed)
        self.dialog = dialog
        # open(), not exec(): a nested event loop inside the qasync loop could step another
        # asyncio task while the one that raised is still current.
        dialog.open()

    def _closed(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()
