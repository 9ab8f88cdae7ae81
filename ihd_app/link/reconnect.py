"""Reconnecting without lockstep or hangs: exponential backoff with jitter (so a room of displays
does not reconnect at once), and re-raising a cancellation that an inner ``wait_for`` swallowed
(so a retry loop always stops when cancelled)."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class ReconnectPolicy:
    """Exponential backoff with jitter, so a room of displays does not reconnect in lockstep.

    Attributes:
        initial_s: First delay.
        factor: Growth per attempt.
        max_s: Ceiling.
        jitter: Fraction of the delay added at random (0.3: up to 30 % longer).
    """

    initial_s: float = 0.25
    factor: float = 2.0
    max_s: float = 15.0
    jitter: float = 0.3

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before reconnection attempt ``attempt`` (0-based)."""
        base = min(self.max_s, self.initial_s * self.factor**attempt)
        return base * (1 + self.jitter * rng.random())


def raise_if_cancelled() -> None:
    """Re-raise a cancellation that an inner ``asyncio.wait_for`` swallowed.

    On Python 3.11, ``wait_for`` returns the result (and drops the CancelledError) when its
    future completes in the same loop turn as the task is cancelled; Bumble's GATT client
    awaits every response that way. A loop that only awaited such calls would then never stop.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
