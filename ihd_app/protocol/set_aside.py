"""A damaged data file is set aside (renamed, never deleted) and the program carries on without it.

Both programs keep bonds in ``bonds.json``; the display keeps everything else in ``ihd.sqlite3``.
A file that cannot be read (cut short by a full disk, overwritten, emptied) must not stop the
program with a traceback, nor be thrown away: it is renamed ``<name>.corrupt-<UTC time>`` next to
where it was, so someone can still look at it, and the person is told in one sentence that names
both paths. See :func:`set_aside` and :func:`check_bond_file`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bumble.keys import PairingKeys

from ihd_app.protocol.errors import ConfigurationError

_Opened = TypeVar("_Opened")

#: The event both programs log when they set a file aside (fields: file, kept_as, problem,
#: detail: the sentence shown to the person).
SET_ASIDE_EVENT = "storage.set-aside"


@dataclass(frozen=True)
class SetAside:
    """A file that was renamed out of the way because it could not be read.

    Attributes:
        original: Where it was (a fresh file takes its place).
        kept_as: Where it is now.
        problem: What was wrong with it, in a few words.
        consequence: What the program does without it, and what the person may want to do.
    """

    original: Path
    kept_as: Path
    problem: str
    consequence: str

    @property
    def sentence(self) -> str:
        """The one sentence the person is told."""
        return (
            f"{self.original} could not be read ({self.problem}), so it was kept as "
            f"{self.kept_as} and {self.consequence}."
        )

    def event_fields(self) -> dict[str, str]:
        """The fields of the :data:`SET_ASIDE_EVENT` event."""
        return {
            "file": str(self.original),
            "kept_as": str(self.kept_as),
            "problem": self.problem,
            "detail": self.sentence,
        }


def warn_on_stderr(program: str) -> Callable[[dict[str, Any]], None]:
    """An event listener that prints each :data:`SET_ASIDE_EVENT` as one line on stderr, which
    is where a person running a program without its window learns of it."""

    def listener(event: dict[str, Any]) -> None:
        if event.get("event") == SET_ASIDE_EVENT:
            print(f"{program}: warning: {event['detail']}", file=sys.stderr, flush=True)

    return listener


def set_aside(
    path: Path,
    problem: str,
    consequence: str,
    *,
    companions: Sequence[str] = (),
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> SetAside:
    """Rename ``path`` to ``<name>.corrupt-<YYYYmmddTHHMMSSZ>`` (a free name) beside it.

    Args:
        path: The damaged file.
        problem: What is wrong with it.
        consequence: What happens without it (ends the sentence).
        companions: Suffixes of files that belong to it and move with it, keeping the same
            suffix (SQLite's ``-wal`` and ``-shm``, so the kept database opens with its journal).
        clock: The current time (tests).

    Raises:
        ConfigurationError: The file cannot be renamed (read-only folder): the program cannot
            carry on without losing it, so it stops with a sentence saying so.
    """
    stamp = clock().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 1
    while kept.exists():
        number += 1
        kept = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
    try:
        path.rename(kept)
        for suffix in companions:
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                companion.rename(kept.with_name(kept.name + suffix))
    except OSError as error:
        raise ConfigurationError(
            f"{path} could not be read ({problem}) and cannot be moved aside to "
            f"{kept}: {error.strerror}; move it away yourself"
        ) from None
    return SetAside(path, kept, problem, consequence)


def open_or_set_aside(
    path: Path, opener: Callable[[Path], _Opened], consequence: str
) -> tuple[_Opened, SetAside | None]:
    """Open a JSON data file with ``opener``; if what is in it cannot be understood, set it
    aside and open afresh (``opener`` must accept a missing file).

    Args:
        path: The file.
        opener: Reads it (and raises ValueError, TypeError, KeyError or AttributeError on
            content it cannot use; ``json.JSONDecodeError`` is a ValueError).
        consequence: What the program does without it (ends the sentence).

    Returns:
        What ``opener`` returned, and what was set aside (``None`` if nothing was).
    """
    try:
        return opener(path), None
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        if not path.exists():
            raise
        if isinstance(error, json.JSONDecodeError):
            problem = f"not valid JSON: {error.msg}, line {error.lineno}"
        else:
            problem = f"not what the program wrote: {error}"
        damaged = set_aside(path, problem, consequence)
        return opener(path), damaged


def bond_file_problem(path: Path) -> str | None:
    """What is wrong with a JSON bonds file (Bumble's ``JsonKeyStore``), or ``None`` if it is
    usable or absent."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        return "it is not text"
    except OSError as error:
        raise ConfigurationError(f"cannot read the bonds file {path}: {error.strerror}") from None
    if not text.strip():
        return "it is empty"
    try:
        table = json.loads(text)
    except json.JSONDecodeError as error:
        return f"not valid JSON: {error.msg}, line {error.lineno}"
    # {namespace: {peer address: {key name: ...}}}, each bond loadable as Bumble loads it.
    if not isinstance(table, dict) or not all(isinstance(v, dict) for v in table.values()):
        return "not a table of bonds"
    for bonds in table.values():
        for keys in bonds.values():
            try:
                PairingKeys.from_dict(keys)
            except (TypeError, ValueError, KeyError, AttributeError):
                return "a bond in it is damaged"
    return None


def check_bond_file(path: Path, who: str) -> SetAside | None:
    """Set a damaged bonds file aside, so the program starts with no bonds instead of failing.

    Args:
        path: The bonds file (need not exist).
        who: The program, as the sentence names it (``the display``, ``the meter``).

    Returns:
        What was set aside, or ``None`` when the file is fine or absent.

    Raises:
        ConfigurationError: The file cannot be read at all, or not moved aside.
    """
    problem = bond_file_problem(path)
    if problem is None:
        return None
    return set_aside(
        path,
        problem,
        f"{who} carries on with no bonds: pair the display and the meter again",
    )
