"""Loads the household can shift, and that a flexibility event may control directly: the EV
charger and the immersion heater.

They are off the household's schedule (:mod:`~meter_emulator.simulation.household` is unchanged)
until the demonstrator or a scenario plugs them in; once plugged in they draw their power except
inside a window in which load control defers their device class. Like the household model, the
demand is a function of the instant: a deferral window is a fact about time, not a running timer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ihd_app.protocol.zcl.drlc import DeviceClass


@dataclass(frozen=True)
class FlexibleLoad:
    """A load a flexibility event can defer.

    Attributes:
        name: As scenario files and the GUI spell it.
        watts: Its draw while running.
        device_class: The DRLC device class it belongs to.
    """

    name: str
    watts: float
    device_class: DeviceClass


FLEXIBLE_LOADS: tuple[FlexibleLoad, ...] = (
    FlexibleLoad("ev-charger", 7000.0, DeviceClass.ELECTRIC_VEHICLE),
    FlexibleLoad("immersion-heater", 3000.0, DeviceClass.WATER_HEATER),
)


def flexible_load_named(name: str) -> FlexibleLoad:
    """The flexible load called ``name``.

    Raises:
        ValueError: No such load, naming the ones there are.
    """
    wanted = name.strip().lower().replace("_", "-").replace(" ", "-")
    for load in FLEXIBLE_LOADS:
        if load.name == wanted:
            return load
    known = ", ".join(load.name for load in FLEXIBLE_LOADS)
    raise ValueError(f"no flexible load '{name}' (known: {known})")


@dataclass(frozen=True)
class Deferral:
    """Device classes held off from ``start`` until ``end`` (an event under agreement).

    Attributes:
        event_id: The event's IssuerEventID.
        originator: Whose event it is.
        device_class: The classes held off.
        start: From.
        end: Until (moved earlier when the event is cancelled).
    """

    event_id: int
    originator: str
    device_class: int
    start: datetime
    end: datetime


@dataclass
class FlexibleLoads:
    """The flexible loads plugged in, and the windows load control holds them off in.

    Attributes:
        plugged_in: Names of the loads plugged in (they run unless deferred).
        deferrals: Windows of direct control, one per event under agreement.
    """

    plugged_in: set[str] = field(default_factory=set)
    deferrals: list[Deferral] = field(default_factory=list)

    def plug_in(self, name: str, on: bool) -> FlexibleLoad:
        """Plug a load in (it starts drawing unless deferred) or unplug it.

        Raises:
            ValueError: No such load.
        """
        load = flexible_load_named(name)
        if on:
            self.plugged_in.add(load.name)
        else:
            self.plugged_in.discard(load.name)
        return load

    def deferred_classes(self, at: datetime) -> int:
        """The device classes held off at ``at``."""
        value = 0
        for deferral in self.deferrals:
            if deferral.start <= at < deferral.end:
                value |= deferral.device_class
        return value

    def running(self, at: datetime) -> list[FlexibleLoad]:
        """The loads drawing power at ``at``."""
        held = self.deferred_classes(at)
        return [
            load
            for load in FLEXIBLE_LOADS
            if load.name in self.plugged_in and not held & load.device_class
        ]

    def held_off(self, at: datetime) -> list[FlexibleLoad]:
        """The plugged-in loads load control holds off at ``at``."""
        held = self.deferred_classes(at)
        return [
            load
            for load in FLEXIBLE_LOADS
            if load.name in self.plugged_in and held & load.device_class
        ]

    def demand_w(self, at: datetime) -> float:
        """What the flexible loads draw at ``at``."""
        return sum(load.watts for load in self.running(at))
