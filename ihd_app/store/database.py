"""The IHD's SQLite database: one file in the data dir, WAL mode, versioned schema.

Migrations are an ordered list of SQL scripts; ``PRAGMA user_version`` records how many have
run, so opening an older file upgrades it in place and a newer file is refused rather than
damaged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import platformdirs

from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.set_aside import SetAside, set_aside

DATABASE_FILE = "ihd.sqlite3"
#: SQLite's primary result codes for a file that is damaged or is not a database at all.
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26
#: Application name of the default data dir.
APP_NAME = "ihd-emulator"

#: Schema migrations, in order. Never edit one that has shipped; append a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE replay_counters (
        originator TEXT PRIMARY KEY,
        last_counter INTEGER NOT NULL,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    """,
    # 2: messages and their history, the outbox, readings, tariffs, the security log, consents,
    # the paired meter and settings. Datetimes are ISO 8601 text as given (exact round trip);
    # columns ending in _us hold the same instant in UTC epoch microseconds, for ordering, range
    # queries and aggregation.
    """
    CREATE TABLE messages (
        key TEXT PRIMARY KEY,
        message_id INTEGER NOT NULL,
        type TEXT NOT NULL,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        importance TEXT NOT NULL,
        confirmation_required INTEGER NOT NULL,
        originator_id TEXT NOT NULL,
        originator_name TEXT NOT NULL,
        role TEXT NOT NULL,
        fuel TEXT NOT NULL,
        received_at TEXT NOT NULL,
        received_us INTEGER NOT NULL,
        start_at TEXT NOT NULL,
        end_at TEXT,
        state TEXT NOT NULL,
        details TEXT NOT NULL DEFAULT '{}',
        envelope BLOB NOT NULL DEFAULT x''
    );
    CREATE INDEX messages_by_message_id ON messages (originator_id, message_id, received_us);
    CREATE INDEX messages_by_state ON messages (state, received_us);
    CREATE INDEX messages_by_received ON messages (received_us);
    CREATE TABLE message_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        message_key TEXT NOT NULL REFERENCES messages (key) ON DELETE CASCADE,
        state TEXT NOT NULL,
        at TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX message_history_by_message ON message_history (message_key, id);
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        dedupe_key TEXT NOT NULL UNIQUE,
        envelope BLOB NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        delivered_at TEXT,
        last_error TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX outbox_pending ON outbox (id) WHERE delivered_at IS NULL;
    CREATE TABLE intervals (
        fuel TEXT NOT NULL,
        start_us INTEGER NOT NULL,
        duration_us INTEGER NOT NULL CHECK (duration_us > 0),
        kwh REAL NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('history', 'live')),
        PRIMARY KEY (fuel, start_us, duration_us)
    ) WITHOUT ROWID;
    CREATE INDEX intervals_by_start ON intervals (start_us);
    CREATE TABLE latest_readings (
        fuel TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        demand_w REAL,
        summation_wh REAL,
        supply INTEGER
    );
    CREATE TABLE tariffs (
        fuel TEXT NOT NULL,
        effective_from_us INTEGER NOT NULL,
        effective_from TEXT NOT NULL,
        name TEXT NOT NULL,
        bands TEXT NOT NULL,
        standing_charge_pence_per_day REAL NOT NULL,
        PRIMARY KEY (fuel, effective_from_us)
    );
    CREATE TABLE security_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        at_us INTEGER NOT NULL,
        reason TEXT NOT NULL,
        detail TEXT NOT NULL,
        explanation TEXT NOT NULL,
        claimed_originator TEXT NOT NULL DEFAULT '',
        claimed_type TEXT NOT NULL DEFAULT '',
        size INTEGER NOT NULL DEFAULT 0,
        notified INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX security_log_by_reason ON security_log (reason);
    CREATE TABLE consents (
        party TEXT PRIMARY KEY,
        allowed INTEGER NOT NULL,
        changed_at TEXT NOT NULL
    );
    CREATE TABLE paired_meter (
        slot INTEGER PRIMARY KEY CHECK (slot = 1),
        address TEXT NOT NULL,
        meter_id TEXT NOT NULL,
        name TEXT NOT NULL,
        certificate_sha256 BLOB NOT NULL,
        paired_at TEXT NOT NULL,
        last_seen TEXT NOT NULL
    );
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 3: intervals lose their index by start alone. Every query names the fuel, so the primary
    # key (fuel, start_us, duration_us) serves them all, pruning included (one range per fuel);
    # the second index only doubled the B-tree work of each of the 38,000 rows a backfill
    # writes.
    """
    DROP INDEX intervals_by_start;
    """,
    # 4: consent per party x purpose x granularity with an expiry (Ofgem). A party the consumer
    # had allowed "half-hourly data" keeps half-hourly for each of its purposes, with no expiry
    # (the consumer gave it so); a refusal stays a refusal.
    """
    CREATE TABLE consent_grants (
        party TEXT NOT NULL,
        purpose TEXT NOT NULL,
        granularity TEXT NOT NULL,
        expires_at TEXT,
        changed_at TEXT NOT NULL,
        PRIMARY KEY (party, purpose)
    );
    INSERT INTO consent_grants (party, purpose, granularity, expires_at, changed_at)
        SELECT consents.party, purposes.purpose,
               CASE consents.allowed WHEN 1 THEN 'half-hourly' ELSE 'none' END,
               NULL, consents.changed_at
        FROM consents JOIN (
            SELECT 'supplier' AS party, 'billing' AS purpose
            UNION ALL SELECT 'supplier', 'energy-advice'
            UNION ALL SELECT 'dno', 'network-planning'
            UNION ALL SELECT 'gdn', 'network-planning'
        ) AS purposes ON purposes.party = consents.party;
    DROP TABLE consents;
    """,
    # 5: the household's data-access log (who read its data, or was refused, as the meter said).
    """
    CREATE TABLE data_access_log (
        key TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        at_us INTEGER NOT NULL,
        party TEXT NOT NULL,
        organisation TEXT NOT NULL,
        purpose TEXT NOT NULL,
        fuel TEXT NOT NULL,
        asked TEXT NOT NULL,
        given TEXT,
        period_start TEXT NOT NULL,
        period_end TEXT NOT NULL,
        value_count INTEGER NOT NULL,
        reason TEXT NOT NULL
    );
    CREATE INDEX data_access_log_by_time ON data_access_log (at_us);
    """,
)


def default_data_dir() -> Path:
    """The per-user data dir used when no ``--data-dir`` is given (platformdirs).

    For example ``~/.local/share/ihd-emulator`` on Linux. Not created here: :class:`Database`
    creates it when it opens the file.
    """
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


class StoreError(IhdError):
    """The data dir's database cannot be opened or is from a newer version."""


class Database:
    """An open connection to the IHD's database.

    Args:
        path: The SQLite file (created if absent).
        migrations: Schema scripts; tests pass a prefix to build old versions.
    """

    def __init__(self, path: Path, migrations: Sequence[str] = MIGRATIONS) -> None:
        self.path = path
        self._savepoints = 0
        #: The damaged file this database replaced (renamed beside it), if it had to.
        self.set_aside: SetAside | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            problem = _damage(path)
            if problem is not None:
                # Keep the damaged file for whoever wants to recover it; the display carries on.
                self.set_aside = set_aside(
                    path,
                    problem,
                    "the display starts again with an empty database (its messages, readings "
                    "and settings stay in the kept file)",
                    companions=("-wal", "-shm"),
                )
            self._open(migrations)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from None

    def _open(self, migrations: Sequence[str]) -> None:
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a check-and-set is
        # atomic across processes sharing the data dir.
        self.connection = sqlite3.connect(self.path, isolation_level=None)
        try:
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA synchronous=FULL")
            self.connection.execute("PRAGMA foreign_keys=ON")
            self.connection.execute("PRAGMA busy_timeout=5000")
            self._migrate(migrations)
        except BaseException:
            self.connection.close()
            raise

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> Database:
        """Open (creating) the database of a data dir."""
        return cls(data_dir / DATABASE_FILE)

    @property
    def schema_version(self) -> int:
        """How many migrations have been applied."""
        row = self.connection.execute("PRAGMA user_version").fetchone()
        return int(row[0])

    def _migrate(self, migrations: Sequence[str]) -> None:
        current = self.schema_version
        if current > len(migrations):
            raise StoreError(
                f"{self.path} has schema version {current}, newer than this program's "
                f"{len(migrations)}; upgrade the program instead"
            )
        for version, script in enumerate(migrations[current:], start=current + 1):
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(script):
                    self.connection.execute(statement)
                self.connection.execute(f"PRAGMA user_version = {version}")
            except sqlite3.Error:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block atomically: all of its writes are committed together, or none.

        The outermost block issues ``BEGIN IMMEDIATE`` (taking the write lock at once, so a
        read-then-write inside cannot be overtaken by another process) and ``COMMIT``, or
        ``ROLLBACK`` if the block raises. A block opened inside another one does not start a
        second transaction (SQLite has none nested): it becomes a ``SAVEPOINT`` of the outer
        one, so an error inside it that the caller handles undoes only its own writes, and
        nothing is durable until the outermost block commits. Every repository of this package
        writes through this method, so several repository calls can share one transaction::

            with database.transaction():
                messages.transition(key, MessageState.ACKNOWLEDGED, now, "acknowledged")
                outbox.enqueue(OutboxKind.CONFIRMATION, f"confirmation:{key}", envelope, now)

        Yields:
            The connection, for statements of the caller's own.
        """
        connection = self.connection
        if connection.in_transaction:
            self._savepoints += 1
            name = f"ihd_savepoint_{self._savepoints}"
            connection.execute(f"SAVEPOINT {name}")
            try:
                yield connection
            except BaseException:
                if connection.in_transaction:  # SQLite may have rolled everything back already
                    connection.execute(f"ROLLBACK TO {name}")
                    connection.execute(f"RELEASE {name}")
                raise
            finally:
                self._savepoints -= 1
            connection.execute(f"RELEASE {name}")
            return
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _damage(path: Path) -> str | None:
    """What SQLite says is wrong with the file at ``path``, if it is damaged or not a database.

    Looked at read-only: a read-write connection to a damaged file deletes its ``-wal`` journal
    when it closes, and that journal is part of what is kept for recovery. A locked, busy or
    unreadable file is not damaged (``None``; opening it properly reports that).
    """
    if not path.exists():
        return None
    try:
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        # Reads the header and the schema, where damage stops every later statement.
        probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as error:
        code = getattr(error, "sqlite_errorcode", 0)
        if code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            return f"SQLite says: {error}"
    finally:
        probe.close()
    return None


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT our transaction first; split instead. Our migrations hold no
    # semicolons inside literals or triggers, which keeps this honest.
    return [s.strip() for s in script.split(";") if s.strip()]
