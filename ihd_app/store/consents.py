"""The consumer's data-sharing consents (who may read half-hourly data), in ``consents``."""

from __future__ import annotations

from ihd_app.core.model import Consent
from ihd_app.store._codec import datetime_of, text_of
from ihd_app.store.database import Database


class ConsentRepository:
    """One :class:`Consent` per party.

    Args:
        database: The open database.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    def save(self, consent: Consent) -> None:
        """Record the consumer's choice for ``consent.party`` (replacing the previous one)."""
        with self._db.transaction() as connection:
            connection.execute(
                "INSERT INTO consents (party, allowed, changed_at) VALUES (?, ?, ?) "
                "ON CONFLICT (party) DO UPDATE SET allowed = excluded.allowed, "
                "changed_at = excluded.changed_at",
                (consent.party, int(consent.allowed), text_of(consent.changed_at)),
            )

    def get(self, party: str) -> Consent | None:
        """The recorded choice for ``party``, or ``None`` if the consumer never made one."""
        row = self._db.connection.execute(
            "SELECT allowed, changed_at FROM consents WHERE party = ?", (party,)
        ).fetchone()
        return None if row is None else Consent(party, bool(row[0]), datetime_of(row[1]))

    def allowed(self, party: str, default: bool = False) -> bool:
        """Whether ``party`` may read half-hourly data (``default`` if never chosen: refused)."""
        consent = self.get(party)
        return default if consent is None else consent.allowed

    def all(self) -> list[Consent]:
        """Every recorded choice, by party."""
        rows = self._db.connection.execute(
            "SELECT party, allowed, changed_at FROM consents ORDER BY party"
        ).fetchall()
        return [Consent(party, bool(allowed), datetime_of(at)) for party, allowed, at in rows]
