"""The identity of the one meter this display is paired with, in ``paired_meter`` (one row)."""

from __future__ import annotations

from datetime import datetime

from ihd_app.core.model import PairedMeter
from ihd_app.store._codec import datetime_of, text_of
from ihd_app.store.database import Database


class PairedMeterRepository:
    """Save, read and forget the paired meter.

    Args:
        database: The open database.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    def save(self, meter: PairedMeter) -> None:
        """Remember ``meter`` as the paired one (replacing any previous meter)."""
        with self._db.transaction() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO paired_meter (slot, address, meter_id, name, "
                "certificate_sha256, paired_at, last_seen) VALUES (1, ?, ?, ?, ?, ?, ?)",
                (
                    meter.address,
                    meter.meter_id,
                    meter.name,
                    bytes(meter.certificate_sha256),
                    text_of(meter.paired_at),
                    text_of(meter.last_seen),
                ),
            )

    def get(self) -> PairedMeter | None:
        """The paired meter, or ``None`` if the display is not paired."""
        row = self._db.connection.execute(
            "SELECT address, meter_id, name, certificate_sha256, paired_at, last_seen "
            "FROM paired_meter WHERE slot = 1"
        ).fetchone()
        if row is None:
            return None
        address, meter_id, name, fingerprint, paired_at, last_seen = row
        return PairedMeter(
            address=address,
            meter_id=meter_id,
            name=name,
            certificate_sha256=bytes(fingerprint),
            paired_at=datetime_of(paired_at),
            last_seen=datetime_of(last_seen),
        )

    def touch(self, last_seen: datetime) -> bool:
        """Record a connection to the paired meter; whether there is one."""
        with self._db.transaction() as connection:
            cursor = connection.execute(
                "UPDATE paired_meter SET last_seen = ? WHERE slot = 1", (text_of(last_seen),)
            )
            return cursor.rowcount == 1

    def forget(self) -> bool:
        """Unpair: forget the meter; whether there was one."""
        with self._db.transaction() as connection:
            cursor = connection.execute("DELETE FROM paired_meter")
            return cursor.rowcount > 0
