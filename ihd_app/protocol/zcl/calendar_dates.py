"""Calendar cluster (0x0707) PublishSeasons (0x03) and PublishSpecialDays (0x04), ZSE 1.4.

Both are server to client and list dated entries: five bytes each, a ZCL Date then the week or
day profile it selects (see :mod:`~ihd_app.protocol.zcl.calendar` for the rest of the cluster).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ihd_app.protocol.errors import DecodeError, EncodeError
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl.calendar import CalendarType, ZclDate
from ihd_app.protocol.zcl.clusters import CALENDAR, JsonValue, enum_label
from ihd_app.protocol.zcl.frame import Direction, FrameType
from ihd_app.protocol.zcl.primitives import Reader, Writer


@dataclass(frozen=True, slots=True)
class SeasonEntry:
    """One season: from ``start_date`` on, week profile ``week_id_ref`` applies."""

    start_date: ZclDate
    week_id_ref: int


@dataclass(frozen=True, slots=True)
class SpecialDayEntry:
    """One special day: on ``date``, day profile ``day_id_ref`` applies."""

    date: ZclDate
    day_id_ref: int


def _dated_entry_count(reader: Reader, command: str) -> int:
    if reader.remaining % 5:
        raise DecodeError(
            Reason.MALFORMED,
            f"{command}: {reader.remaining} bytes of entries are not whole 5-byte entries",
        )
    return reader.remaining // 5


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishSeasons:
    """Calendar 0x03, server to client: the seasons of a calendar (or part of them).

    Attributes:
        provider_id: ProviderID (u32).
        issuer_event_id: IssuerEventID (u32).
        issuer_calendar_id: IssuerCalendarID (u32).
        command_index: CommandIndex (u8).
        total_number_of_commands: TotalNumberOfCommands (u8).
        entries: Five bytes each: the season's start date and its week profile.
    """

    CLUSTER_ID: ClassVar[int | None] = CALENDAR
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.SERVER_TO_CLIENT
    COMMAND_ID: ClassVar[int] = 0x03

    provider_id: int
    issuer_event_id: int
    issuer_calendar_id: int
    command_index: int = 0
    total_number_of_commands: int = 1
    entries: tuple[SeasonEntry, ...]

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: A field is out of range.
        """
        writer = Writer("PublishSeasons")
        writer.u32(self.provider_id, "provider id")
        writer.u32(self.issuer_event_id, "issuer event id")
        writer.u32(self.issuer_calendar_id, "issuer calendar id")
        writer.u8(self.command_index, "command index")
        writer.u8(self.total_number_of_commands, "total number of commands")
        for index, entry in enumerate(self.entries):
            entry.start_date.write(writer, f"season {index} start date")
            writer.u8(entry.week_id_ref, f"season {index} week id ref")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> PublishSeasons:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if short or cut inside an entry.
        """
        reader = Reader(data, "PublishSeasons")
        provider_id = reader.u32("provider id")
        issuer_event_id = reader.u32("issuer event id")
        issuer_calendar_id = reader.u32("issuer calendar id")
        command_index = reader.u8("command index")
        total_commands = reader.u8("total number of commands")
        entries = tuple(
            SeasonEntry(
                start_date=ZclDate.read(reader, f"season {index} start date"),
                week_id_ref=reader.u8(f"season {index} week id ref"),
            )
            for index in range(_dated_entry_count(reader, "PublishSeasons"))
        )
        return cls(
            provider_id=provider_id,
            issuer_event_id=issuer_event_id,
            issuer_calendar_id=issuer_calendar_id,
            command_index=command_index,
            total_number_of_commands=total_commands,
            entries=entries,
        )

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields and seasons."""
        return {
            "provider_id": self.provider_id,
            "issuer_event_id": self.issuer_event_id,
            "issuer_calendar_id": self.issuer_calendar_id,
            "command_index": self.command_index,
            "total_number_of_commands": self.total_number_of_commands,
            "entries": [
                {"start_date": entry.start_date.to_dict(), "week_id_ref": entry.week_id_ref}
                for entry in self.entries
            ],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishSpecialDays:
    """Calendar 0x04, server to client: days (bank holidays) that follow their own day profile.

    Attributes:
        provider_id: ProviderID (u32).
        issuer_event_id: IssuerEventID (u32).
        issuer_calendar_id: IssuerCalendarID (u32).
        start_time: UTCTime the special days apply from (0 = now).
        calendar_type: enum8, see :class:`CalendarType`.
        total_number_of_special_days: u8, over every command of the set.
        command_index: CommandIndex (u8).
        total_number_of_commands: TotalNumberOfCommands (u8).
        entries: Five bytes each: the date and its day profile.
    """

    CLUSTER_ID: ClassVar[int | None] = CALENDAR
    FRAME_TYPE: ClassVar[FrameType] = FrameType.CLUSTER
    DIRECTION: ClassVar[Direction | None] = Direction.SERVER_TO_CLIENT
    COMMAND_ID: ClassVar[int] = 0x04

    provider_id: int
    issuer_event_id: int
    issuer_calendar_id: int
    start_time: int
    calendar_type: int = CalendarType.DELIVERED
    total_number_of_special_days: int
    command_index: int = 0
    total_number_of_commands: int = 1
    entries: tuple[SpecialDayEntry, ...]

    def encode(self) -> bytes:
        """The command payload.

        Raises:
            EncodeError: A field is out of range, or there are more entries than the total.
        """
        if len(self.entries) > self.total_number_of_special_days:
            raise EncodeError(
                Reason.MALFORMED,
                f"PublishSpecialDays: {len(self.entries)} entries but "
                f"TotalNumberOfSpecialDays is {self.total_number_of_special_days}",
            )
        writer = Writer("PublishSpecialDays")
        writer.u32(self.provider_id, "provider id")
        writer.u32(self.issuer_event_id, "issuer event id")
        writer.u32(self.issuer_calendar_id, "issuer calendar id")
        writer.u32(self.start_time, "start time")
        writer.u8(self.calendar_type, "calendar type")
        writer.u8(self.total_number_of_special_days, "total number of special days")
        writer.u8(self.command_index, "command index")
        writer.u8(self.total_number_of_commands, "total number of commands")
        for index, entry in enumerate(self.entries):
            entry.date.write(writer, f"special day {index} date")
            writer.u8(entry.day_id_ref, f"special day {index} day id ref")
        return writer.getvalue()

    @classmethod
    def decode(cls, data: bytes) -> PublishSpecialDays:
        """Parse a payload.

        Raises:
            DecodeError: ``MALFORMED`` if short, cut inside an entry, or carrying more entries
                than TotalNumberOfSpecialDays.
        """
        reader = Reader(data, "PublishSpecialDays")
        provider_id = reader.u32("provider id")
        issuer_event_id = reader.u32("issuer event id")
        issuer_calendar_id = reader.u32("issuer calendar id")
        start_time = reader.u32("start time")
        calendar_type = reader.u8("calendar type")
        total = reader.u8("total number of special days")
        command_index = reader.u8("command index")
        total_commands = reader.u8("total number of commands")
        count = _dated_entry_count(reader, "PublishSpecialDays")
        if count > total:
            raise DecodeError(
                Reason.MALFORMED,
                f"PublishSpecialDays: {count} entries but TotalNumberOfSpecialDays is {total}",
            )
        entries = tuple(
            SpecialDayEntry(
                date=ZclDate.read(reader, f"special day {index} date"),
                day_id_ref=reader.u8(f"special day {index} day id ref"),
            )
            for index in range(count)
        )
        return cls(
            provider_id=provider_id,
            issuer_event_id=issuer_event_id,
            issuer_calendar_id=issuer_calendar_id,
            start_time=start_time,
            calendar_type=calendar_type,
            total_number_of_special_days=total,
            command_index=command_index,
            total_number_of_commands=total_commands,
            entries=entries,
        )

    def to_dict(self) -> dict[str, JsonValue]:
        """JSON-safe view of the fields and special days."""
        return {
            "provider_id": self.provider_id,
            "issuer_event_id": self.issuer_event_id,
            "issuer_calendar_id": self.issuer_calendar_id,
            "start_time": self.start_time,
            "calendar_type": enum_label(CalendarType, self.calendar_type),
            "total_number_of_special_days": self.total_number_of_special_days,
            "command_index": self.command_index,
            "total_number_of_commands": self.total_number_of_commands,
            "entries": [
                {"date": entry.date.to_dict(), "day_id_ref": entry.day_id_ref}
                for entry in self.entries
            ],
        }
