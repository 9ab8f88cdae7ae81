"""The household's data-access log: every data request the meter answered or refused, as the
meter's signed ``data.access`` notice told the display (who, what, which period, how finely,
sent or refused and why, when)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.reasons import Reason

#: The columns of an exported log, in order.
EXPORT_COLUMNS = (
    "at",
    "party",
    "organisation",
    "purpose",
    "fuel",
    "asked",
    "given",
    "outcome",
    "period_start",
    "period_end",
    "values",
    "reason",
    "request",
)


@dataclass(frozen=True)
class DataAccess:
    """One data request, as the household's log keeps it.

    Attributes:
        key: The request's key at the meter (the operator's envelope id).
        at: When the meter answered it.
        party: The requesting role (``dno``, ``supplier``...).
        organisation: The requester, as its certificate names it.
        purpose: What for.
        fuel: ``electricity`` or ``gas``.
        asked: The granularity asked for.
        given: The granularity sent (``None``: refused).
        period_start: The start of the period asked about.
        period_end: Its end.
        values: How many values were sent.
        reason: What was sent, or why nothing was.
    """

    key: str
    at: datetime
    party: str
    organisation: str
    purpose: str
    fuel: str
    asked: str
    given: str | None
    period_start: datetime
    period_end: datetime
    values: int
    reason: str

    @property
    def granted(self) -> bool:
        """Whether any data left the meter."""
        return self.given is not None


def access_from_details(details: Mapping[str, object]) -> DataAccess:
    """The record a verified ``data.access`` notice carries in ``details["access"]``.

    Raises:
        DecodeError: The record lacks a field or a time cannot be read (malformed).
    """
    record = details.get("access")
    if not isinstance(record, Mapping):
        raise DecodeError(Reason.MALFORMED, "data.access carries no access record")
    try:
        given = record.get("given")
        return DataAccess(
            key=str(record["key"]),
            at=_aware(record["at"]),
            party=str(record["party"]),
            organisation=str(record.get("organisation") or record["party"]),
            purpose=str(record["purpose"]),
            fuel=str(record["fuel"]),
            asked=str(record["asked"]),
            given=None if given is None else str(given),
            period_start=_aware(record["period_start"]),
            period_end=_aware(record["period_end"]),
            values=int(str(record.get("values", 0))),
            reason=str(record.get("reason", "")),
        )
    except (KeyError, ValueError) as error:
        raise DecodeError(Reason.MALFORMED, f"data.access record: {error}") from None


def _aware(value: object) -> datetime:
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return moment


def export_csv(entries: Iterable[DataAccess]) -> str:
    """The log as CSV (one row per request, :data:`EXPORT_COLUMNS`), for the consumer."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for e in entries:
        writer.writerow(
            [
                e.at.isoformat(timespec="seconds"),
                e.party,
                e.organisation,
                e.purpose,
                e.fuel,
                e.asked,
                e.given or "",
                "sent" if e.granted else "refused",
                e.period_start.isoformat(timespec="seconds"),
                e.period_end.isoformat(timespec="seconds"),
                e.values,
                e.reason,
                e.key,
            ]
        )
    return out.getvalue()
