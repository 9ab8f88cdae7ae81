"""Wiping the consumer's personal data (a change of occupier, or the consumer's request).

Deleted: messages and their history, intervals and latest readings, consents, the data-access
log, the security log,
the paired meter's identity, and outbox items already delivered (the service then records every
party's consent as withdrawn and sends that to the meter: deleting the choices alone would leave
the meter answering whoever the consumer had allowed). Kept:

* **Replay counters.** They hold no personal data, and they are what makes every envelope the
  display has already accepted unacceptable again. Deleting them would reopen the replay window:
  anyone who recorded old traffic (or the meter, forwarding its store) could replay yesterday's
  "supply will be cut off" message and the display would show it as new and genuine.
* **Pending outbox items.** Receipts and acknowledgements still owed to the meter; dropping them
  would lose an acknowledgement the originator is waiting for. They leave the outbox once
  delivered.
* **Tariffs and settings**, which describe the supply and the device, not the occupier's use.

Rows are deleted with ``PRAGMA secure_delete`` on (freed pages are overwritten with zeros) and
the write-ahead log is then checkpointed and truncated, so the deleted data does not linger in
the file or its ``-wal`` companion.
"""

from __future__ import annotations

from ihd_app.store.database import Database

#: Tables emptied by :func:`wipe_personal_data` (children before parents).
WIPED_TABLES = (
    "message_history",
    "messages",
    "intervals",
    "latest_readings",
    "consent_grants",
    "data_access_log",
    "security_log",
    "paired_meter",
)


def wipe_personal_data(database: Database, *, keep_security_log: bool = False) -> dict[str, int]:
    """Delete the consumer's personal data in one transaction (see the module's docstring).

    Args:
        database: The open database (not inside a transaction: the wipe commits).
        keep_security_log: Keep the refusals (a move-out: they record what was sent to the
            home, not what the household did, and the next occupier is protected by them).

    Returns:
        How many rows were deleted, by table (``outbox`` counts delivered items).

    Raises:
        RuntimeError: Called inside a transaction, which a wipe must not be part of.
    """
    connection = database.connection
    if connection.in_transaction:
        raise RuntimeError("wipe_personal_data commits, so it cannot run inside a transaction")
    connection.execute("PRAGMA secure_delete = ON")
    try:
        deleted: dict[str, int] = {}
        with database.transaction():
            for table in WIPED_TABLES:
                if keep_security_log and table == "security_log":
                    continue
                deleted[table] = connection.execute(f"DELETE FROM {table}").rowcount  # noqa: S608
            deleted["outbox"] = connection.execute(
                "DELETE FROM outbox WHERE delivered_at IS NOT NULL"
            ).rowcount
        # Best effort: a reader in another process can keep old frames in the WAL for a while.
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.execute("PRAGMA secure_delete = OFF")
    return deleted
