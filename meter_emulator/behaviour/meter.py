"""What the meter does on its own: power threshold, outages, voltage, safety, gas valve.

Seed use cases, each ending in a meter-signed message indicated to the IHD (the meter is the
originator, so the IHD checks it against the ``meter`` role of the policy):

* 09 scenario 3 (maximum power threshold): demand above the DNO's threshold ->
  ``power.threshold-warning`` (high, to acknowledge) -> after the grace period
  ``supply.interrupted`` (critical; supply off, demand 0) -> the consumer presses the button on
  the meter (:meth:`MeterBehaviour.restore`) -> ``supply.restored``. If demand falls below the
  threshold first, ``power.threshold-cleared`` with the warning's message id replaces it (the
  IHD supersedes a message by originator and message id).
* 14/15 (network outage and restoration): the meter logs the outage alarm for the DNO, and on
  restoration reports ``outage.restored`` itself.
* 18/19 (safety alarm, extreme voltage): ``safety.alarm`` (critical) and automatic
  disconnection. After extreme voltage the consumer restores at the meter once the voltage is
  back in range; a safety alarm only after the DNO cleared it (:attr:`MeterBehaviour.remote`).
* 18 steps 5-7 (remote disconnection): an operator's verified ``supply.disconnect``,
  ``supply.arm`` and ``safety.clear`` (:mod:`meter_emulator.behaviour.remote_supply`).
* gas 03 (GDN disables supply): the verified ``gas.supply-disabled`` closes the valve; a
  competent person opens it on site (:meth:`MeterBehaviour.open_gas_valve`). A gas safety
  alarm (:meth:`MeterBehaviour.gas_safety_alarm`) closes it from the meter itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.envelope.claims import DetailValue
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.zcl import Endpoint, Importance
from ihd_app.protocol.zcl.primitives import datetime_to_utc
from meter_emulator.behaviour.remote_supply import RemoteSupply
from meter_emulator.behaviour.threshold import (
    ThresholdMonitor,
    ThresholdSetting,
    ThresholdState,
    Transition,
)
from meter_emulator.simulation.clock import SimClock
from meter_emulator.simulation.premises import (
    HIGH_LIMIT_V,
    LOW_LIMIT_V,
    Premises,
    SupplyCause,
    voltage_in_range,
)
from meter_emulator.state import MeterState

#: Signs a meter message and queues it for the IHD.
AlertSender = Callable[[MessageRequest], object]


class RestoreRefusedError(Exception):
    """The supply cannot be restored at the meter now; the message says why in one sentence."""


def describe_duration(seconds: float) -> str:
    """``90`` -> "1 minute 30 seconds": how long, in words a consumer reads."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{value} {unit}{'' if value == 1 else 's'}"
        for value, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second"))
        if value
    ]
    return " ".join(parts[:2]) if parts else "0 seconds"


@dataclass(frozen=True)
class Sample:
    """What the meter measured at one instant (simulated time).

    Attributes:
        at: The simulated instant.
        electricity_w: Electricity demand through the meter.
        gas_w: Gas demand (W of heat).
        voltage_v: Supply voltage.
    """

    at: datetime
    electricity_w: float
    gas_w: float
    voltage_v: float


class MeterBehaviour:
    """The meter's own behaviour, driven by samples and by the demonstrator.

    Args:
        premises: The load, switch, valve and voltage.
        sim: The simulation clock.
        events: The event log.
        state: Persistent state (the threshold survives a restart).
        send: Signs and queues a meter message for the IHD.
    """

    def __init__(
        self,
        premises: Premises,
        sim: SimClock,
        events: EventLog,
        state: MeterState,
        send: AlertSender,
    ) -> None:
        self.premises = premises
        self._sim = sim
        self._events = events
        self._state = state
        self._send = send
        stored = state.threshold
        self.threshold = ThresholdMonitor(
            None if stored is None else ThresholdSetting(stored[0], stored[1])
        )
        self._last_message_id = 0
        self._threshold_message_id: int | None = None
        self._disconnection_message_id: dict[SupplyCause, int] = {}
        self._outage_started: datetime | None = None
        self._outage_message_id: int | None = None
        self._voltage_alarmed = False
        self._last_demand_w = 0.0
        self.remote = RemoteSupply(
            premises,
            events,
            send,
            self._message_id,
            self._switch_off,
            self._disconnection_message_id,
            state,
        )
        #: Called with each sample's instant and electricity demand (prepayment charges it).
        self.sample_listeners: list[Callable[[datetime, float], None]] = []

    # -- helpers --------------------------------------------------------------------------------

    def _message_id(self) -> int:
        """A fresh MessageID for a new episode (all of the episode's messages share it)."""
        candidate = datetime_to_utc(self._sim.wall()) & 0xFFFFFFFF
        self._last_message_id = max(self._last_message_id + 1, candidate) & 0xFFFFFFFF
        return self._last_message_id

    def _alert(
        self,
        type_name: str,
        message_id: int,
        text: str,
        importance: Importance,
        confirm: bool,
        details: Mapping[str, DetailValue] | None = None,
        fuel: Endpoint = Endpoint.ELECTRICITY,
    ) -> None:
        self._send(
            MessageRequest(
                type_name,
                message_id=message_id,
                text=text,
                importance=importance,
                confirmation_required=confirm,
                fuel=fuel,
                extra_details=dict(details or {}),
            )
        )

    def _switch_off(self, cause: SupplyCause) -> None:
        was_on = self.premises.electricity_on
        self.premises.off_causes.add(cause)
        if was_on:
            self._events.emit("supply.changed", fuel="electricity", status="off", cause=cause.value)

    def _switch_on(self, cause: SupplyCause) -> None:
        self.premises.off_causes.discard(cause)
        if self.premises.electricity_on:
            self._events.emit("supply.changed", fuel="electricity", status="on", cause=cause.value)

    # -- sampling -------------------------------------------------------------------------------

    def sample(self, at: datetime | None = None) -> Sample:
        """Measure at simulated instant ``at`` (default now) and act on what is measured."""
        now = at or self._sim.now()
        premises = self.premises
        voltage = premises.network_voltage(now)
        self._check_voltage(voltage)
        demand = premises.electricity_w(now)
        self._last_demand_w = demand
        self._evaluate_threshold(demand, now)
        # The threshold may just have interrupted the supply.
        demand = premises.electricity_w(now)
        for listener in self.sample_listeners:
            listener(now, demand)
        # Prepayment may just have disconnected the supply.
        demand = premises.electricity_w(now)
        return Sample(now, demand, premises.gas_w(now), premises.network_voltage(now))

    # -- power threshold (use case 09 scenario 3) -----------------------------------------------

    def configure_threshold(self, threshold_kw: float | None, grace_s: float, by: str) -> None:
        """Set (or with ``None`` remove) the maximum power threshold, as a DNO asked."""
        setting = None if threshold_kw is None else ThresholdSetting(threshold_kw, grace_s)
        self._state.set_threshold(None if setting is None else (threshold_kw or 0.0, grace_s))
        self._events.emit("threshold.set", threshold_kw=threshold_kw, grace_s=grace_s, by=by)
        if self.threshold.configure(setting) is Transition.CLEAR:
            self._clear_warning(self._last_demand_w, "the threshold was changed")
        self.sample()

    def _evaluate_threshold(self, demand_w: float, now: datetime) -> None:
        transition = self.threshold.evaluate(demand_w, now)
        setting = self.threshold.setting
        if transition is None or setting is None:
            return
        kw = setting.threshold_kw
        if transition is Transition.WARN:
            self._threshold_message_id = self._message_id()
            grace = describe_duration(setting.grace_s)
            interrupt_at = self._sim.wall_after(setting.grace_s)
            self._events.emit(
                "threshold.warning",
                demand_w=demand_w,
                threshold_kw=kw,
                grace_s=setting.grace_s,
                message_id=self._threshold_message_id,
            )
            self._alert(
                "power.threshold-warning",
                self._threshold_message_id,
                f"High power use: {demand_w / 1000:.1f} kW is above your {kw:g} kW limit. "
                f"Switch something off within {grace} or your electricity supply will be "
                "interrupted.",
                Importance.HIGH,
                True,
                {
                    "threshold_kw": kw,
                    "demand_kw": round(demand_w / 1000, 2),
                    "grace_s": setting.grace_s,
                    "interrupt_at": interrupt_at.isoformat(timespec="seconds"),
                },
            )
        elif transition is Transition.CLEAR:
            self._clear_warning(demand_w, "demand fell below the threshold")
        elif transition is Transition.INTERRUPT:
            self._switch_off(SupplyCause.POWER_THRESHOLD)
            message_id = self._threshold_message_id or self._message_id()
            self._disconnection_message_id[SupplyCause.POWER_THRESHOLD] = message_id
            self._events.emit(
                "threshold.interrupted", demand_w=demand_w, threshold_kw=kw, message_id=message_id
            )
            self._alert(
                "supply.interrupted",
                message_id,
                f"Electricity supply interrupted: use stayed above your {kw:g} kW limit. Switch "
                "some appliances off, then press the button on the meter to restore it.",
                Importance.CRITICAL,
                True,
                {"threshold_kw": kw, "demand_kw": round(demand_w / 1000, 2), "cause": "threshold"},
            )

    def _clear_warning(self, demand_w: float, why: str) -> None:
        message_id = self._threshold_message_id
        if message_id is None:
            return
        setting = self.threshold.setting
        self._events.emit("threshold.cleared", demand_w=demand_w, message_id=message_id, why=why)
        limit = f"your {setting.threshold_kw:g} kW limit" if setting else "the limit"
        self._alert(
            "power.threshold-cleared",
            message_id,
            f"All clear: power use is back below {limit}. Your supply will not be interrupted.",
            Importance.MEDIUM,
            False,
            {"demand_kw": round(demand_w / 1000, 2)}
            | ({"threshold_kw": setting.threshold_kw} if setting else {}),
        )
        self._threshold_message_id = None

    # -- appliances -----------------------------------------------------------------------------

    def set_appliance(self, name: str, on: bool | None) -> None:
        """Force an appliance on or off (``None``: back to the household's schedule).

        Raises:
            ValueError: No such appliance.
        """
        appliance = self.premises.set_appliance(name, on)
        state = "auto" if on is None else ("on" if on else "off")
        self._events.emit("appliance", name=appliance.name, state=state, watts=appliance.watts)
        self.sample()

    # -- the consumer's button ------------------------------------------------------------------

    def restore(self, by: str = "consumer") -> None:
        """The button on the meter: restore a supply the meter switched off (threshold,
        voltage, safety), once its cause has gone.

        Raises:
            RestoreRefusedError: Nothing to restore, or the cause is still there.
        """
        premises = self.premises
        latched = {c for c in premises.off_causes if c.latched}
        refusal = self.remote.restore_refusal()
        if refusal is not None:
            self._events.emit("supply.restore-refused", reason=refusal)
            raise RestoreRefusedError(refusal)
        if not latched:
            reason = (
                "there is no power from the network (outage)"
                if premises.off_causes
                else "the supply is already on"
            )
            self._events.emit("supply.restore-refused", reason=reason)
            raise RestoreRefusedError(f"nothing to restore: {reason}")
        now = self._sim.now()
        if SupplyCause.EXTREME_VOLTAGE in latched:
            voltage = premises.network_voltage(now)
            outage = SupplyCause.NETWORK_OUTAGE in premises.off_causes
            if not outage and not voltage_in_range(voltage):
                reason = (
                    f"the voltage ({voltage:.0f} V) is still outside {LOW_LIMIT_V}-{HIGH_LIMIT_V} V"
                )
                self._events.emit("supply.restore-refused", reason=reason)
                raise RestoreRefusedError(f"cannot restore: {reason}")
        for cause in sorted(latched):
            message_id = self._disconnection_message_id.pop(cause, None) or self._message_id()
            self._switch_on(cause)
            if cause is SupplyCause.POWER_THRESHOLD:
                self.threshold.restored()
                self._threshold_message_id = None
            setting = self.threshold.setting
            keep = (
                f" Keep your use below {setting.threshold_kw:g} kW."
                if cause is SupplyCause.POWER_THRESHOLD and setting
                else ""
            )
            said = (
                self.remote.restored_text(cause)
                or f"Electricity supply restored at the meter.{keep}"
            )
            self._events.emit("supply.restored", cause=cause.value, by=by, message_id=message_id)
            self._alert(
                "supply.restored",
                message_id,
                said,
                Importance.MEDIUM,
                False,
                {"cause": cause.value, "by": by},
            )
        if SupplyCause.EXTREME_VOLTAGE in latched:
            self._voltage_alarmed = False
        self.remote.after_restore()
        self.sample()

    # -- network outage (use cases 14 and 15) ---------------------------------------------------

    def start_outage(self) -> None:
        """The network stops supplying power: the meter logs a time-stamped outage alarm."""
        if SupplyCause.NETWORK_OUTAGE in self.premises.off_causes:
            return
        self._outage_started = self._sim.now()
        self._switch_off(SupplyCause.NETWORK_OUTAGE)
        self._events.emit("outage.alarm", at=self._outage_started.isoformat(timespec="seconds"))

    def end_outage(self) -> None:
        """Power comes back: the meter reports ``outage.restored`` to the IHD (and the DNO)."""
        if SupplyCause.NETWORK_OUTAGE not in self.premises.off_causes:
            return
        now = self._sim.now()
        started = self._outage_started or now
        self._switch_on(SupplyCause.NETWORK_OUTAGE)
        lasted = describe_duration((now - started).total_seconds())
        message_id = self._message_id()
        self._events.emit(
            "outage.restoration",
            at=now.isoformat(timespec="seconds"),
            duration_s=round((now - started).total_seconds()),
            message_id=message_id,
        )
        self._alert(
            "outage.restored",
            message_id,
            f"Power is back on after a network outage of {lasted}. Please check clocks, timers "
            "and trip switches.",
            Importance.MEDIUM,
            False,
            {
                "outage": {
                    "start": started.isoformat(timespec="seconds"),
                    "end": now.isoformat(timespec="seconds"),
                },
                "detected_by": "meter",
            },
        )
        self._outage_started = None
        self.sample()

    # -- voltage and safety (use cases 18 and 19) -----------------------------------------------

    def set_voltage(self, volts: float | None) -> None:
        """Make the network supply ``volts`` (``None``: back to normal, about 230 V)."""
        self.premises.voltage_override = volts
        self._events.emit(
            "voltage.set", voltage_v=volts, in_range=volts is None or voltage_in_range(volts)
        )
        self.sample()

    def _check_voltage(self, voltage: float) -> None:
        if voltage == 0.0 or voltage_in_range(voltage) or self._voltage_alarmed:
            return
        self._voltage_alarmed = True
        now = self._sim.now()
        message_id = self._message_id()
        self._disconnection_message_id[SupplyCause.EXTREME_VOLTAGE] = message_id
        self._events.emit(
            "voltage.alarm",
            voltage_v=voltage,
            low_limit_v=LOW_LIMIT_V,
            high_limit_v=HIGH_LIMIT_V,
            at=now.isoformat(timespec="seconds"),
            message_id=message_id,
        )
        self._switch_off(SupplyCause.EXTREME_VOLTAGE)
        self._alert(
            "safety.alarm",
            message_id,
            f"Extreme voltage: {voltage:.0f} V measured (safe range {LOW_LIMIT_V:.0f}-"
            f"{HIGH_LIMIT_V:.0f} V). Your electricity supply was disconnected for safety and "
            "the network operator has been told.",
            Importance.CRITICAL,
            True,
            {"alarm": "extreme-voltage", "voltage_v": voltage, "detected_at": now.isoformat()},
        )

    def safety_alarm(self, text: str = "") -> None:
        """A safety alarm at the meter (e.g. tampering, overheating): disconnect and alarm."""
        now = self._sim.now()
        message_id = self._message_id()
        self._disconnection_message_id[SupplyCause.SAFETY_ALARM] = message_id
        description = text or "The meter detected an unsafe condition."
        self._events.emit(
            "safety.alarm",
            text=description,
            at=now.isoformat(timespec="seconds"),
            message_id=message_id,
        )
        self._switch_off(SupplyCause.SAFETY_ALARM)
        self.remote.safety_alarm_raised()
        self._alert(
            "safety.alarm",
            message_id,
            f"{description} Electricity supply disconnected for safety; the network operator "
            "has been told and only they can clear the alarm.",
            Importance.CRITICAL,
            True,
            {"alarm": "safety", "detected_at": now.isoformat(timespec="seconds")},
        )
        self.sample()

    # -- gas (gas use case 03) --------------------------------------------------------------------

    def close_gas_valve(self, by: str) -> None:
        """A verified GDN instruction closed the gas valve."""
        if self.premises.gas_valve_open:
            self.premises.gas_valve_open = False
            self._events.emit("supply.changed", fuel="gas", status="off", cause=f"disabled by {by}")

    def gas_safety_alarm(self, text: str = "") -> None:
        """The gas meter detects an unsafe flow (an uncontrolled gas flow rate): it closes the
        valve itself, tells the household and raises ``gas.safety`` (the GDN's alert)."""
        now = self._sim.now()
        description = text or "The gas meter detected an uncontrolled gas flow."
        self._events.emit("gas.safety", text=description, at=now.isoformat(timespec="seconds"))
        self.close_gas_valve("the meter (gas safety)")
        self._alert(
            "safety.alarm",
            self._message_id(),
            f"{description} The gas supply was turned off for safety and the gas network has "
            "been told. Do not use naked flames.",
            Importance.CRITICAL,
            True,
            {"alarm": "gas-safety", "detected_at": now.isoformat(timespec="seconds")},
            fuel=Endpoint.GAS,
        )

    def open_gas_valve(self, by: str = "competent person on site") -> None:
        """The gas valve is opened on site after safety checks."""
        if not self.premises.gas_valve_open:
            self.premises.gas_valve_open = True
            self._events.emit("supply.changed", fuel="gas", status="on", cause=f"opened by {by}")

    # -- for the GUI ----------------------------------------------------------------------------

    @property
    def threshold_state(self) -> ThresholdState:
        """Where the threshold episode is."""
        return self.threshold.state
