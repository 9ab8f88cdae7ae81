"""Refuse a Qt binding known to corrupt the interpreter, with a clear message instead of a crash.

PySide6 6.12.0 on Python 3.11 drops a reference to ``None`` (and ``True``/``False``) on every
Python slot or virtual-method call; on 3.11, where those objects are not immortal, the process
aborts with "none_dealloc" after a few thousand Qt callbacks. 6.11.x is sound.
"""

from __future__ import annotations

import sys

from PySide6 import __version_info__ as PYSIDE_VERSION


class BrokenQtBindingError(RuntimeError):
    """The installed Qt binding would crash the display."""


def binding_problem() -> str | None:
    """Why the installed PySide6 cannot be used here, or ``None`` if it can."""
    if sys.version_info < (3, 12) and tuple(PYSIDE_VERSION[:2]) == (6, 12):
        version = ".".join(str(part) for part in PYSIDE_VERSION[:3])
        return (
            f"PySide6 {version} corrupts reference counts on Python "
            f"{sys.version_info.major}.{sys.version_info.minor} and crashes after a few thousand "
            "Qt events; install PySide6-Essentials<6.12 (or use Python 3.12+)"
        )
    return None


def check_qt_binding() -> None:
    """Raise :class:`BrokenQtBindingError` if the binding is known to be broken."""
    problem = binding_problem()
    if problem is not None:
        raise BrokenQtBindingError(problem)
