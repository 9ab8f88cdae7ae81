"""Pure helpers: ambient level, bands and price changes, periods, badge text, settings."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from ihd_app.core.model import RateBand, Tariff
from ihd_app.core.readings import Fuel
from ihd_app.link.bumble_backend.security import LinkSecurity
from ihd_app.link.meter_link import LinkState
from ihd_app.service.api import UsageRange
from ihd_app.ui import periods, pricing, text
from ihd_app.ui.ambient import AmbientLevel, AmbientThresholds, ambient_level
from ihd_app.ui.app import parse_form_factor
from ihd_app.ui.qt_check import binding_problem
from ihd_app.ui.settings import UiSettings, Unit, load_settings, save_settings
from ihd_app.ui.theme import ThemeName, font_sizes, stylesheet

NOW = datetime(2025, 1, 14, 18, 5, tzinfo=UTC)


def test_qt_binding_is_sound() -> None:
    """PySide6 6.12.0 on Python 3.11 corrupts reference counts and crashes Qt programs."""
    assert binding_problem() is None


@pytest.mark.parametrize(
    ("kw", "level"),
    [
        (None, AmbientLevel.UNKNOWN),
        (0.0, AmbientLevel.LOW),
        (0.29, AmbientLevel.LOW),
        (0.3, AmbientLevel.MEDIUM),
        (1.49, AmbientLevel.MEDIUM),
        (1.5, AmbientLevel.HIGH),
    ],
)
def test_ambient_level(kw: float | None, level: AmbientLevel) -> None:
    assert ambient_level(kw, AmbientThresholds(0.3, 1.5)) is level


def _tou() -> Tariff:
    return Tariff(
        Fuel.ELECTRICITY,
        "Economy 7",
        (
            RateBand("Night", time(23, 0), time(6, 0), 8.0),
            RateBand("Day", time(6, 0), time(23, 0), 27.0),
        ),
        50.0,
        NOW,
    )


def test_band_at_handles_bands_across_midnight() -> None:
    tariff = _tou()
    assert pricing.band_at(tariff, NOW.replace(hour=2)).name == "Night"  # type: ignore[union-attr]
    assert pricing.band_at(tariff, NOW.replace(hour=23)).name == "Night"  # type: ignore[union-attr]
    assert pricing.band_at(tariff, NOW.replace(hour=6)).name == "Day"  # type: ignore[union-attr]


def test_next_change() -> None:
    change = pricing.next_change(_tou(), NOW)
    assert change is not None
    assert change.band.name == "Night"
    assert change.at.astimezone().hour == 23
    flat = Tariff(Fuel.GAS, "Flat", (RateBand("All day", time(0), time(0), 6.0),), 30.0, NOW)
    assert pricing.next_change(flat, NOW) is None
    assert pricing.pounds_per_hour(2000, flat.bands[0]) == pytest.approx(0.12)


@pytest.mark.parametrize(
    ("span", "buckets"),
    [(UsageRange.DAY, 48), (UsageRange.WEEK, 7), (UsageRange.MONTH, 31), (UsageRange.YEAR, 12)],
)
def test_period_buckets(span: UsageRange, buckets: int) -> None:
    end = periods.period_end(span, NOW)
    edges = periods.bucket_edges(span, end)
    assert len(edges) == buckets + 1
    assert edges[-1] == end
    assert periods.shift(span, periods.shift(span, end, -1), 1) == end


def test_link_badge_texts() -> None:
    secure = LinkSecurity(True, True, True, 16, True)
    assert text.link_badge(LinkState.CONNECTED, secure) == (
        "Paired · encrypted · authenticated (LE Secure Connections)",
        "ok",
    )
    just_works = LinkSecurity(encrypted=True, secure_connections=True)
    assert text.link_badge(LinkState.CONNECTED, just_works)[1] == "warn"
    assert "NOT authenticated" in text.link_badge(LinkState.CONNECTED, just_works)[0]
    assert text.link_badge(LinkState.CONNECTED, LinkSecurity())[1] == "bad"
    assert text.link_badge(LinkState.IDLE, secure) == ("Not connected", "bad")


@pytest.mark.parametrize("theme", list(ThemeName))
def test_every_theme_substitutes_every_token(theme: ThemeName) -> None:
    sheet = stylesheet(theme, font_sizes(800, 480))
    assert "@" not in sheet
    assert "#Takeover" in sheet


def test_font_sizes_scale() -> None:
    assert font_sizes(800, 480).base == 15
    assert font_sizes(1280, 800).base == 22


def test_settings_round_trip(tmp_path: Path) -> None:
    store = QSettings(str(tmp_path / "ihd.ini"), QSettings.Format.IniFormat)
    assert load_settings(store) == UiSettings()
    chosen = UiSettings(ThemeName.HIGH_CONTRAST, Unit.POUNDS, True, AmbientThresholds(0.5, 2.0))
    save_settings(store, chosen)
    again = QSettings(str(tmp_path / "ihd.ini"), QSettings.Format.IniFormat)
    assert load_settings(again) == chosen


def test_parse_form_factor() -> None:
    assert parse_form_factor("800x480") == (800, 480)
    assert parse_form_factor((1280, 800)) == (1280, 800)
    assert parse_form_factor(None) is None
    with pytest.raises(ValueError, match="WIDTHxHEIGHT"):
        parse_form_factor("big")


def test_interval_arithmetic_is_local_calendar() -> None:
    end = periods.period_end(UsageRange.DAY, NOW)
    assert end - periods.period_start(UsageRange.DAY, end) == timedelta(days=1)


def test_periods_are_the_services_calendar_periods() -> None:
    # Tuesday 14 January 2025: the week is Monday 13 to Sunday 19, the month all of January.
    week = periods.period_end(UsageRange.WEEK, NOW)
    assert periods.period_start(UsageRange.WEEK, week) == datetime(2025, 1, 13, tzinfo=UTC)
    assert week == datetime(2025, 1, 20, tzinfo=UTC)
    assert periods.describe(UsageRange.WEEK, week) == "Mon 13 – Sun 19 Jan 2025"
    month = periods.period_end(UsageRange.MONTH, NOW)
    assert periods.describe(UsageRange.MONTH, month) == "January 2025"
    assert periods.describe(UsageRange.MONTH, periods.shift(UsageRange.MONTH, month, -1)) == (
        "December 2024"
    )
    year = periods.period_end(UsageRange.YEAR, NOW)
    assert periods.describe(UsageRange.YEAR, year) == "2025"
    assert periods.describe(UsageRange.DAY, periods.period_end(UsageRange.DAY, NOW)) == (
        "Tue 14 Jan 2025"
    )
    across = periods.period_end(UsageRange.WEEK, datetime(2025, 2, 1, tzinfo=UTC))
    assert periods.describe(UsageRange.WEEK, across) == "Mon 27 Jan – Sun 2 Feb 2025"


def test_ticks_label_bars_in_the_middle_and_hours_at_their_start() -> None:
    week = periods.ticks(UsageRange.WEEK, periods.period_end(UsageRange.WEEK, NOW))
    assert [label for _, label in week] == [
        "Mon 13",
        "Tue 14",
        "Wed 15",
        "Thu 16",
        "Fri 17",
        "Sat 18",
        "Sun 19",
    ]
    monday = datetime(2025, 1, 13, 12, tzinfo=UTC).timestamp()
    assert week[0][0] == pytest.approx(monday)
    year = periods.ticks(UsageRange.YEAR, periods.period_end(UsageRange.YEAR, NOW))
    assert [label for _, label in year][:3] == ["Jan", "Feb", "Mar"]
    day = periods.ticks(UsageRange.DAY, periods.period_end(UsageRange.DAY, NOW))
    assert [label for _, label in day] == [f"{h:02d}:00" for h in range(0, 24, 3)]
    assert periods.ticks(UsageRange.LIVE, NOW) == []


def test_prices_keep_the_tariffs_decimals() -> None:
    assert text.pence_per_kwh(24.86) == "24.86p/kWh"
    assert text.pence_per_kwh(28.6) == "28.6p/kWh"
    assert text.pence_per_kwh(9.5) == "9.5p/kWh"
    assert text.pence_per_kwh(30.0) == "30p/kWh"


def test_outage_window_from_signed_details() -> None:
    details = {"outage": {"start": "2025-01-16T09:00:00+00:00", "end": "2025-01-16T13:00:00+00:00"}}
    assert text.outage_window(details) == "Thu 16 Jan 2025 09:00 – 13:00"
    assert text.outage_window(details, NOW.replace(day=16)) == "Today 09:00 – 13:00"
    assert text.outage_window({}) is None
    assert text.outage_window({"outage": {"start": "soon"}}) is None


def test_cost_per_hour_reads_in_pence_below_a_pound() -> None:
    assert text.per_hour(0.0142) == "1.4p per hour"
    assert text.per_hour(0.355) == "35.5p per hour"
    assert text.per_hour(1.24) == "£1.24 per hour"
    assert text.per_hour(None) == "£– per hour"
