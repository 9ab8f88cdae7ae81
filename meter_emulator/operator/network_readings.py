"""What the meter holds of each kind of network data for a range of time, as rows ready to sign
(:class:`~ihd_app.protocol.network_data.NetworkDataResponse`), or why it holds none.

The household simulation is a pure function of time, so half-hourly values are computed for
the range asked (:mod:`meter_emulator.simulation.network_quality`), within what a real meter
would still hold: 13 months of half hours, 3 months of power-quality events (seed 06), and
nothing from before the current occupier moved in. Outage records come from the meter's own
outage events (seed 14-16).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from ihd_app.protocol.consent_terms import Granularity
from ihd_app.protocol.envelope.claims import DetailValue
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.network_data import DataKind
from meter_emulator.simulation.household import interval_energy_wh
from meter_emulator.simulation.network_quality import (
    PQ_RETENTION,
    VoltageSummary,
    half_hour_export_wh,
    half_hour_voltage,
    quality_events,
)
from meter_emulator.simulation.premises import Premises

HALF_HOUR = timedelta(minutes=30)
#: How far back the meter keeps half-hourly values (its profile log: 13 months).
PROFILE_RETENTION = timedelta(days=396)
Row = dict[str, DetailValue]
T = TypeVar("T")


def floor_half_hour(moment: datetime) -> datetime:
    """``moment`` taken back to the start of its half hour."""
    return moment.replace(minute=0 if moment.minute < 30 else 30, second=0, microsecond=0)


@dataclass(frozen=True)
class OutageRecord:
    """One interruption of the network's supply as the meter logged it.

    Attributes:
        start: When power was lost.
        end: When it came back (``None``: still off).
    """

    start: datetime
    end: datetime | None


class OutageRecords:
    """The meter's outage log, kept from its own ``outage.alarm`` and ``outage.restoration``
    events (the behaviour emits them on the simulation clock).

    Args:
        events: The meter's event log.
    """

    def __init__(self, events: EventLog) -> None:
        self._records: list[OutageRecord] = []
        self.unsubscribe = events.subscribe(self._on_event)

    def _on_event(self, record: dict[str, Any]) -> None:
        name, at = record.get("event"), record.get("at")
        if name not in ("outage.alarm", "outage.restoration") or not isinstance(at, str):
            return
        moment = datetime.fromisoformat(at)
        if name == "outage.alarm":
            self._records.append(OutageRecord(moment, None))
        elif self._records and self._records[-1].end is None:
            self._records[-1] = OutageRecord(self._records[-1].start, moment)

    def between(self, start: datetime, end: datetime) -> list[OutageRecord]:
        """The records that overlap ``[start, end)``, oldest first."""
        return [r for r in self._records if r.start < end and (r.end is None or r.end > start)]


@dataclass(frozen=True)
class Holding:
    """What the meter holds for a request.

    Attributes:
        start: The range actually covered.
        end: Its end.
        rows: The rows, oldest first (empty: nothing held).
        detail: One sentence: what the rows are, or why there are none.
    """

    start: datetime
    end: datetime
    rows: list[Row]
    detail: str


class NetworkReadings:
    """Rows of each kind of network data.

    Args:
        premises: The household and the supply's state.
        outages: The meter's outage log.
        moved_in: When the current occupier moved in (nothing from before is given).
    """

    def __init__(
        self,
        premises: Premises,
        outages: OutageRecords,
        moved_in: Callable[[], datetime | None],
    ) -> None:
        self._premises = premises
        self._outages = outages
        self._moved_in = moved_in

    def holding(
        self,
        kind: DataKind,
        start: datetime,
        end: datetime,
        granularity: Granularity,
        now: datetime,
    ) -> Holding:
        """The rows of ``kind`` in ``[start, end)`` at ``granularity``, as of ``now``."""
        if kind is DataKind.ENERGISATION:
            return Holding(now, now, [self._energisation(now)], "the supply's state now")
        kept = PQ_RETENTION if kind is DataKind.POWER_QUALITY else PROFILE_RETENTION
        earliest = now - kept
        moved_in = self._moved_in()
        if moved_in is not None and moved_in > earliest:
            earliest = moved_in
        end = min(end, now)
        start = max(start, earliest)
        if kind not in (DataKind.POWER_QUALITY, DataKind.OUTAGES):
            # Values are per whole half hour: those begun in the range, ended by its end.
            start = floor_half_hour(max(start, _ceil_half_hour(earliest)))
            end = floor_half_hour(end)
        if end <= start:
            return Holding(
                start,
                max(start, end),
                [],
                f"No {kind.rule.title} found: the meter holds data from "
                f"{earliest.isoformat(timespec='minutes')} to {now.isoformat(timespec='minutes')}.",
            )
        rows = self._rows(kind, start, end, granularity)
        if not rows:
            return Holding(start, end, [], f"No {kind.rule.title} recorded in that period.")
        return Holding(start, end, rows, f"{len(rows)} rows of {kind.rule.title}")

    def _rows(
        self, kind: DataKind, start: datetime, end: datetime, granularity: Granularity
    ) -> list[Row]:
        household = self._premises.household
        if kind is DataKind.POWER_QUALITY:
            return [
                {
                    "at": e.at.isoformat(timespec="milliseconds"),
                    "kind": e.kind,
                    "volts": e.volts,
                    "duration_ms": e.duration_ms,
                    "cause": e.cause,
                }
                for e in quality_events(household, start, end)
            ]
        if kind is DataKind.OUTAGES:
            return [
                {
                    "start": r.start.isoformat(timespec="seconds"),
                    "end": r.end.isoformat(timespec="seconds") if r.end else None,
                    "duration_s": round((r.end - r.start).total_seconds()) if r.end else None,
                }
                for r in self._outages.between(start, end)
            ]
        halves = [start + i * HALF_HOUR for i in range(int((end - start) / HALF_HOUR))]
        if kind is DataKind.VOLTAGE:
            return _voltage_rows([half_hour_voltage(household, s) for s in halves], granularity)
        if kind is DataKind.EXPORT:
            energy = [half_hour_export_wh(household, s) for s in halves]
        else:
            fuel = "gas" if kind is DataKind.GAS_DEMAND else "electricity"
            energy = [round(interval_energy_wh(household, s, fuel)) for s in halves]
        return [
            {"start": group[0][0].isoformat(timespec="seconds"), "wh": sum(w for _, w in group)}
            for group in _grouped(list(zip(halves, energy, strict=True)), granularity)
        ]

    def _energisation(self, now: datetime) -> Row:
        premises = self._premises
        causes = sorted(cause.value for cause in premises.off_causes)
        return {
            "at": now.isoformat(timespec="seconds"),
            "network_power": "network-outage" not in causes,
            "supply": "on" if premises.electricity_on else "off",
            "off_causes": list(causes),
            "voltage_v": premises.network_voltage(now),
        }


def _ceil_half_hour(moment: datetime) -> datetime:
    floor = floor_half_hour(moment)
    return floor if floor == moment else floor + HALF_HOUR


def _grouped(
    items: list[tuple[datetime, T]], granularity: Granularity
) -> list[list[tuple[datetime, T]]]:
    """Half hours (oldest first) grouped per half hour, UTC day or calendar month."""
    groups: dict[tuple[int, ...], list[tuple[datetime, T]]] = {}
    for start, value in items:
        key: tuple[int, ...]
        if granularity is Granularity.HALF_HOURLY:
            key = (int(start.timestamp()),)
        elif granularity is Granularity.DAILY:
            key = (start.year, start.month, start.day)
        else:
            key = (start.year, start.month)
        groups.setdefault(key, []).append((start, value))
    return list(groups.values())


def _voltage_rows(summaries: list[VoltageSummary], granularity: Granularity) -> list[Row]:
    rows: list[Row] = []
    for group in _grouped([(s.start, s) for s in summaries], granularity):
        values = [s for _, s in group]
        rows.append(
            {
                "start": values[0].start.isoformat(timespec="seconds"),
                "min_v": min(s.min_v for s in values),
                "mean_v": round(sum(s.mean_v for s in values) / len(values), 1),
                "max_v": max(s.max_v for s in values),
            }
        )
    return rows


__all__ = [
    "Holding",
    "NetworkReadings",
    "OutageRecord",
    "OutageRecords",
    "floor_half_hour",
]
