"""Tariffs per fuel, in the ``tariffs`` table: a tariff applies from its start until the next one.

Rate bands are stored as JSON (times of day as ISO text); a tariff is keyed by fuel and
``effective_from``, so saving the same tariff again replaces it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from ihd_app.core.model import RateBand, Tariff
from ihd_app.core.readings import Fuel
from ihd_app.store._codec import datetime_of, json_text, json_value, micros_of, text_of
from ihd_app.store.database import Database

_COLUMNS = "fuel, name, bands, standing_charge_pence_per_day, effective_from"


class TariffRepository:
    """Tariffs by fuel and start.

    Args:
        database: The open database.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    def save(self, tariff: Tariff) -> None:
        """Store ``tariff``, replacing one of the same fuel that starts at the same instant."""
        bands = [
            {
                "name": band.name,
                "start": band.start.isoformat(),
                "end": band.end.isoformat(),
                "pence_per_kwh": band.pence_per_kwh,
            }
            for band in tariff.bands
        ]
        with self._db.transaction() as connection:
            connection.execute(
                "INSERT INTO tariffs (fuel, name, bands, standing_charge_pence_per_day, "
                "effective_from, effective_from_us) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (fuel, effective_from_us) DO UPDATE SET name = excluded.name, "
                "bands = excluded.bands, "
                "standing_charge_pence_per_day = excluded.standing_charge_pence_per_day, "
                "effective_from = excluded.effective_from",
                (
                    tariff.fuel.value,
                    tariff.name,
                    json_text(bands),
                    tariff.standing_charge_pence_per_day,
                    text_of(tariff.effective_from),
                    micros_of(tariff.effective_from),
                ),
            )

    def current(self, fuel: Fuel, at: datetime) -> Tariff | None:
        """The tariff of ``fuel`` in force at ``at`` (the latest that started by then)."""
        row = self._db.connection.execute(
            _select(
                "WHERE fuel = ? AND effective_from_us <= ? ORDER BY effective_from_us DESC LIMIT 1"
            ),
            (fuel.value, micros_of(at)),
        ).fetchone()
        return None if row is None else _tariff(row)

    def history(self, fuel: Fuel) -> list[Tariff]:
        """Every tariff of ``fuel``, oldest first."""
        rows = self._db.connection.execute(
            _select("WHERE fuel = ? ORDER BY effective_from_us"),
            (fuel.value,),
        ).fetchall()
        return [_tariff(row) for row in rows]

    def delete(self, fuel: Fuel, effective_from: datetime) -> bool:
        """Delete the tariff of ``fuel`` starting at ``effective_from``; whether there was one."""
        with self._db.transaction() as connection:
            cursor = connection.execute(
                "DELETE FROM tariffs WHERE fuel = ? AND effective_from_us = ?",
                (fuel.value, micros_of(effective_from)),
            )
            return cursor.rowcount == 1


def _select(clauses: str) -> str:
    # Only this module's constant text is ever interpolated; values are always bound.
    return f"SELECT {_COLUMNS} FROM tariffs {clauses}"  # noqa: S608


def _tariff(row: Sequence[Any]) -> Tariff:
    fuel, name, bands, standing_charge, effective_from = row
    return Tariff(
        fuel=Fuel(fuel),
        name=name,
        bands=tuple(
            RateBand(
                name=band["name"],
                start=time.fromisoformat(band["start"]),
                end=time.fromisoformat(band["end"]),
                pence_per_kwh=band["pence_per_kwh"],
            )
            for band in json_value(bands)
        ),
        standing_charge_pence_per_day=standing_charge,
        effective_from=datetime_of(effective_from),
    )
