"""The maximum power threshold (seed use case 09 scenario 3, "power sharing").

A DNO sets a threshold and a grace period on the meter. When demand goes above the threshold
the meter warns the consumer; if demand is still above it when the grace period ends, the meter
interrupts the supply, and the consumer restores it at the meter (after switching something
off). If demand falls below the threshold first, the warning is replaced by an "all clear".

This module is the pure state machine, on simulated time; the meter acts on its transitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class ThresholdState(StrEnum):
    """Where the meter is in a threshold episode."""

    NORMAL = "normal"
    WARNING = "warning"
    INTERRUPTED = "interrupted"


class Transition(StrEnum):
    """What :meth:`ThresholdMonitor.evaluate` asks the meter to do."""

    WARN = "warn"
    CLEAR = "clear"
    INTERRUPT = "interrupt"


@dataclass(frozen=True)
class ThresholdSetting:
    """A threshold as the DNO set it.

    Attributes:
        threshold_kw: Demand above this many kW starts a warning.
        grace_s: Simulated seconds demand may stay above it before the supply is interrupted.
    """

    threshold_kw: float
    grace_s: float

    @property
    def threshold_w(self) -> float:
        """The threshold in watts."""
        return self.threshold_kw * 1000


class ThresholdMonitor:
    """Follows demand against the threshold.

    Args:
        setting: The threshold, or ``None`` for none (nothing is ever interrupted).
    """

    def __init__(self, setting: ThresholdSetting | None = None) -> None:
        self.setting = setting
        self.state = ThresholdState.NORMAL
        self.deadline: datetime | None = None

    def configure(self, setting: ThresholdSetting | None) -> Transition | None:
        """Change (or with ``None`` remove) the threshold.

        A warning in progress is cleared (the next evaluation starts a new one if demand is
        above the new threshold); an interruption stays until it is restored.
        """
        self.setting = setting
        if self.state is ThresholdState.WARNING:
            self.state = ThresholdState.NORMAL
            self.deadline = None
            return Transition.CLEAR
        return None

    def evaluate(self, demand_w: float, now: datetime) -> Transition | None:
        """Follow demand ``demand_w`` at simulated instant ``now``; the transition, if any."""
        setting = self.setting
        if setting is None or self.state is ThresholdState.INTERRUPTED:
            return None
        if self.state is ThresholdState.NORMAL:
            if demand_w > setting.threshold_w:
                self.state = ThresholdState.WARNING
                self.deadline = now + timedelta(seconds=setting.grace_s)
                return Transition.WARN
            return None
        # WARNING
        if demand_w < setting.threshold_w:
            self.state = ThresholdState.NORMAL
            self.deadline = None
            return Transition.CLEAR
        if self.deadline is not None and now >= self.deadline:
            self.state = ThresholdState.INTERRUPTED
            self.deadline = None
            return Transition.INTERRUPT
        return None

    def restored(self) -> None:
        """The supply was restored at the meter: a new episode may start."""
        self.state = ThresholdState.NORMAL
        self.deadline = None
