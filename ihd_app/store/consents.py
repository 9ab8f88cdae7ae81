"""The consumer's data-sharing consents, per party and purpose, in ``consent_grants``."""

from __future__ import annotations

from ihd_app.protocol.consent_terms import Grant, Granularity
from ihd_app.store._codec import datetime_of, text_of
from ihd_app.store.database import Database

#: How a refusal is stored (the column is NOT NULL: "none" is a choice, not a missing value).
_NONE = "none"


class ConsentRepository:
    """One :class:`Grant` per party and purpose.

    Args:
        database: The open database.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    def save(self, grant: Grant) -> None:
        """Record the consumer's choice for ``grant``'s party and purpose (replacing it)."""
        with self._db.transaction() as connection:
            connection.execute(
                "INSERT INTO consent_grants (party, purpose, granularity, expires_at, changed_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (party, purpose) DO UPDATE SET"
                " granularity = excluded.granularity, expires_at = excluded.expires_at,"
                " changed_at = excluded.changed_at",
                (
                    grant.party,
                    grant.purpose,
                    grant.granularity.value if grant.granularity is not None else _NONE,
                    text_of(grant.expires) if grant.expires is not None else None,
                    text_of(grant.changed_at),
                ),
            )

    def get(self, party: str, purpose: str) -> Grant | None:
        """The recorded choice for ``party``'s ``purpose``, or ``None`` if never made."""
        return next((g for g in self.all() if g.party == party and g.purpose == purpose), None)

    def all(self) -> list[Grant]:
        """Every recorded choice, by party and purpose."""
        rows = self._db.connection.execute(
            "SELECT party, purpose, granularity, expires_at, changed_at FROM consent_grants"
            " ORDER BY party, purpose"
        ).fetchall()
        return [
            Grant(
                party,
                purpose,
                None if level == _NONE else Granularity(level),
                datetime_of(expires) if expires is not None else None,
                datetime_of(changed),
            )
            for party, purpose, level, expires, changed in rows
        ]
