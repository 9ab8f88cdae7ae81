"""Display settings as JSON values by key, in the ``settings`` table."""

from __future__ import annotations

from typing import TypeAlias

from ihd_app.store._codec import json_text, json_value
from ihd_app.store.database import Database

#: A value JSON can hold (tuples are read back as lists).
JsonValue: TypeAlias = bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"] | None


class Settings:
    """Key/value settings.

    Args:
        database: The open database.
    """

    def __init__(self, database: Database) -> None:
        self._db = database

    def get(self, key: str, default: JsonValue = None) -> JsonValue:
        """The value of ``key``, or ``default`` if it was never set."""
        row = self._db.connection.execute(
            "SELECT value FROM settings WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return default
        value: JsonValue = json_value(row[0])
        return value

    def set(self, key: str, value: JsonValue) -> None:
        """Set ``key`` to ``value``.

        Raises:
            ValueError: ``value`` is not JSON (NaN, infinity, a circular structure).
            TypeError: ``value`` holds something JSON cannot hold.
        """
        text = json_text(value)
        with self._db.transaction() as connection:
            connection.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, text),
            )

    def delete(self, key: str) -> bool:
        """Forget ``key`` (back to its default); whether it was set."""
        with self._db.transaction() as connection:
            return connection.execute("DELETE FROM settings WHERE key = ?", (key,)).rowcount == 1

    def all(self) -> dict[str, JsonValue]:
        """Every setting, by key."""
        rows = self._db.connection.execute("SELECT key, value FROM settings ORDER BY key")
        return {key: json_value(value) for key, value in rows}
