"""The display's time: its own clock, corrected by the meter's when the two disagree.

A GB display has no time source of its own that anyone vouches for (a dev board without a
real-time clock starts in 1970), and a display whose clock is minutes off would refuse every
genuine message as not yet valid or expired. The meter's time reaches it authenticated: the
meter signs the ``iat`` of its ``session.proof``, and the proof answers this display's fresh
nonce, so it was signed moments ago by a meter of the trust store (docs/protocol.md §5.3). When
that time and the display's clock differ by more than :data:`CORRECTION_THRESHOLD_S`, the display
runs on the meter's time (validity windows, messages starting and expiring, what it signs) and
says so; no unsigned or unproven time is ever used.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

#: Below this the clocks agree: the proof's ``iat`` has one-second resolution and the link adds
#: its delay, so smaller differences are noise, far inside the validity windows' minute of skew.
CORRECTION_THRESHOLD_S: Final = 10.0


class MeterTime:
    """The display's clock, corrected by the meter's proven time.

    Args:
        local: The display's own clock.
        emit: Where DESIGN.md §8 events go (``clock.from-meter`` when the correction changes).
        changed: Told when the correction changes (the UI shows it).
    """

    def __init__(
        self,
        local: Callable[[], datetime],
        emit: Callable[..., Any],
        changed: Callable[[], None],
    ) -> None:
        self._local = local
        self._emit = emit
        self._changed = changed
        self._offset = timedelta(0)
        self._corrected = False

    def now(self) -> datetime:
        """The time the display goes by."""
        return self._local() + self._offset

    def local(self) -> datetime:
        """The display's own clock, uncorrected."""
        return self._local()

    @property
    def correction_s(self) -> float | None:
        """How far the meter's time is ahead of the display's own clock (negative: behind), in
        seconds, while the display runs on the meter's time; ``None`` while the clocks agree."""
        return self._offset.total_seconds() if self._corrected else None

    def learn(self, meter_ahead_s: float) -> None:
        """A handshake proved the meter's time: ``meter_ahead_s`` ahead of the display's own
        clock (negative: behind)."""
        corrected = abs(meter_ahead_s) > CORRECTION_THRESHOLD_S
        offset = timedelta(seconds=round(meter_ahead_s)) if corrected else timedelta(0)
        if corrected == self._corrected and offset == self._offset:
            return
        self._offset, self._corrected = offset, corrected
        self._emit(
            "clock.from-meter",
            corrected=corrected,
            offset_s=round(meter_ahead_s) if corrected else 0,
            detail=describe_correction(self.correction_s),
        )
        self._changed()


def describe_correction(correction_s: float | None) -> str:
    """A sentence for people: where the display's time comes from."""
    if correction_s is None:
        return "This display's clock agrees with the meter's."
    ahead = correction_s > 0
    # To the minute past a minute: the proof's time has one-second resolution, so a display ten
    # minutes slow would otherwise read "9 min 59 s" one time and "10 min 0 s" the next (the
    # exact figure is in the clock.from-meter event). A number stays with its unit (no-break
    # space) when the sentence wraps.
    seconds = round(abs(correction_s))
    if seconds < 60:
        amount = f"{seconds}\u00a0s"
    else:
        hours, minutes = divmod(round(seconds / 60), 60)
        amount = f"{hours}\u00a0h {minutes}\u00a0min" if hours else f"{minutes}\u00a0min"
    # The display's own clock is behind when the meter is ahead of it.
    return (
        f"Time taken from the meter: this display's own clock is {amount} "
        f"{'behind' if ahead else 'ahead'}."
    )


__all__ = ["CORRECTION_THRESHOLD_S", "MeterTime", "describe_correction"]
