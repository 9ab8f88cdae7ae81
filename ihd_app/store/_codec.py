"""Conversions between Python values and the database's columns, shared by the repositories.

Datetimes are stored twice where they are queried: as ISO 8601 text exactly as given (so a value
reads back equal, naive or aware, with its offset) and as UTC epoch microseconds (integers that
order, compare and aggregate correctly whatever the offsets). A naive datetime is taken as UTC.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def text_of(moment: datetime) -> str:
    """``moment`` as ISO 8601 text that :func:`datetime_of` turns back into an equal value."""
    return moment.isoformat()


def datetime_of(text: str) -> datetime:
    """The datetime stored by :func:`text_of`."""
    return datetime.fromisoformat(text)


def optional_text_of(moment: datetime | None) -> str | None:
    """:func:`text_of`, passing ``None`` through."""
    return None if moment is None else text_of(moment)


def optional_datetime_of(text: str | None) -> datetime | None:
    """:func:`datetime_of`, passing ``None`` through."""
    return None if text is None else datetime_of(text)


def micros_of(moment: datetime) -> int:
    """``moment`` in UTC epoch microseconds (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND


def utc_of_micros(micros: int) -> datetime:
    """The aware UTC datetime of UTC epoch microseconds."""
    return _EPOCH + timedelta(microseconds=micros)


def micros_of_duration(duration: timedelta) -> int:
    """A duration in whole microseconds."""
    return duration // _MICROSECOND


def json_text(value: Any) -> str:
    """``value`` as compact JSON text (refusing NaN, which JSON cannot hold)."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False)


def json_value(text: str) -> Any:
    """The value of JSON text."""
    return json.loads(text)
