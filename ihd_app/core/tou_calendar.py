"""A GB time-of-use calendar assembled from its Calendar- and Price-cluster pieces.

A supplier publishes a time-of-use tariff as several ``tariff.price`` envelopes, one ZCL command
each: PublishCalendar (the calendar's id, name and how many seasons, week and day profiles it
has), PublishDayProfile (from which minute after midnight each tier applies), PublishWeekProfile
(the day profile of each weekday), PublishSeasons (the week profile from a date on),
PublishSpecialDays (a day profile on a date, e.g. a bank holiday), PublishPriceMatrix (tier ->
price) and PublishBlockThresholds. Long lists are split over several commands numbered by
CommandIndex out of TotalNumberOfCommands; pieces may arrive in any order.

:class:`TouCalendar` collects them (:meth:`TouCalendar.add`), as plain JSON so the display keeps
them over a restart, and once :attr:`TouCalendar.complete` answers which tier is in force at a
local time and what today's bands are. The tier in force on a date: the special day's profile
if the date is one, else the week profile of the season in force (the latest season started by
that date; with none yet, the last season of the year before) and its profile for that weekday.
Within the day, the schedule entry started last; before the day's first entry the previous
day's last tier continues (the schedule runs on over midnight).

Prices per tier come from PublishPriceMatrix (TOU-based; scaled by the PriceTrailingDigit of the
tariff's PublishTariffInformation, or :data:`DEFAULT_TRAILING_DIGITS` until one is seen) or,
for a tier the matrix does not price, from a PublishPrice naming that tier (whose RateLabel also
names the tier). Times are local wall-clock times (CalendarTimeReference 0x02, what GB uses);
block thresholds are kept and shown but costs do not charge by block (a known gap).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any, TypeAlias

from ihd_app.core.model import RateBand
from ihd_app.protocol.zcl import PublishPrice, PublishPriceMatrix
from ihd_app.protocol.zcl.calendar import (
    DATE_UNSPECIFIED,
    MINUTES_PER_DAY,
    PublishCalendar,
    PublishDayProfile,
    PublishWeekProfile,
    ZclDate,
)
from ihd_app.protocol.zcl.calendar_dates import PublishSeasons, PublishSpecialDays
from ihd_app.protocol.zcl.price_matrix import PublishBlockThresholds

#: Digits after the point of matrix prices until a PublishTariffInformation says otherwise (our
#: composer's PRICE_TRAILING_DIGITS).
DEFAULT_TRAILING_DIGITS = 4
Json: TypeAlias = Any
CalendarPiece: TypeAlias = (
    PublishCalendar
    | PublishDayProfile
    | PublishWeekProfile
    | PublishSeasons
    | PublishSpecialDays
    | PublishPriceMatrix
    | PublishBlockThresholds
)
CALENDAR_PIECES = (
    PublishCalendar,
    PublishDayProfile,
    PublishWeekProfile,
    PublishSeasons,
    PublishSpecialDays,
    PublishPriceMatrix,
    PublishBlockThresholds,
)


@dataclass(frozen=True)
class Band:
    """Part of a day at one tier: [start, end) minutes after local midnight (end up to 1440)."""

    start_minutes: int
    end_minutes: int
    tier: int

    @property
    def start(self) -> time:
        """The start as a time of day."""
        return time(self.start_minutes // 60, self.start_minutes % 60)

    @property
    def end(self) -> time:
        """The end as a time of day (``time(0)`` for midnight at the end of the day)."""
        minutes = self.end_minutes % MINUTES_PER_DAY
        return time(minutes // 60, minutes % 60)


def _date_matches(pattern: Json, day: date) -> bool:
    year, month, dom, weekday = (int(v) for v in pattern)
    wanted = (day.year - 1900, day.month, day.day, day.isoweekday())
    return all(
        given in (DATE_UNSPECIFIED, actual)
        for given, actual in zip((year, month, dom, weekday), wanted, strict=True)
    )


def _season_start(pattern: Json, year: int) -> date | None:
    """When a season starting on ``pattern`` starts in ``year`` (its own year if it has one)."""
    start_year, month, dom, _ = pattern
    try:
        return date(
            year if start_year == DATE_UNSPECIFIED else 1900 + start_year,
            1 if month == DATE_UNSPECIFIED else month,
            1 if dom == DATE_UNSPECIFIED else dom,
        )
    except ValueError:
        return None


def _date_list(value: ZclDate) -> list[int]:
    return [value.year_offset, value.month, value.day, value.day_of_week]


def _parts_complete(record: Json) -> bool:
    return isinstance(record, dict) and len(record["parts"]) >= record["commands"]


def _with_part(
    record: Json, piece: PublishSeasons | PublishSpecialDays, rows: list[Json]
) -> dict[str, Json]:
    parts = dict(record["parts"]) if isinstance(record, dict) else {}
    parts[str(piece.command_index)] = rows
    return {"commands": piece.total_number_of_commands, "parts": parts}


def _joined(record: Json) -> list[Json]:
    return [item for key in sorted(record["parts"], key=int) for item in record["parts"][key]]


@dataclass(frozen=True)
class TouCalendar:
    """One fuel's time-of-use calendar and tier prices, as JSON (see the module docstring).

    Attributes:
        state: The pieces so far; build with :meth:`empty` and :meth:`add`.
    """

    state: Mapping[str, Json] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> TouCalendar:
        """A calendar with no pieces yet."""
        return cls({"days": {}, "weeks": {}, "tier_prices": {}, "labels": {}})

    @classmethod
    def from_json(cls, value: Json) -> TouCalendar | None:
        """A calendar stored with :meth:`to_json`, or ``None`` for anything else."""
        if not isinstance(value, dict) or not isinstance(value.get("days"), dict):
            return None
        return cls(value)

    def to_json(self) -> dict[str, Json]:
        """The pieces as JSON."""
        return dict(self.state)

    # -- assembling --------------------------------------------------------------------------

    def add(self, piece: CalendarPiece | PublishPrice) -> TouCalendar:
        """The calendar with ``piece`` added (a later copy of the same piece replaces it).

        A piece of another calendar than the one collected so far starts a new calendar (the
        tier prices, labels and thresholds are the tariff's and stay).
        """
        state: dict[str, Json] = {
            key: (dict(value) if isinstance(value, dict) else value)
            for key, value in self.state.items()
        }
        if isinstance(piece, PublishPrice):
            tier = str(piece.price_tier)
            digits = piece.price_trailing_digit
            scale = 10 ** (digits >> 4 if digits > 0x0F else digits)
            state["tier_prices"][tier] = piece.price / scale
            if piece.rate_label.strip():
                state["labels"][tier] = piece.rate_label.strip()
            return TouCalendar(state)
        if isinstance(piece, PublishPriceMatrix):
            record = state.get("matrix")
            if not isinstance(record, dict) or record["tariff_id"] != piece.issuer_tariff_id:
                record = {"tariff_id": piece.issuer_tariff_id, "parts": {}}
            record = {**record, "commands": piece.total_number_of_commands}
            record["parts"] = {
                **record["parts"],
                str(piece.command_index): [
                    [e.tier_block_id, e.price] for e in piece.entries if piece.tou_based
                ],
            }
            state["matrix"] = record
            return TouCalendar(state)
        if isinstance(piece, PublishBlockThresholds):
            record = state.get("thresholds")
            if not isinstance(record, dict) or record["tariff_id"] != piece.issuer_tariff_id:
                record = {"tariff_id": piece.issuer_tariff_id, "parts": {}}
            record = {**record, "commands": piece.total_number_of_commands}
            record["all_tiers"] = piece.all_tiers
            record["parts"] = {
                **record["parts"],
                str(piece.command_index): [[e.tier, list(e.thresholds)] for e in piece.entries],
            }
            state["thresholds"] = record
            return TouCalendar(state)
        if state.get("calendar_id") != piece.issuer_calendar_id:
            for key in ("calendar", "seasons", "special_days"):
                state.pop(key, None)
            state["days"], state["weeks"] = {}, {}
            state["calendar_id"] = piece.issuer_calendar_id
        if isinstance(piece, PublishCalendar):
            state["calendar"] = {
                "name": piece.calendar_name,
                "start_time": piece.start_time,
                "seasons": piece.number_of_seasons,
                "weeks": piece.number_of_week_profiles,
                "days": piece.number_of_day_profiles,
            }
        elif isinstance(piece, PublishDayProfile):
            day_id = str(piece.day_id)
            record = state["days"].get(day_id)
            if not isinstance(record, dict):
                record = {"parts": {}}
            state["days"][day_id] = {
                "commands": piece.total_number_of_commands,
                "parts": {
                    **record["parts"],
                    str(piece.command_index): [[e.start_minutes, e.value] for e in piece.entries],
                },
            }
        elif isinstance(piece, PublishWeekProfile):
            state["weeks"][str(piece.week_id)] = list(piece.day_id_refs)
        elif isinstance(piece, PublishSeasons):
            rows = [[*_date_list(e.start_date), e.week_id_ref] for e in piece.entries]
            state["seasons"] = _with_part(state.get("seasons"), piece, rows)
        else:
            rows = [[*_date_list(e.date), e.day_id_ref] for e in piece.entries]
            state["special_days"] = _with_part(state.get("special_days"), piece, rows)
        return TouCalendar(state)

    # -- what it says --------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The calendar's name (empty until PublishCalendar arrived)."""
        calendar = self.state.get("calendar")
        return str(calendar["name"]) if isinstance(calendar, dict) else ""

    def _day_profiles(self) -> dict[int, list[tuple[int, int]]]:
        return {
            int(day_id): sorted((int(s), int(t)) for s, t in _joined(record))
            for day_id, record in self.state.get("days", {}).items()
            if _parts_complete(record)
        }

    def _weeks(self) -> dict[int, list[int]]:
        return {int(k): [int(d) for d in v] for k, v in self.state.get("weeks", {}).items()}

    def _seasons(self) -> list[Json]:
        record = self.state.get("seasons")
        return _joined(record) if _parts_complete(record) else []

    def _special_days(self) -> list[Json]:
        record = self.state.get("special_days")
        return _joined(record) if _parts_complete(record) else []

    def tiers_used(self) -> set[int]:
        """Every tier a day profile names."""
        return {tier for entries in self._day_profiles().values() for _, tier in entries}

    def prices(self, trailing_digits: int | None = None) -> dict[int, float]:
        """Pence per kWh by tier: the matrix, else PublishPrice of the tier."""
        digits = DEFAULT_TRAILING_DIGITS if trailing_digits is None else trailing_digits
        digits = int(self.state.get("trailing_digits", digits))
        found = {int(t): float(p) for t, p in self.state.get("tier_prices", {}).items()}
        matrix = self.state.get("matrix")
        if _parts_complete(matrix):
            found.update({int(t): p / 10**digits for t, p in _joined(matrix)})
        return found

    def with_trailing_digits(self, digits: int) -> TouCalendar:
        """The calendar reading matrix prices with ``digits`` after the point."""
        return TouCalendar({**self.state, "trailing_digits": digits})

    def label(self, tier: int) -> str:
        """The tier's name: its RateLabel if one was published, else "Tier N"."""
        return str(self.state.get("labels", {}).get(str(tier)) or f"Tier {tier}")

    def thresholds(self) -> list[tuple[int | None, list[int]]]:
        """Block thresholds as (tier, thresholds); tier ``None`` when they apply to all."""
        record = self.state.get("thresholds")
        if record is None or not _parts_complete(record):
            return []
        return [
            (None if record["all_tiers"] else int(tier), [int(v) for v in values])
            for tier, values in _joined(record)
        ]

    def missing(self) -> list[str]:
        """What is still to come before the calendar can be used (empty when complete)."""
        calendar = self.state.get("calendar")
        if not isinstance(calendar, dict):
            return ["PublishCalendar"]
        gaps: list[str] = []
        days = self._day_profiles()
        if len(days) < calendar["days"]:
            gaps.append(f"{calendar['days'] - len(days)} day profile(s)")
        weeks = self._weeks()
        if len(weeks) < calendar["weeks"]:
            gaps.append(f"{calendar['weeks'] - len(weeks)} week profile(s)")
        if calendar["seasons"] and len(self._seasons()) < calendar["seasons"]:
            gaps.append("seasons")
        if "special_days" in self.state and not _parts_complete(self.state["special_days"]):
            gaps.append("special days")
        unpriced = sorted(self.tiers_used() - set(self.prices()))
        if unpriced:
            gaps.append("prices of tier(s) " + ", ".join(map(str, unpriced)))
        return gaps

    @property
    def complete(self) -> bool:
        """Whether every announced piece and every tier's price is here."""
        return not self.missing()

    def season_on(self, day: date) -> tuple[date, int] | None:
        """The season in force on ``day``: its start and week profile."""
        starts: list[tuple[date, int]] = []
        for *pattern, week in self._seasons():
            for year in (day.year, day.year - 1):
                start = _season_start(pattern, year)
                if start is not None and start <= day:
                    starts.append((start, int(week)))
        if starts:
            return max(starts)
        weeks = self._weeks()
        # No season (or none started yet): the lowest week profile, from the day itself.
        return (day, min(weeks)) if weeks else None

    def is_special_day(self, day: date) -> bool:
        """Whether ``day`` is one of the calendar's special days."""
        return any(_date_matches(pattern, day) for *pattern, _ in self._special_days())

    def day_profile_on(self, day: date) -> int | None:
        """The day profile in force on ``day``, or ``None`` if the calendar does not say."""
        for *pattern, day_id in self._special_days():
            if _date_matches(pattern, day):
                return int(day_id)
        season = self.season_on(day)
        if season is None:
            return None
        refs = self._weeks().get(season[1])
        return None if refs is None else refs[day.weekday()]

    def week(self, day: date) -> list[tuple[date, int | None]]:
        """The seven days from the Monday of ``day``'s week, each with its day profile."""
        monday = day - timedelta(days=day.weekday())
        days = [monday + timedelta(days=n) for n in range(7)]
        return [(d, self.day_profile_on(d)) for d in days]

    def _entries(self, day: date) -> list[tuple[int, int]]:
        day_id = self.day_profile_on(day)
        return [] if day_id is None else self._day_profiles().get(day_id, [])

    def bands_on(self, day: date) -> list[Band]:
        """The day's bands, (start, end, tier), covering it from 00:00 to 24:00.

        Before the day's first entry, the previous day's last tier continues.
        """
        entries = self._entries(day)
        if not entries:
            return []
        if entries[0][0] > 0:
            before = self._entries(day - timedelta(days=1))
            carried = (before or entries)[-1][1]
            entries = [(0, carried), *entries]
        bands: list[Band] = []
        for index, (start, tier) in enumerate(entries):
            end = entries[index + 1][0] if index + 1 < len(entries) else MINUTES_PER_DAY
            if end <= start:
                continue
            if bands and bands[-1].tier == tier:
                bands[-1] = Band(bands[-1].start_minutes, end, tier)
            else:
                bands.append(Band(start, end, tier))
        return bands

    def tier_at(self, day: date, minutes: int) -> int | None:
        """The tier in force ``minutes`` after local midnight of ``day``."""
        return next(
            (b.tier for b in self.bands_on(day) if b.start_minutes <= minutes < b.end_minutes),
            None,
        )

    def rate_bands_on(self, day: date) -> tuple[RateBand, ...]:
        """The day's bands as priced, named rate bands (empty unless complete)."""
        if not self.complete:
            return ()
        prices = self.prices()
        return tuple(
            RateBand(self.label(b.tier), b.start, b.end, prices[b.tier]) for b in self.bands_on(day)
        )


__all__ = ["CALENDAR_PIECES", "DEFAULT_TRAILING_DIGITS", "Band", "CalendarPiece", "TouCalendar"]
