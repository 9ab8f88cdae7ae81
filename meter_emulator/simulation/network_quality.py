"""What the meter measures of the network itself: the supply voltage, what the household exports,
and power-quality events (seed use cases 01-07 and 11: power flows and voltage; 06: voltage
quality events).

Like the household's demand, all of it is a pure function of the instant (and the seed), so any
past half hour can be computed without having run through it:

* **Voltage** at the meter is the network's (about 231.5 V, a few volts lower at the evening
  peak, a volt of noise) minus the drop the household's own current makes across the service
  cable's impedance: the shower (8.5 kW, 37 A) pulls it down by about 5.5 V while it runs, and
  solar export raises it. Half hours are summarised as the minimum, mean and maximum of the
  one-minute RMS values, as a DNO's voltage monitoring reads them.
* **Export** is what the solar panels (``--solar-kw``) generate beyond what the home uses at the
  moment: only in daylight, and only with panels.
* **Power-quality events**: a large load starting draws about twice its running current for a
  fifth of a second, a sag below :data:`SAG_BELOW_V` the meter records with its depth and
  duration; the network adds a few deeper sags and the odd swell of its own each month.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from meter_emulator.simulation.household import SLOT, Household, appliance_starts
from meter_emulator.simulation.voltage import voltage_at

#: A load's starting current over its running current, and how long the inrush lasts.
INRUSH_FACTOR, INRUSH_MS = 2.0, 200
#: Loads this large make a sag the meter records when they start.
LARGE_LOAD_W = 2500.0
#: The meter records a sag below this RMS voltage and a swell above :data:`SWELL_ABOVE_V`.
SAG_BELOW_V, SWELL_ABOVE_V = 225.0, 250.0
#: Power-quality events the meter keeps (seed 06: three months, then the oldest are overwritten).
PQ_RETENTION = timedelta(days=92)
#: The network's own events: expected sags and swells per day.
NETWORK_SAGS_PER_DAY, NETWORK_SWELLS_PER_DAY = 0.15, 0.03


def _unit(seed: int, *parts: object) -> float:
    digest = hashlib.blake2b(repr((seed, "network", *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass(frozen=True)
class VoltageSummary:
    """One half hour's voltage.

    Attributes:
        start: The half hour's start.
        min_v: The lowest one-minute RMS voltage.
        mean_v: Their mean.
        max_v: The highest.
    """

    start: datetime
    min_v: float
    mean_v: float
    max_v: float


def half_hour_voltage(household: Household, start: datetime) -> VoltageSummary:
    """The voltage summary of the half hour starting at ``start`` (with the supply on)."""
    samples = [
        voltage_at(household.seed, at, household.electricity_w(at))
        for at in (start + timedelta(minutes=m, seconds=30) for m in range(30))
    ]
    return VoltageSummary(start, min(samples), round(sum(samples) / len(samples), 1), max(samples))


def half_hour_export_wh(household: Household, start: datetime) -> int:
    """Energy exported in the half hour starting at ``start``, in Wh: the solar generation the
    home does not use at that moment (0 at night and without panels)."""
    if household.solar_peak_w <= 0:
        return 0
    exported = 0.0
    for minute in range(30):
        at = start + timedelta(minutes=minute, seconds=30)
        exported += max(0.0, -household.electricity_w(at)) / 60
    return round(exported)


@dataclass(frozen=True)
class QualityEvent:
    """A power-quality event the meter recorded.

    Attributes:
        at: When it began.
        kind: ``sag`` or ``swell``.
        volts: The RMS voltage at its deepest (sag) or highest (swell).
        duration_ms: How long it lasted.
        cause: ``appliance start (NAME)`` or ``network``.
    """

    at: datetime
    kind: str
    volts: float
    duration_ms: int
    cause: str


def quality_events(household: Household, start: datetime, end: datetime) -> list[QualityEvent]:
    """The power-quality events in ``[start, end)``, oldest first. ``start`` and ``end`` are
    taken to half-hour boundaries (the slot containing each)."""
    events: list[QualityEvent] = []
    slot = start.replace(minute=0 if start.minute < 30 else 30, second=0, microsecond=0)
    while slot < end:
        for appliance, began in appliance_starts(household, slot):
            if appliance.watts < LARGE_LOAD_W or not start <= began < end:
                continue
            running = household.electricity_w(began)
            dip = voltage_at(household.seed, began, running + (INRUSH_FACTOR - 1) * appliance.watts)
            if dip < SAG_BELOW_V:
                cause = f"appliance start ({appliance.name})"
                events.append(QualityEvent(began, "sag", dip, INRUSH_MS, cause))
        events.extend(e for e in _network_events(household.seed, slot) if start <= e.at < end)
        slot += SLOT
    return sorted(events, key=lambda e: e.at)


def _network_events(seed: int, slot: datetime) -> list[QualityEvent]:
    """The network's own sags and swells in the half hour from ``slot``: faults elsewhere on
    the feeder (deep, short sags) and switching (small swells)."""
    key = slot.isoformat()
    found = []
    if _unit(seed, "sag", key) < NETWORK_SAGS_PER_DAY / 48:
        at = slot + timedelta(seconds=int(_unit(seed, "sag-at", key) * 1800))
        volts = round(185.0 + 30.0 * _unit(seed, "sag-v", key), 1)
        found.append(
            QualityEvent(at, "sag", volts, 60 + int(400 * _unit(seed, "sag-ms", key)), "network")
        )
    if _unit(seed, "swell", key) < NETWORK_SWELLS_PER_DAY / 48:
        at = slot + timedelta(seconds=int(_unit(seed, "swell-at", key) * 1800))
        volts = round(251.0 + 6.0 * _unit(seed, "swell-v", key), 1)
        found.append(QualityEvent(at, "swell", volts, 100, "network"))
    return found


__all__ = [
    "PQ_RETENTION",
    "QualityEvent",
    "VoltageSummary",
    "half_hour_export_wh",
    "half_hour_voltage",
    "quality_events",
]
