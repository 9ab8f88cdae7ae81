"""How long the display keeps what it stores, and the pruning that holds it to that.

Every table has a retention (docs/privacy.md, "What the display keeps, and for how long"):

- half-hourly and live intervals: :data:`~ihd_app.store.readings.RETENTION_MONTHS` months (the
  year chart's comparison with the year before needs 13);
- messages no longer on screen (acknowledged, expired, superseded, cancelled) and their state
  history: :attr:`Retention.past_message_days` after they arrived; a message still current is
  kept whatever its age;
- the security log: :attr:`Retention.security_log_days`, and never more than
  :attr:`Retention.security_log_rows` rows (a flood of forgeries must not fill the disk);
- replies the meter confirmed (the outbox's delivered items): :attr:`Retention.delivered_days`
  after they were delivered; a reply still owed is kept until it is delivered;
- the data-access log (who read the household's data): :attr:`Retention.data_access_days`;
- tariffs: those superseded before the oldest interval kept (no cost is worked out with them);
- replay counters, consents, the paired meter, the latest readings and the settings: the
  current state only (one row each), kept until the consumer wipes the display.

The service prunes at start and once a day (:mod:`ihd_app.service.retention_keeper`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ihd_app.core.model import FINAL_STATES
from ihd_app.core.readings import Fuel
from ihd_app.store._codec import micros_of, optional_datetime_of
from ihd_app.store.database import Database
from ihd_app.store.readings import ReadingsRepository, retention_cutoff


@dataclass(frozen=True)
class Retention:
    """How long each kind of record is kept.

    Attributes:
        past_message_days: Messages no longer current, counted from their arrival.
        security_log_days: Security log entries.
        security_log_rows: The most security log entries kept (the newest).
        delivered_days: Replies the meter confirmed, counted from their delivery.
        data_access_days: Entries of the household's data-access log, counted from the answer
            (as long as the data they tell of is kept: 13 months).
    """

    past_message_days: int = 365
    security_log_days: int = 365
    security_log_rows: int = 10_000
    delivered_days: int = 30
    data_access_days: int = 396


DEFAULT_RETENTION = Retention()


@dataclass(frozen=True)
class Pruned:
    """How many rows one pruning deleted, per kind of record."""

    intervals: int = 0
    messages: int = 0
    security_events: int = 0
    delivered_replies: int = 0
    tariffs: int = 0
    data_access: int = 0

    @property
    def total(self) -> int:
        """Rows deleted in all."""
        return (
            self.intervals
            + self.messages
            + self.security_events
            + self.delivered_replies
            + self.tariffs
            + self.data_access
        )

    def to_event(self) -> dict[str, int]:
        """The counts, for the ``storage.pruned`` event."""
        return {
            "intervals": self.intervals,
            "messages": self.messages,
            "security_events": self.security_events,
            "delivered_replies": self.delivered_replies,
            "tariffs": self.tariffs,
            "data_access": self.data_access,
        }


def prune(database: Database, now: datetime, retention: Retention = DEFAULT_RETENTION) -> Pruned:
    """Delete what is older than its retention; returns what was deleted.

    Raises:
        sqlite3.Error: The database could not be written (nothing was deleted).
    """
    oldest_interval = retention_cutoff(now)
    # One transaction: a pruning that fails part way deletes nothing (the intervals' prune
    # becomes a savepoint of it).
    with database.transaction() as connection:
        intervals = ReadingsRepository(database).prune(oldest_interval)
        final = sorted(state.value for state in FINAL_STATES)
        messages = connection.execute(
            "DELETE FROM messages WHERE state IN (?, ?, ?, ?) AND received_us < ?",
            (*final, micros_of(now - timedelta(days=retention.past_message_days))),
        ).rowcount
        security_events = connection.execute(
            "DELETE FROM security_log WHERE at_us < ?",
            (micros_of(now - timedelta(days=retention.security_log_days)),),
        ).rowcount
        security_events += connection.execute(
            "DELETE FROM security_log WHERE id <= "
            "(SELECT id FROM security_log ORDER BY id DESC LIMIT 1 OFFSET ?)",
            (retention.security_log_rows,),
        ).rowcount
        # Delivery times are kept as given (ISO text with its offset): compared as instants.
        delivered_before = now - timedelta(days=retention.delivered_days)
        old_replies = [
            (item_id,)
            for item_id, delivered_at in connection.execute(
                "SELECT id, delivered_at FROM outbox WHERE delivered_at IS NOT NULL"
            )
            if (at := optional_datetime_of(delivered_at)) is not None and at < delivered_before
        ]
        connection.executemany("DELETE FROM outbox WHERE id = ?", old_replies)
        tariffs = sum(
            connection.execute(
                "DELETE FROM tariffs WHERE fuel = ? AND effective_from_us < "
                "(SELECT MAX(effective_from_us) FROM tariffs WHERE fuel = ? "
                "AND effective_from_us <= ?)",
                (fuel.value, fuel.value, micros_of(oldest_interval)),
            ).rowcount
            for fuel in Fuel
        )
        data_access = connection.execute(
            "DELETE FROM data_access_log WHERE at_us < ?",
            (micros_of(now - timedelta(days=retention.data_access_days)),),
        ).rowcount
    return Pruned(intervals, messages, security_events, len(old_replies), tariffs, data_access)
