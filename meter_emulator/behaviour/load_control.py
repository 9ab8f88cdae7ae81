"""Demand response at the meter: flexibility events and the householder's agreement to direct
control (seed §2.3.1: control of a consumer's appliances or micro-generation only with the
householder's agreement).

A verified ``demand.event`` goes to the displays either way (the consumer decides whether to take
part). Direct control is separate: the meter holds off a named device class during the event only
where the householder agreed, on the display, that this originator may control it. Without that
agreement the meter controls nothing and says so in the event log and the operator's status row.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from ihd_app.protocol.demand_response import (
    CONTROLLABLE,
    Agreement,
    FlexibilityEvent,
    device_class_names,
)
from ihd_app.protocol.events import EventLog
from meter_emulator.simulation.flexible_loads import Deferral, FlexibleLoads

_CONTROLLABLE_MASK = sum(int(member) for member in CONTROLLABLE)


class LoadControl:
    """Agreements kept by the meter, and the deferrals they allow.

    Args:
        loads: The premises' flexible loads (their deferral windows are set here).
        events: Where events go.
        clock: The meter's clock (the one the premises' demand is computed on).
        path: Where agreements are kept across restarts; ``None`` keeps them in memory.
        to_meter_time: Turns a signed (wall-clock) instant into the meter's clock, which runs
            faster in an accelerated scenario; the identity unless given.
    """

    def __init__(
        self,
        loads: FlexibleLoads,
        events: EventLog,
        clock: Callable[[], datetime],
        path: Path | None = None,
        to_meter_time: Callable[[datetime], datetime] = lambda moment: moment,
    ) -> None:
        self._loads = loads
        self._events = events
        self._clock = clock
        self._path = path
        self._to_meter_time = to_meter_time
        self._agreements: dict[str, Agreement] = self._load()

    def agreed_classes(self, originator: str) -> int:
        """The device classes ``originator`` may control directly."""
        agreement = self._agreements.get(originator)
        return agreement.device_class if agreement is not None else 0

    def set_agreement(self, agreement: Agreement) -> None:
        """The householder's latest word for ``agreement.originator`` (0 classes: withdrawn).

        An older agreement than the one kept is ignored, so a re-sent reply cannot undo a
        withdrawal. A withdrawal also ends the originator's running deferrals at once.
        """
        kept = self._agreements.get(agreement.originator)
        if kept is not None and kept.at > agreement.at:
            return
        if agreement.device_class:
            self._agreements[agreement.originator] = agreement
        else:
            self._agreements.pop(agreement.originator, None)
        self._save()
        now = self._clock()
        allowed = agreement.device_class
        self._loads.deferrals[:] = [
            narrowed
            for deferral in self._loads.deferrals
            if (narrowed := _under(deferral, agreement.originator, allowed, now)) is not None
        ]
        self._events.emit(
            "demand.agreement",
            originator=agreement.originator,
            devices=device_class_names(agreement.device_class),
            withdrawn=not agreement.device_class,
        )

    def schedule(self, event: FlexibilityEvent, originator: str) -> str:
        """Take a verified event: defer what the householder agreed to, and say what was done.

        Returns:
            One sentence for the operator: what the meter controls, and what it does not and why.
        """
        asked = event.device_class & _CONTROLLABLE_MASK
        allowed = asked & self.agreed_classes(originator)
        refused = asked & ~allowed
        self._loads.deferrals[:] = [
            d
            for d in self._loads.deferrals
            if (d.originator, d.event_id) != (originator, event.event_id)
        ]
        parts = []
        if allowed:
            self._loads.deferrals.append(
                Deferral(
                    event.event_id,
                    originator,
                    allowed,
                    self._to_meter_time(event.start),
                    self._to_meter_time(event.end),
                )
            )
            names = ", ".join(device_class_names(allowed))
            parts.append(
                f"controls {names} from {event.start:%H:%M} to {event.end:%H:%M} "
                "with the householder's agreement"
            )
            self._events.emit(
                "demand.control",
                event_id=event.event_id,
                originator=originator,
                devices=device_class_names(allowed),
                start=event.start.isoformat(timespec="seconds"),
                end=event.end.isoformat(timespec="seconds"),
            )
        if refused:
            names = ", ".join(device_class_names(refused))
            parts.append(f"does not control {names}: the householder has not agreed to it")
            self._events.emit(
                "demand.control-refused",
                event_id=event.event_id,
                originator=originator,
                devices=device_class_names(refused),
                reason="no-agreement",
            )
        if not parts:
            return "no device of this home is named for direct control; the display asks"
        return "the meter " + "; it ".join(parts)

    def cancel(self, originator: str, event_id: int | None) -> None:
        """End ``originator``'s event ``event_id`` (``None``: all its events) now."""
        now = self._clock()
        self._loads.deferrals[:] = [
            kept
            for deferral in self._loads.deferrals
            if (kept := _cancelled(deferral, originator, event_id, now)) is not None
        ]
        self._events.emit("demand.cancelled", originator=originator, event_id=event_id)

    def _load(self) -> dict[str, Agreement]:
        if self._path is None or not self._path.exists():
            return {}
        try:
            rows = json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self._events.emit(
                "demand.agreements-unreadable",
                detail=f"{self._path} cannot be read: no direct control until agreed again",
            )
            return {}
        agreements = {}
        for row in rows if isinstance(rows, list) else []:
            agreement = Agreement.from_details({"agreement": row})
            if agreement is not None:
                agreements[agreement.originator] = agreement
        return agreements

    def _save(self) -> None:
        if self._path is None:
            return
        rows = [agreement.to_details() for agreement in self._agreements.values()]
        temporary = self._path.with_suffix(".tmp")
        temporary.write_text(json.dumps(rows, indent=1), encoding="utf-8")
        os.replace(temporary, self._path)


def _under(deferral: Deferral, originator: str, allowed: int, now: datetime) -> Deferral | None:
    """``deferral`` once ``originator`` may control only ``allowed``: narrowed, ended now if it
    is running and nothing is left, dropped if it has not started."""
    if deferral.originator != originator:
        return deferral
    narrowed = deferral.device_class & allowed
    if narrowed:
        return replace(deferral, device_class=narrowed)
    if deferral.start <= now < deferral.end:
        return replace(deferral, end=now)
    return None


def _cancelled(
    deferral: Deferral, originator: str, event_id: int | None, now: datetime
) -> Deferral | None:
    """``deferral`` after ``originator`` cancels ``event_id`` (``None``: every event) now."""
    if deferral.originator != originator or event_id not in (None, deferral.event_id):
        return deferral
    if deferral.start >= now:
        return None
    return replace(deferral, end=min(now, deferral.end))
