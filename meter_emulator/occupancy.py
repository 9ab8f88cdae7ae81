"""A change of occupier at the meter (seed: "data obtained for the wrong customer"): the
supplier's signed ``occupier.change`` (or the emulator's window, which sends one) makes the
meter forget what belonged to the household that left, and keep what the meter must keep.

Forgotten: every consent (the next household starts from "no consent"), the bonds of the
household's displays (they pair again, inside a pairing window), and the messages still waiting
for them. From the move-in on, history the meter serves (the displays' backfill, operators' data
requests) holds nothing from before it: the previous household's half hours read as zero.

Kept (regulatory records): the registers, the HAN device log (the supplier commissioned the
display, which stays with the premises), the replay counters, the power threshold and the event
log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any

from ihd_app.protocol.events import EventLog
from meter_emulator.ihd_delivery import IhdDelivery
from meter_emulator.state import MeterState


class ChangeOfOccupier:
    """Carries out a change of occupier.

    Args:
        state: The meter's saved state (consents, the move-in).
        delivery: The store-and-forward queue to the displays.
        forget_links: Deletes every display's bond and drops its link; how many bonds went.
        spawn: Runs a background task (the links are dropped after the answer is sent).
        events: Where events go.
    """

    def __init__(
        self,
        state: MeterState,
        delivery: IhdDelivery,
        forget_links: Callable[[], Awaitable[int]],
        spawn: Callable[[Coroutine[Any, Any, Any], str], object],
        events: EventLog,
    ) -> None:
        self._state = state
        self._delivery = delivery
        self._forget_links = forget_links
        self._spawn = spawn
        self._events = events

    def change(self, moved_in: datetime, by: str) -> str:
        """The household changed at ``moved_in`` (``by`` whom); what was done, in a phrase."""
        consents = self._state.clear_grants()
        self._state.set_moved_in(moved_in)
        dropped = self._delivery.clear()
        self._spawn(self._unpair(moved_in, by, consents, dropped), "change-of-occupier")
        return (
            f"new occupier from {moved_in:%d %b %Y %H:%M}: {consents} consent(s) and "
            f"{dropped} waiting message(s) of the previous household cleared, displays unpaired"
        )

    async def _unpair(self, moved_in: datetime, by: str, consents: int, dropped: int) -> None:
        bonds = await self._forget_links()
        self._events.emit(
            "occupier.changed",
            moved_in=moved_in.isoformat(timespec="seconds"),
            by=by,
            consents_cleared=consents,
            messages_dropped=dropped,
            bonds_deleted=bonds,
            kept="registers, HAN device log, replay counters, threshold, event log",
        )


def before_move_in(start: datetime, moved_in: datetime | None) -> bool:
    """Whether the half hour from ``start`` began before the current occupier moved in."""
    return moved_in is not None and start < moved_in


__all__ = ["ChangeOfOccupier", "before_move_in"]
