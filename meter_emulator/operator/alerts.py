"""The meter's alerts to the operators: each behaviour event an operator owns becomes a
meter-signed ``meter.alert`` envelope addressed to that operator (seed use cases 14, 15, 18, 19,
09 and gas 03; :mod:`ihd_app.protocol.alerts`).

The meter's behaviour (:mod:`meter_emulator.behaviour.meter`) already logs a time-stamped event
for each of these; :class:`AlertRaiser` listens to the event log, so the behaviour stays as it is.
The outage alert is the meter's "last gasp": sent as the supply fails, flagged ``last_gasp``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ihd_app.protocol.alerts import (
    LONG_OUTAGE_S,
    MeterAlert,
    alert_kind,
    sign_alert,
)
from ihd_app.protocol.envelope.claims import DetailValue
from ihd_app.protocol.errors import ConfigurationError
from ihd_app.protocol.pki import Identity
from ihd_app.protocol.pki.roles import Role

#: Hands a signed alert to the operator of ``role`` (the operator inbox).
AlertDelivery = Callable[[str, bytes], object]


def operator_ids(identity_of: Callable[[str], Identity]) -> dict[str, str]:
    """The entity id of each operator role (dno, gdn, supplier) the meter's PKI has: the
    ``aud`` of its alerts. A PKI without a role's identity has no operator of that role."""
    found: dict[str, str] = {}
    for role in (Role.DNO, Role.GDN, Role.SUPPLIER):
        try:
            found[role.value] = identity_of(role.value).entity_id
        except ConfigurationError:
            continue
    return found


def _moment(record: Mapping[str, Any], fallback: datetime) -> datetime:
    stamp = record.get("at")
    try:
        moment = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        moment = None
    return moment if moment is not None and moment.tzinfo is not None else fallback


def _minutes(seconds: float) -> str:
    whole = round(seconds / 60)
    return f"{whole} minute{'' if whole == 1 else 's'}" if whole else f"{round(seconds)} seconds"


def alerts_for(record: Mapping[str, Any], now: datetime) -> list[MeterAlert]:
    """The alerts one event of the meter raises (none for most events)."""
    name = record.get("event")
    at = _moment(record, now)

    def make(kind: str, code: int | None, summary: str, **facts: DetailValue) -> MeterAlert:
        spec = alert_kind(kind)
        assert spec is not None
        return MeterAlert(kind, code, spec.severity, at, summary, facts)

    clock = at.strftime("%H:%M:%S")
    if name == "outage.alarm":
        return [
            make(
                "outage",
                None,
                f"Power lost at the meter at {clock}: last gasp sent as the supply failed.",
                last_gasp=True,
            )
        ]
    if name == "outage.restoration":
        seconds = int(record.get("duration_s") or 0)
        code = 0x8F36 if seconds >= LONG_OUTAGE_S else 0x8F35
        return [
            make(
                "outage-restored",
                code,
                f"Power restored at {clock} after an outage of {_minutes(seconds)}.",
                outage_s=seconds,
            )
        ]
    if name == "voltage.alarm":
        volts = float(record.get("voltage_v") or 0.0)
        high = float(record.get("high_limit_v") or 0.0)
        over = volts > high
        return [
            make(
                "extreme-voltage",
                0x8020 if over else 0x8028,
                f"Extreme {'over' if over else 'under'}-voltage: {volts:.0f} V at {clock}; the "
                "meter disconnected the supply.",
                voltage_v=volts,
                supply="disconnected",
            )
        ]
    if name == "safety.alarm":
        text = str(record.get("text") or "unsafe condition")
        return [
            make(
                "safety",
                0x8F3F,
                f"Safety alarm at {clock}: {text} Supply disconnected until DNO staff attend.",
                supply="disconnected",
            ),
            make("tamper", 0x8F3F, f"Interference with the meter at {clock}: {text}"),
        ]
    if name == "gas.safety":
        text = str(record.get("text") or "uncontrolled gas flow")
        return [
            make(
                "gas-safety",
                0x81BF,
                f"Gas safety alarm at {clock}: {text} The meter shut the gas valve.",
                supply="disabled",
            )
        ]
    if name == "supply.changed" and record.get("fuel") == "gas" and record.get("status") == "off":
        cause = str(record.get("cause") or "")
        return [make("gas-valve-closed", None, f"Gas valve closed at {clock} ({cause}).")]
    if name == "threshold.warning":
        demand_kw = round(float(record.get("demand_w") or 0.0) / 1000, 2)
        limit = record.get("threshold_kw")
        return [
            make(
                "threshold-exceeded",
                0x8F01,
                f"Import {demand_kw:g} kW above the {limit} kW load limit at {clock}.",
                demand_kw=demand_kw,
            )
        ]
    if name == "threshold.interrupted":
        return [
            make(
                "threshold-disconnected",
                0x8F33,
                f"Supply disabled then armed at {clock}: load limit exceeded past its grace "
                "period.",
            )
        ]
    if name == "supply.restored" and record.get("cause") == "power-threshold":
        return [
            make(
                "threshold-restored",
                0x8F34,
                f"Supply enabled again at {clock} after the load-limit disconnection.",
            )
        ]
    return []


class AlertRaiser:
    """Signs and hands over the meter's alerts as events happen.

    Args:
        meter: The meter's identity (signs).
        operator_id: The entity id of the operator of a role (``dno``, ``gdn``, ``supplier``).
        next_counter: The meter's next originator counter.
        clock: The wall clock (``iat``).
        deliver: Where each signed alert goes, with its owner's role.
    """

    def __init__(
        self,
        meter: Identity,
        operator_id: Callable[[str], str],
        next_counter: Callable[[], int],
        clock: Callable[[], datetime],
        deliver: AlertDelivery,
    ) -> None:
        self._meter = meter
        self._operator_id = operator_id
        self._next_counter = next_counter
        self._clock = clock
        self._deliver = deliver

    def on_event(self, record: Mapping[str, Any]) -> None:
        """An event listener (:meth:`EventLog.subscribe`)."""
        now = self._clock()
        for alert in alerts_for(record, now):
            spec = alert_kind(alert.kind)
            assert spec is not None
            for role in spec.owners:
                envelope = sign_alert(
                    self._meter,
                    self._operator_id(role.value),
                    alert,
                    counter=self._next_counter(),
                    issued_at=now,
                )
                self._deliver(role.value, envelope)
