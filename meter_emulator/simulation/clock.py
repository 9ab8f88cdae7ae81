"""The simulation clock: the household's time, optionally running faster than the wall clock.

``sim_now = sim_start + (wall_now - wall_start) * speed``. The household's load, the registers'
energy, the power-threshold grace period and a scenario's ``at`` offsets run on this clock.
Everything the IHD checks (envelope ``iat``/``nbf``/``exp``, DisplayMessage start times, outage
windows) stays on the wall clock, because the IHD runs on real time: :meth:`SimClock.wall_after`
turns a simulated delay into the wall-clock instant it happens at.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def _wall() -> datetime:
    return datetime.now(UTC)


class SimClock:
    """Simulated time, anchored at a wall-clock instant.

    Args:
        speed: Simulated seconds per wall-clock second (1 = real time; > 0).
        start: The simulated instant at the anchor (default: the wall clock's now).
        wall: The wall clock (injected in tests).

    Raises:
        ValueError: ``speed`` is not positive, or ``start`` is naive.
    """

    def __init__(
        self,
        speed: float = 1.0,
        start: datetime | None = None,
        wall: Callable[[], datetime] = _wall,
    ) -> None:
        if not speed > 0:
            raise ValueError(f"the simulation speed must be above 0, not {speed}")
        if start is not None and start.tzinfo is None:
            raise ValueError("the simulation start must carry a time zone")
        self._wall = wall
        self._speed = float(speed)
        self._wall_anchor = wall()
        self._sim_anchor = start if start is not None else self._wall_anchor

    @property
    def speed(self) -> float:
        """Simulated seconds per wall-clock second."""
        return self._speed

    def wall(self) -> datetime:
        """The wall clock's now (what envelopes are stamped with)."""
        return self._wall()

    def now(self) -> datetime:
        """The simulated now."""
        elapsed = (self._wall() - self._wall_anchor).total_seconds()
        return self._sim_anchor + timedelta(seconds=elapsed * self._speed)

    def wall_seconds(self, sim_seconds: float) -> float:
        """How many wall-clock seconds ``sim_seconds`` of simulated time take."""
        return sim_seconds / self._speed

    def wall_after(self, sim_seconds: float) -> datetime:
        """The wall-clock instant ``sim_seconds`` of simulated time from now."""
        return self._wall() + timedelta(seconds=self.wall_seconds(sim_seconds))

    def set_speed(self, speed: float) -> None:
        """Change the speed from now on (simulated time does not jump).

        Raises:
            ValueError: ``speed`` is not positive.
        """
        if not speed > 0:
            raise ValueError(f"the simulation speed must be above 0, not {speed}")
        self._sim_anchor = self.now()
        self._wall_anchor = self._wall()
        self._speed = float(speed)
