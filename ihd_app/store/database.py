"""The IHD's SQLite database: one file in the data dir, WAL mode, versioned schema.

Migrations are an ordered list of SQL scripts; ``PRAGMA user_version`` records how many have
run, so opening an older file upgrades it in place and a newer file is refused rather than
damaged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from ihd_app.protocol.errors import IhdError

DATABASE_FILE = "ihd.sqlite3"

#: Schema migrations, in order. Never edit one that has shipped; append a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE replay_counters (
        originator TEXT PRIMARY KEY,
        last_counter INTEGER NOT NULL,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    """,
)


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
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a check-and-set is
            # atomic across processes sharing the data dir.
            self.connection = sqlite3.connect(path, isolation_level=None)
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA synchronous=FULL")
            self.connection.execute("PRAGMA foreign_keys=ON")
            self.connection.execute("PRAGMA busy_timeout=5000")
            self._migrate(migrations)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from None

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

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT our transaction first; split instead. Our migrations hold no
    # semicolons inside literals or triggers, which keeps this honest.
    return [s.strip() for s in script.split(";") if s.strip()]
