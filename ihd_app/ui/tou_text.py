"""What the Tariff screen says about a time-of-use calendar: its season, this week's day
profiles and any block thresholds (the bands themselves are in the bands table)."""

from __future__ import annotations

from datetime import date

from ihd_app.core.tou_calendar import TouCalendar

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Block thresholds are published in Wh (BlockThresholdMultiplier/Divisor are not applied).
_WH_PER_KWH = 1000


def _profile(day_id: int | None) -> str:
    return "no profile" if day_id is None else f"day profile {day_id}"


def week_text(calendar: TouCalendar, today: date) -> str:
    """This week, consecutive days with the same profile together, e.g.
    "Mon–Fri day profile 1 · Sat–Sun day profile 2"; a special day is named by its date."""
    week = calendar.week(today)
    specials = {d for d, _ in week if calendar.is_special_day(d)}
    runs: list[tuple[int, int, int | None]] = []
    for index, (day, profile) in enumerate(week):
        joins = runs and runs[-1][2] == profile and not {day, week[index - 1][0]} & specials
        if joins:
            runs[-1] = (runs[-1][0], index, profile)
        else:
            runs.append((index, index, profile))
    parts = []
    for first, last, profile in runs:
        day = week[first][0]
        if day in specials:
            name = f"{_DAYS[first]} {day.day} {day:%b} (special day)"
        else:
            name = _DAYS[first] if first == last else f"{_DAYS[first]}–{_DAYS[last]}"
        parts.append(f"{name} {_profile(profile)}")
    return "This week: " + " · ".join(parts)


def season_text(calendar: TouCalendar, today: date) -> str:
    """The season in force, e.g. "Season from 1 Apr: week profile 1"."""
    season = calendar.season_on(today)
    if season is None:
        return "No season in force"
    start, week = season
    return f"Season from {start.day} {start:%b}: week profile {week}"


def thresholds_text(calendar: TouCalendar) -> str:
    """The block thresholds, or "" when there are none."""
    rows = []
    for tier, values in calendar.thresholds():
        kwh = ", ".join(f"{v / _WH_PER_KWH:g}" for v in values)
        rows.append(f"{kwh} kWh" + ("" if tier is None else f" ({calendar.label(tier)})"))
    return "Block thresholds: " + "; ".join(rows) if rows else ""


def calendar_text(calendar: TouCalendar | None, today: date) -> str:
    """Everything the card says about the calendar, one fact a line ("" without one)."""
    if calendar is None:
        return ""
    if not calendar.complete:
        return "Time-of-use calendar arriving; waiting for " + ", ".join(calendar.missing())
    lines = [
        f"Time-of-use calendar {calendar.name}".rstrip(),
        season_text(calendar, today),
        week_text(calendar, today),
    ]
    thresholds = thresholds_text(calendar)
    if thresholds:
        lines.append(thresholds + " (costs are not charged by block)")
    return "\n".join(lines)
