"""The meter's state at a glance, for the emulator window's meter panel: what the household
draws, the supply, the threshold, the registers and the queue, read without side effects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ihd_app.protocol.consent_terms import Grant
from ihd_app.protocol.zcl import Endpoint, SupplyStatus
from meter_emulator.behaviour.meter import MeterBehaviour
from meter_emulator.simulation.clock import SimClock
from meter_emulator.simulation.premises import Premises


@dataclass(frozen=True)
class MeterSnapshot:
    """The meter's state at a glance (for the GUI's meter panel).

    Attributes:
        sim_time: The simulated now.
        speed: Simulation speed.
        electricity_w: Electricity demand through the meter.
        gas_w: Gas demand (W of heat).
        voltage_v: Supply voltage (0 in an outage).
        electricity_supply: SupplyStatus of electricity.
        off_causes: Why the electricity supply is off.
        gas_supply: SupplyStatus of gas.
        threshold_kw: The maximum power threshold, if set.
        grace_s: Its grace period (simulated seconds).
        threshold_state: normal, warning or interrupted.
        appliances: Appliances forced on (``True``) or off (``False``).
        electricity_register_wh: CurrentSummationDelivered of electricity, in Wh.
        gas_register_wh: CurrentSummationDelivered of gas, in Wh of heat.
        pending: Envelopes waiting for the IHD.
        ihd_listening: Whether an IHD is subscribed to Messages to IHD.
        grants: The consumer's consents per party and purpose, as the display last sent them.
    """

    sim_time: datetime
    speed: float
    electricity_w: float
    gas_w: float
    voltage_v: float
    electricity_supply: SupplyStatus
    off_causes: tuple[str, ...]
    gas_supply: SupplyStatus
    threshold_kw: float | None
    grace_s: float | None
    threshold_state: str
    appliances: Mapping[str, bool]
    electricity_register_wh: float
    gas_register_wh: float
    pending: int
    ihd_listening: bool
    grants: Sequence[Grant]


def snapshot_of(
    sim: SimClock,
    premises: Premises,
    behaviour: MeterBehaviour,
    registers_wh: Mapping[Endpoint, float],
    *,
    pending: int,
    ihd_listening: bool,
    grants: Sequence[Grant],
) -> MeterSnapshot:
    """The meter's state now.

    Args:
        sim: The simulation clock.
        premises: The household behind the meter.
        behaviour: The meter's behaviour (threshold).
        registers_wh: CurrentSummationDelivered per fuel, in Wh.
        pending: Envelopes waiting for a display.
        ihd_listening: Whether a display listens for messages.
        grants: The consumer's consents per party and purpose, as the display last sent them.
    """
    now = sim.now()
    setting = behaviour.threshold.setting
    return MeterSnapshot(
        sim_time=now,
        speed=sim.speed,
        electricity_w=premises.electricity_w(now),
        gas_w=premises.gas_w(now),
        voltage_v=premises.network_voltage(now),
        electricity_supply=premises.supply_status(electricity=True),
        off_causes=tuple(sorted(c.value for c in premises.off_causes)),
        gas_supply=premises.supply_status(electricity=False),
        threshold_kw=None if setting is None else setting.threshold_kw,
        grace_s=None if setting is None else setting.grace_s,
        threshold_state=behaviour.threshold_state.value,
        appliances=dict(premises.forced),
        electricity_register_wh=round(registers_wh[Endpoint.ELECTRICITY], 1),
        gas_register_wh=round(registers_wh[Endpoint.GAS], 1),
        pending=pending,
        ihd_listening=ihd_listening,
        grants=tuple(grants),
    )
