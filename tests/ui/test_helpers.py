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
    [(UsageRange.DAY, 48), (UsageRange.WEEK, 7), (UsageRange.MONTH, 30), (UsageRange.YEAR, 12)],
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
