"""A scenario: a workshop's script, checked and ready to play (file format in docs/scenarios.md).

A scenario is a ``[scenario]`` table (title, description, default speed, simulated start) and
an ordered list of ``[[step]]`` tables, each with an ``at`` offset in simulated seconds and an
``action``. :func:`~meter_emulator.scenarios.loader.load_scenario` reads and checks a file
completely before anything is played, and a problem is one :class:`ScenarioError` line:
``FILE:LINE: step N (ACTION): what is wrong``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ihd_app.protocol.errors import IhdError


class ScenarioError(IhdError):
    """A scenario file that cannot be played.

    Attributes:
        path: The file.
        line: The line of the problem (0 if unknown).
        step: The step's number (1-based; 0 for the file or its ``[scenario]`` table).
        action: The step's action, if known.
        problem: What is wrong, in one sentence.
    """

    def __init__(self, path: Path, line: int, step: int, action: str, problem: str) -> None:
        self.path = path
        self.line = line
        self.step = step
        self.action = action
        self.problem = problem
        where = f"{path}:{line}" if line else str(path)
        what = f"step {step} ({action})" if step and action else (f"step {step}" if step else "")
        super().__init__(f"{where}: {what + ': ' if what else ''}{problem}")


@dataclass(frozen=True)
class Step:
    """One step of a scenario.

    Attributes:
        n: Its number (1-based).
        line: The line of its ``[[step]]`` header.
        at_s: When it runs, in simulated seconds from the scenario's start (never before the
            previous step has finished).
        action: What it does.
        fields: Its checked fields (times as :class:`TimeSpec`, durations in seconds).
    """

    n: int
    line: int
    at_s: float
    action: str
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    """A checked scenario.

    Attributes:
        name: The file's stem.
        title: Its title.
        description: What it shows.
        speed: The speed it is meant to run at (``--speed`` overrides).
        start: The simulated start (``None``: now).
        steps: The steps, in order.
        source: The file.
    """

    name: str
    title: str
    description: str
    speed: float | None
    start: datetime | None
    steps: tuple[Step, ...]
    source: Path


__all__ = ["Scenario", "ScenarioError", "Step"]
