"""What the Tariff screen says about a time-of-use calendar: its season, when prices are highest
on each day of this week and any block thresholds (the bands themselves are in the bands table)."""

from __future__ import annotations

from datetime import date

from ihd_app.core.tou_calendar import TouCalendar

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Block thresholds are published in Wh (BlockThresholdMultiplier/Divisor are not applied).
_WH_PER_KWH = 1000


def _dearest(calendar: TouCalendar, day: date) -> str:
    """The day's dearest tier and when it applies, e.g. "Peak 16:00–19:00"."""
    bands = calendar.bands_on(day)
    if not bands:
        return "no prices"
    prices = calendar.prices()
    tiers = {band.tier for band in bands}
    if len(tiers) == 1:
        return f"{calendar.label(bands[0].tier)} all day"
    top = max(tiers, key=lambda tier: prices.get(tier, 0.0))
    times = ", ".join(f"{b.start:%H:%M}–{b.end:%H:%M}" for b in bands if b.tier == top)
    return f"{calendar.label(top)} {times}"


def week_text(calendar: TouCalendar, today: date) -> str:
    """When prices are highest on each day of this week, days alike together, e.g.
    "Dearest this week: Mon–Fri Peak 16:00–19:00 · Sat–Sun Day 09:00–22:00"; a special day
    (a bank holiday) is named by its date. Profile numbers mean nothing to a householder."""
    week = [day for day, _ in calendar.week(today)]
    specials = {day for day in week if calendar.is_special_day(day)}
    runs: list[tuple[int, int, str]] = []
    for index, day in enumerate(week):
        text = _dearest(calendar, day)
        joins = runs and runs[-1][2] == text and not {day, week[index - 1]} & specials
        if joins:
            runs[-1] = (runs[-1][0], index, text)
        else:
            runs.append((index, index, text))
    parts = []
    for first, last, text in runs:
        day = week[first]
        if day in specials:
            name = f"{_DAYS[first]} {day.day} {day:%b} (bank holiday)"
        else:
            name = _DAYS[first] if first == last else f"{_DAYS[first]}–{_DAYS[last]}"
        parts.append(f"{name} {text}")
    return "Dearest this week: " + " · ".join(parts)


def season_text(calendar: TouCalendar, today: date) -> str:
    """Since when this season's prices apply, e.g. "This season since 1 Oct"."""
    season = calendar.season_on(today)
    if season is None:
        return "No season in force"
    start, _week = season
    return f"This season since {start.day} {start:%b}"


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
