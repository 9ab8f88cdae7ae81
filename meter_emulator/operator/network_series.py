"""What the operator console plots of the network data it received, Qt-free: the voltage band
(min / mean / max per half hour, day or month) and import / export energy per period, from every
answer and push of the chosen kinds, oldest first, each period once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from ihd_app.protocol.network_data import DataKind, OpenedNetworkData


@dataclass(frozen=True)
class VoltageBand:
    """Voltage per period.

    Attributes:
        starts: Period starts, as POSIX seconds (pyqtgraph's date axis reads them).
        min_v: The lowest voltage of each period.
        mean_v: Its mean.
        max_v: Its highest.
    """

    starts: list[float] = field(default_factory=list)
    min_v: list[float] = field(default_factory=list)
    mean_v: list[float] = field(default_factory=list)
    max_v: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class EnergyBars:
    """Energy per period, imported and exported (kWh).

    Attributes:
        starts: Period starts, as POSIX seconds.
        width_s: The periods' length in seconds (the bars' width).
        import_kwh: Imported energy per period (0 where only export arrived).
        export_kwh: Exported energy per period.
    """

    starts: list[float] = field(default_factory=list)
    width_s: float = 1800.0
    import_kwh: list[float] = field(default_factory=list)
    export_kwh: list[float] = field(default_factory=list)


_PERIOD_S = {"half-hourly": 1800.0, "daily": 86400.0, "monthly": 30 * 86400.0}


def _rows(received: Iterable[OpenedNetworkData], kind: DataKind) -> dict[float, dict[str, object]]:
    """Rows of ``kind`` by period start (a later answer for a period replaces an earlier)."""
    rows: dict[float, dict[str, object]] = {}
    for opened in received:
        if opened.response.kind is not kind:
            continue
        for row in opened.response.rows:
            start = row.get("start")
            if isinstance(start, str):
                rows[datetime.fromisoformat(start).timestamp()] = dict(row)
    return dict(sorted(rows.items()))


def voltage_band(received: Iterable[OpenedNetworkData]) -> VoltageBand:
    """The voltage band of every voltage answer in ``received``."""
    band = VoltageBand()
    for start, row in _rows(received, DataKind.VOLTAGE).items():
        values = [row.get(k) for k in ("min_v", "mean_v", "max_v")]
        if all(isinstance(v, int | float) for v in values):
            band.starts.append(start)
            band.min_v.append(float(values[0]))  # type: ignore[arg-type]
            band.mean_v.append(float(values[1]))  # type: ignore[arg-type]
            band.max_v.append(float(values[2]))  # type: ignore[arg-type]
    return band


def energy_bars(received: Iterable[OpenedNetworkData]) -> EnergyBars:
    """Import and export per period from every import and export answer in ``received``."""
    answers = list(received)
    imported = _rows(answers, DataKind.IMPORT)
    exported = _rows(answers, DataKind.EXPORT)
    granularities = {
        o.response.granularity.value
        for o in answers
        if o.response.kind in (DataKind.IMPORT, DataKind.EXPORT)
    }
    width = min((_PERIOD_S[g] for g in granularities), default=1800.0)
    bars = EnergyBars(width_s=width)
    for start in sorted(set(imported) | set(exported)):
        bars.starts.append(start)
        bars.import_kwh.append(_kwh(imported.get(start)))
        bars.export_kwh.append(_kwh(exported.get(start)))
    return bars


def _kwh(row: dict[str, object] | None) -> float:
    wh = row.get("wh") if row is not None else 0
    return round(wh / 1000, 3) if isinstance(wh, int | float) else 0.0


def summary(opened: OpenedNetworkData) -> str:
    """One line for the console's table: what arrived."""
    response = opened.response
    if not response.found:
        return response.detail
    rows = response.rows
    if response.kind is DataKind.VOLTAGE:
        lows = [r["min_v"] for r in rows if isinstance(r.get("min_v"), int | float)]
        highs = [r["max_v"] for r in rows if isinstance(r.get("max_v"), int | float)]
        return f"{len(rows)} periods, {min(lows):.1f}-{max(highs):.1f} V"  # type: ignore[type-var]
    if response.kind in (DataKind.IMPORT, DataKind.EXPORT, DataKind.GAS_DEMAND):
        total = sum(r["wh"] for r in rows if isinstance(r.get("wh"), int))  # type: ignore[misc]
        return f"{len(rows)} periods, {total / 1000:.2f} kWh"
    if response.kind is DataKind.ENERGISATION:
        row = rows[0]
        power = "yes" if row.get("network_power") else "no"
        return f"supply {row.get('supply')}, network power {power}"
    return f"{len(rows)} records"


__all__ = ["EnergyBars", "VoltageBand", "energy_bars", "summary", "voltage_band"]
