"""One display per data dir: an OS file lock on ``<data dir>/ihd.lock``.

Two displays on one data dir would share a database, an outbox and a Bluetooth bond store: each
would acknowledge, sign and deliver on the other's behalf. The lock is an advisory OS lock
(``flock`` on POSIX, ``msvcrt.locking`` on Windows), so it is released by the OS when the
process dies, however it dies: a crash never leaves a stale lock behind. The file also records
the holder's process id, for the error message only.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import TracebackType
from typing import IO

from ihd_app.protocol.errors import IhdError

LOCK_FILE_NAME = "ihd.lock"


class DataDirInUse(IhdError):
    """Another display already runs on this data dir."""


def _try_lock(handle: IO[str]) -> bool:
    """Take the lock without waiting; ``False`` when another process holds it."""
    if sys.platform == "win32":
        import msvcrt  # noqa: PLC0415 - Windows only

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl  # noqa: PLC0415 - POSIX only

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(handle: IO[str]) -> None:
    if sys.platform == "win32":
        import msvcrt  # noqa: PLC0415 - Windows only

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl  # noqa: PLC0415 - POSIX only

        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class DataDirLock:
    """Held while a display runs on ``data_dir`` (a context manager).

    Args:
        data_dir: The display's data dir (created if missing).
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_FILE_NAME
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock.

        Raises:
            DataDirInUse: Another process (or another lock in this one) holds it.
            IhdError: The data dir or the lock file cannot be created.
        """
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            # "a+": never truncate what the holder wrote before we know we hold the lock.
            handle = self.path.open("a+", encoding="ascii")
        except OSError as error:
            raise IhdError(f"cannot use the data dir {self.data_dir}: {error.strerror}") from None
        if not _try_lock(handle):
            try:
                handle.seek(0)
                holder = handle.read().strip()
            except OSError:  # Windows refuses to read a locked byte: the pid is a courtesy
                holder = ""
            handle.close()
            who = f" (process {holder})" if holder.isdigit() else ""
            raise DataDirInUse(
                f"another IHD is already running on the data dir {self.data_dir}{who}; "
                "close it, or give this one another --data-dir"
            )
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Let go of the lock (the file stays: removing it would race with a new holder)."""
        handle, self._handle = self._handle, None
        if handle is not None:
            _unlock(handle)
            handle.close()

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
