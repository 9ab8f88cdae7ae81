"""The display's rotating log file in the user's log dir.

stderr stays quiet (one line per error, see :func:`configure_logging`), so the file is where a
person, or a bug report, finds what happened: INFO and above from every logger, tracebacks of
crashes included, in a few bounded files that rotate.
"""

from __future__ import annotations

import logging
import logging.handlers
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_log_dir

from ihd_app.protocol.cli_common import UsageError

LOG_FILE_NAME = "ihd.log"
#: 1 MiB a file, the current one plus 4 old ones: enough for days of a display's life.
MAX_BYTES = 1024 * 1024
BACKUP_COUNT = 4
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def default_log_dir() -> Path:
    """The user's log dir for the display (e.g. ``~/.local/state/ihd-emulator/log``)."""
    return Path(user_log_dir("ihd-emulator", appauthor=False))


@dataclass(frozen=True)
class LogFile:
    """The log file while it is installed.

    Attributes:
        path: The current file (older ones are ``ihd.log.1`` ... ``ihd.log.4``).
        handler: The rotating handler on the root logger.
        previous_level: The root logger's level before, restored by :meth:`close`.
    """

    path: Path
    handler: logging.handlers.RotatingFileHandler
    previous_level: int

    def close(self) -> None:
        """Detach and close the file; the root logger gets its old level back."""
        root = logging.getLogger()
        root.removeHandler(self.handler)
        self.handler.close()
        root.setLevel(self.previous_level)


def install_log_file(log_dir: Path) -> LogFile:
    """Log INFO and above to ``<log_dir>/ihd.log``, rotating, until :meth:`LogFile.close`.

    The root logger drops to INFO for the file; the plain stderr handler of
    :func:`~ihd_app.protocol.cli_common.configure_logging`, if it has no level of its own, is
    given the old root level, so stderr stays as quiet as it was.

    Raises:
        UsageError: The directory cannot be created or the file cannot be opened.
    """
    path = log_dir / LOG_FILE_NAME
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
    except OSError as error:
        raise UsageError(f"cannot write the log file {path}: {error.strerror}") from None
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    previous = root.level
    for existing in root.handlers:
        # Exactly logging.StreamHandler: basicConfig's; subclasses (test capture) are left be.
        if type(existing) is logging.StreamHandler and existing.level == logging.NOTSET:
            existing.setLevel(previous)
    if previous == logging.NOTSET or previous > logging.INFO:
        root.setLevel(logging.INFO)
    root.addHandler(handler)
    return LogFile(path, handler, previous)
