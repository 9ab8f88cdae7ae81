"""The premises behind the meter: the household's load, the supply switch, the gas valve, the
network voltage and the appliances a demonstrator switches by hand.

The household model (:mod:`meter_emulator.simulation.household`) decides what runs when; this
module adds what the meter and the demonstrator change: appliances forced on or off, the
electricity supply switched off for a reason (power threshold, network outage, extreme voltage,
safety alarm), the gas valve closed by the gas network, and the voltage at the meter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ihd_app.protocol.zcl import SupplyStatus
from meter_emulator.simulation.flexible_loads import FlexibleLoads
from meter_emulator.simulation.household import APPLIANCES, Appliance, Household
from meter_emulator.simulation.voltage import HIGH_LIMIT_V, LOW_LIMIT_V, NOMINAL_V, voltage_at


class SupplyCause(StrEnum):
    """Why the electricity supply is off."""

    POWER_THRESHOLD = "power-threshold"
    """The maximum power threshold was exceeded past its grace period (latched)."""
    NETWORK_OUTAGE = "network-outage"
    """No power from the network (clears when the network comes back)."""
    EXTREME_VOLTAGE = "extreme-voltage"
    """The meter disconnected itself on a voltage outside the statutory range (latched)."""
    SAFETY_ALARM = "safety-alarm"
    """The meter disconnected itself on a safety alarm (latched; only the DNO clears it)."""
    REMOTE_DISCONNECTION = "remote-disconnection"
    """An operator's verified remote disconnection (latched until the operator enables the
    supply and the consumer switches it back on)."""
    PREPAYMENT = "prepayment"
    """Prepayment credit (and emergency credit) ran out outside friendly credit; restored from
    the display after a top-up, not by the meter's button."""

    @property
    def latched(self) -> bool:
        """Whether the supply stays off until someone restores it at the meter."""
        return self not in (SupplyCause.NETWORK_OUTAGE, SupplyCause.PREPAYMENT)


def appliance_named(name: str) -> Appliance:
    """The appliance called ``name`` (case-insensitive; ``washing-machine`` also works).

    Raises:
        ValueError: No such appliance, naming the ones there are.
    """
    wanted = name.strip().lower().replace("-", " ").replace("_", " ")
    for appliance in APPLIANCES:
        if appliance.name == wanted:
            return appliance
    known = ", ".join(a.name.replace(" ", "-") for a in APPLIANCES)
    raise ValueError(f"no appliance '{name}' (known: {known})")


def appliance_names() -> list[str]:
    """Appliance names as scenario files and the GUI spell them."""
    return [a.name.replace(" ", "-") for a in APPLIANCES]


@dataclass
class Premises:
    """What is connected behind the meter, and the state of its switch and valve.

    Attributes:
        household: The load model.
        forced: Appliance name -> forced on (``True``) or off (``False``); others follow the
            household's schedule.
        voltage_override: A voltage the demonstrator set (``None``: the network's normal one).
        off_causes: Why the electricity supply is off (empty: on).
        gas_valve_open: Whether gas flows.
        armed: The electricity supply is off but enabled: the consumer may switch it back on
            (ZSE SupplyStatus 1, off/armed).
        flexible: The EV charger and immersion heater, and when load control holds them off.
    """

    household: Household
    forced: dict[str, bool] = field(default_factory=dict)
    voltage_override: float | None = None
    off_causes: set[SupplyCause] = field(default_factory=set)
    gas_valve_open: bool = True
    armed: bool = False
    flexible: FlexibleLoads = field(default_factory=FlexibleLoads)

    def set_appliance(self, name: str, on: bool | None) -> Appliance:
        """Force an appliance on or off, or (``None``) give it back to the household's schedule.

        Raises:
            ValueError: No such appliance.
        """
        appliance = appliance_named(name)
        if on is None:
            self.forced.pop(appliance.name, None)
        else:
            self.forced[appliance.name] = on
        return appliance

    @property
    def electricity_on(self) -> bool:
        """Whether electricity flows to the premises."""
        return not self.off_causes

    def load_w(self, at: datetime) -> float:
        """What the premises would draw at ``at`` with the supply on (forced appliances too)."""
        demand = self.household.electricity_w(at)
        scheduled = {a.name for a in self.household.appliances_on(at)}
        for appliance in APPLIANCES:
            forced = self.forced.get(appliance.name)
            if forced is True and appliance.name not in scheduled:
                demand += appliance.watts
            elif forced is False and appliance.name in scheduled:
                demand -= appliance.watts
        demand += self.flexible.demand_w(at)
        return round(demand, 1)

    def electricity_w(self, at: datetime) -> float:
        """Electricity demand through the meter at ``at`` (0 while the supply is off)."""
        return self.load_w(at) if self.electricity_on else 0.0

    def gas_w(self, at: datetime) -> float:
        """Gas demand at ``at`` (0 while the valve is closed)."""
        return self.household.gas_w(at) if self.gas_valve_open else 0.0

    def network_voltage(self, at: datetime) -> float:
        """The voltage at the meter at ``at`` (0 during an outage): the network's, less the drop
        the premises' own current makes (:func:`~network_quality.voltage_at`), unless the
        demonstrator set one."""
        if SupplyCause.NETWORK_OUTAGE in self.off_causes:
            return 0.0
        if self.voltage_override is not None:
            return self.voltage_override
        return voltage_at(self.household.seed, at, self.electricity_w(at))

    def supply_status(self, electricity: bool) -> SupplyStatus:
        """SupplyStatus to report for electricity (``True``) or gas."""
        if electricity:
            if self.electricity_on:
                return SupplyStatus.ON
            return SupplyStatus.ARMED if self.armed else SupplyStatus.OFF
        return SupplyStatus.ON if self.gas_valve_open else SupplyStatus.OFF


def voltage_in_range(volts: float) -> bool:
    """Whether ``volts`` is within the statutory range (216.2-253.0 V)."""
    return LOW_LIMIT_V <= volts <= HIGH_LIMIT_V


__all__ = [
    "HIGH_LIMIT_V",
    "LOW_LIMIT_V",
    "NOMINAL_V",
    "Premises",
    "SupplyCause",
    "appliance_named",
    "appliance_names",
    "voltage_in_range",
]
