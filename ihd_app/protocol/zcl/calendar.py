"""Calendar cluster (0x0707) commands, server to client (ZSE 1.4 layouts).

A time-of-use calendar is built from day profiles (when each tier starts, in minutes after
midnight), week profiles (a day profile per weekday), seasons (the week profile from a date on)
and special days (a day profile on a date). PublishCalendar announces one; the others fill it in,
long lists split over several commands numbered by CommandIndex out of TotalNumberOfCommands.
PublishSeasons and PublishSpecialDays are in :mod:`~ihd_app.protocol.zcl.calendar_dates`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar, Final

from ihd_app.protocol.errors import DecodeError, EncodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl.clusters import CALENDAR, JsonValue, enum_label
from ihd_app.protocol.zcl.frame import Direction, FrameType, write_text
from ihd_app.protocol.zcl.primitives import Reader, Writer

#: Longest CalendarName ZSE allows.
MAX_CALENDAR_NAME = 12
#: A ZCL Date octet meaning "any" (unspecified).
DATE_UNSPECIFIED = 0xFF
#: Minutes in a day: schedule start times are below it.
MINUTES_PER_DAY = 1440
WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class CalendarType(IntEnum):
    """CalendarType: what the schedule entries' one-byte value means."""

    DELIVERED = 0x00
    RECEIVED = 0x01
    DELIVERED_AND_RECEIVED = 0x02
    FRIENDLY_CREDIT = 0x03
    AUXILIARY_LOAD_SWITCH = 0x04


class CalendarTimeReference(IntEnum):
    """CalendarTimeReference: which clock the calendar's times are in."""

    UTC_TIME = 0x00
    STANDARD_TIME = 0x01
    LOCAL_TIME = 0x02


def _entry_value_name(calendar_type: int) -> str:
    """The ZSE name of a schedule entry's byte for ``calendar_type``."""
    if calendar_type == CalendarType.FRIENDLY_CREDIT:
        return "friendly_credit_enable"
    if calendar_type == CalendarType.AUXILIARY_LOAD_SWITCH:
        return "auxiliary_load_switch_state"
    return "price_tier"


@dataclass(frozen=True, slots=True)
class ZclDate:
    """A ZCL Date (type 0xE2): four octets, each 0xFF for "any".

    Attributes:
        year_offset: Years since 1900 (126 is 2026).
        month: 1-12.
        day: Day of the month, 1-31.
        day_of_week: 1 (Monday) to 7 (Sunday).
    """

    year_offset: int
    month: int
    day: int
    day_of_week: int = DATE_UNSPECIFIED

    def write(self, writer: Writer, field: str) -> None:
        """Write the four octets."""
        writer.u8(self.year_offset, f"{field} year")
        writer.u8(self.month, f"{field} month")
        writer.u8(self.day, f"{field} day")
        writer.u8(self.day_of_week, f"{field} day of week")

    @classmethod
    def read(cls, reader: Reader, field: str) -> ZclDate:
        """Read the four octets."""
        return cls(
            year_offset=reader.u8(f"{field} year"),
            month=reader.u8(f"{field} month"),
            day=reader.u8(f"{field} day"),
            day_of_week=reader.u8(f"{field} day of week"),
        )

    def to_dict(self) -> dict[str, JsonValue]:
        """The date with the year in full; unspecified octets are ``None``."""

        def known(value: int) -> int | None:
            return None if value == DATE_UNSPECIFIED else value

        year = known(self.year_offset)
        return {
            "year": None if year is None else 1900 + year,
            "month": known(self.month),
            "day": known(self.day),
            "day_of_week": known(self.day_of_week),
        }


def _hhmm(minutes: int) -> str | None:
    return f"{minutes // 60:02d}:{minutes % 60:02d}" if minutes < MINUTES_PER_DAY else None


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishCalendar:
    """Calendar 0x00, server to client: announces a calendar and the sizes of its parts.

    Attributes:
        provider_id: ProviderID (u32).
        issuer_event_id: IssuerEventID (u32).
        issuer_calendar_id: IssuerCalendarID (u32), which the other commands refer to.
        start_time: UTCTime the calendar applies from (0 = now).
        calendar_type: enum8, see :class:`CalendarType`.
        calendar_time_reference: enum8, see :class:`CalendarTimeReference`.
        calendar_name: CalendarName, at most 12 bytes of UTF-8.
        number_of_seasons: u8.
        number_of_week_profiles: u8.
        number_of_day_profiles: u8.
    """

    CLUSTER_ID: ClassVar[int | None] = CALENDAR
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.SERVER_TO_CLIENT
    COMMAND_ID: ClassVar[int] = 0x00

    provider_id: int
    issuer_event_id: int
    issuer_calendar_id: int
    start_time: int
    calendar_type: int = CalendarType.DELIVERED
    calendar_time_reference: int = CalendarTimeReference.LOCAL_TIME
    calendar_name: str
    number_of_seasons: int
    number_of_week_profiles: int
    number_of_day_profiles: int

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: A field is out of range.
        """
        writer = Writer("PublishCalendar")
        writer.u32(self.provider_id, "provider id")
        writer.u32(self.issuer_event_id, "issuer event id")
        writer.u32(self.issuer_calendar_id, "issuer calendar id")
        writer.u32(self.start_time, "start time")
        writer.u8(self.calendar_type, "calendar type")
        writer.u8(self.calendar_time_reference, "calendar time reference")
        write_text(writer, self.calendar_name, "calendar name", MAX_CALENDAR_NAME)
        writer.u8(self.number_of_seasons, "number of seasons")
        writer.u8(self.number_of_week_profiles, "number of week profiles")
        writer.u8(self.number_of_day_profiles, "number of day profiles")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> PublishCalendar:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if short, over-long or the name is not UTF-8.
        """
        reader = Reader(data, "PublishCalendar")
        result = cls(
            provider_id=reader.u32("provider id"),
            issuer_event_id=reader.u32("issuer event id"),
            issuer_calendar_id=reader.u32("issuer calendar id"),
            start_time=reader.u32("start time"),
            calendar_type=reader.u8("calendar type"),
            calendar_time_reference=reader.u8("calendar time reference"),
            calendar_name=reader.text("calendar name", MAX_CALENDAR_NAME),
            number_of_seasons=reader.u8("number of seasons"),
            number_of_week_profiles=reader.u8("number of week profiles"),
            number_of_day_profiles=reader.u8("number of day profiles"),
        )
        reader.expect_end()
        return result

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view; the enumerations by name."""
        return {
            "provider_id": self.provider_id,
            "issuer_event_id": self.issuer_event_id,
            "issuer_calendar_id": self.issuer_calendar_id,
            "start_time": self.start_time,
            "calendar_type": enum_label(CalendarType, self.calendar_type),
            "calendar_time_reference": enum_label(
                CalendarTimeReference, self.calendar_time_reference
            ),
            "calendar_name": self.calendar_name,
            "number_of_seasons": self.number_of_seasons,
            "number_of_week_profiles": self.number_of_week_profiles,
            "number_of_day_profiles": self.number_of_day_profiles,
        }


@dataclass(frozen=True, slots=True)
class ScheduleEntry:
    """One day-schedule entry: from ``start_minutes`` after midnight, ``value`` applies.

    Attributes:
        start_minutes: u16 minutes after midnight.
        value: PriceTier, FriendlyCreditEnable or AuxiliaryLoadSwitchState, by calendar type.
    """

    start_minutes: int
    value: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishDayProfile:
    """Calendar 0x01, server to client: the schedule of one day profile (or part of it).

    Attributes:
        provider_id: ProviderID (u32).
        issuer_event_id: IssuerEventID (u32).
        issuer_calendar_id: IssuerCalendarID (u32).
        day_id: DayID (u8), referred to by week profiles and special days.
        total_number_of_schedule_entries: u8, over every command of the set.
        command_index: CommandIndex (u8).
        total_number_of_commands: TotalNumberOfCommands (u8).
        calendar_type: enum8, see :class:`CalendarType`; says what each entry's value is.
        entries: The entries this command carries, three bytes each.
    """

    CLUSTER_ID: ClassVar[int | None] = CALENDAR
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.SERVER_TO_CLIENT
    COMMAND_ID: ClassVar[int] = 0x01

    provider_id: int
    issuer_event_id: int
    issuer_calendar_id: int
    day_id: int
    total_number_of_schedule_entries: int
    command_index: int = 0
    total_number_of_commands: int = 1
    calendar_type: int = CalendarType.DELIVERED
    entries: tuple[ScheduleEntry, ...]

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: A field is out of range, or there are more entries than the total.
        """
        if len(self.entries) > self.total_number_of_schedule_entries:
            raise EncodeError(
                Reason.MALFORMED,
                f"PublishDayProfile: {len(self.entries)} entries but "
                f"TotalNumberOfScheduleEntries is {self.total_number_of_schedule_entries}",
            )
        writer = Writer("PublishDayProfile")
        writer.u32(self.provider_id, "provider id")
        writer.u32(self.issuer_event_id, "issuer event id")
        writer.u32(self.issuer_calendar_id, "issuer calendar id")
        writer.u8(self.day_id, "day id")
        writer.u8(self.total_number_of_schedule_entries, "total number of schedule entries")
        writer.u8(self.command_index, "command index")
        writer.u8(self.total_number_of_commands, "total number of commands")
        writer.u8(self.calendar_type, "calendar type")
        for index, entry in enumerate(self.entries):
            writer.u16(entry.start_minutes, f"entry {index} start time")
            writer.u8(entry.value, f"entry {index} value")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> PublishDayProfile:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if short, cut inside an entry, or carrying more entries
                than TotalNumberOfScheduleEntries.
        """
        reader = Reader(data, "PublishDayProfile")
        provider_id = reader.u32("provider id")
        issuer_event_id = reader.u32("issuer event id")
        issuer_calendar_id = reader.u32("issuer calendar id")
        day_id = reader.u8("day id")
        total = reader.u8("total number of schedule entries")
        command_index = reader.u8("command index")
        total_commands = reader.u8("total number of commands")
        calendar_type = reader.u8("calendar type")
        if reader.remaining % 3 or reader.remaining // 3 > total:
            raise DecodeError(
                Reason.MALFORMED,
                f"PublishDayProfile: {reader.remaining} bytes of schedule entries are not "
                f"whole 3-byte entries, at most TotalNumberOfScheduleEntries ({total})",
            )
        entries = tuple(
            ScheduleEntry(
                start_minutes=reader.u16(f"entry {index} start time"),
                value=reader.u8(f"entry {index} value"),
            )
            for index in range(reader.remaining // 3)
        )
        return cls(
            provider_id=provider_id,
            issuer_event_id=issuer_event_id,
            issuer_calendar_id=issuer_calendar_id,
            day_id=day_id,
            total_number_of_schedule_entries=total,
            command_index=command_index,
            total_number_of_commands=total_commands,
            calendar_type=calendar_type,
            entries=entries,
        )

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view; each entry's value under its ZSE name, its start also as HH:MM."""
        value_name = _entry_value_name(self.calendar_type)
        return {
            "provider_id": self.provider_id,
            "issuer_event_id": self.issuer_event_id,
            "issuer_calendar_id": self.issuer_calendar_id,
            "day_id": self.day_id,
            "total_number_of_schedule_entries": self.total_number_of_schedule_entries,
            "command_index": self.command_index,
            "total_number_of_commands": self.total_number_of_commands,
            "calendar_type": enum_label(CalendarType, self.calendar_type),
            "entries": [
                {
                    "start_minutes": entry.start_minutes,
                    "start": _hhmm(entry.start_minutes),
                    value_name: entry.value,
                }
                for entry in self.entries
            ],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishWeekProfile:
    """Calendar 0x02, server to client: the day profile of each weekday of one week profile.

    Attributes:
        provider_id: ProviderID (u32).
        issuer_event_id: IssuerEventID (u32).
        issuer_calendar_id: IssuerCalendarID (u32).
        week_id: WeekID (u8), referred to by seasons.
        day_id_refs: DayIDRef Monday to Sunday (seven u8).
    """

    CLUSTER_ID: ClassVar[int | None] = CALENDAR
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.SERVER_TO_CLIENT
    COMMAND_ID: ClassVar[int] = 0x02

    provider_id: int
    issuer_event_id: int
    issuer_calendar_id: int
    week_id: int
    day_id_refs: tuple[int, int, int, int, int, int, int]

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: A field is out of range or there are not seven day references.
        """
        if len(self.day_id_refs) != len(WEEKDAYS):
            raise EncodeError(
                Reason.MALFORMED,
                f"PublishWeekProfile: {len(self.day_id_refs)} day references, not seven",
            )
        writer = Writer("PublishWeekProfile")
        writer.u32(self.provider_id, "provider id")
        writer.u32(self.issuer_event_id, "issuer event id")
        writer.u32(self.issuer_calendar_id, "issuer calendar id")
        writer.u8(self.week_id, "week id")
        for day, ref in zip(WEEKDAYS, self.day_id_refs, strict=True):
            writer.u8(ref, f"day id ref {day}")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> PublishWeekProfile:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` unless exactly 20 bytes.
        """
        reader = Reader(data, "PublishWeekProfile")
        provider_id = reader.u32("provider id")
        issuer_event_id = reader.u32("issuer event id")
        issuer_calendar_id = reader.u32("issuer calendar id")
        week_id = reader.u8("week id")
        monday, tuesday, wednesday, thursday, friday, saturday, sunday = (
            reader.u8(f"day id ref {day}") for day in WEEKDAYS
        )
        reader.expect_end()
        return cls(
            provider_id=provider_id,
            issuer_event_id=issuer_event_id,
            issuer_calendar_id=issuer_calendar_id,
            week_id=week_id,
            day_id_refs=(monday, tuesday, wednesday, thursday, friday, saturday, sunday),
        )

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view; one ``day_id_ref_<weekday>`` per day."""
        result: dict[str, JsonValue] = {
            "provider_id": self.provider_id,
            "issuer_event_id": self.issuer_event_id,
            "issuer_calendar_id": self.issuer_calendar_id,
            "week_id": self.week_id,
        }
        for day, ref in zip(WEEKDAYS, self.day_id_refs, strict=True):
            result[f"day_id_ref_{day}"] = ref
        return result
