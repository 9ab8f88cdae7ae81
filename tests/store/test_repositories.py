"""Tariffs, the security log, consents, the paired meter and settings round-trip exactly."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from ihd_app.core.model import PairedMeter, RateBand, SecurityEvent, Tariff
from ihd_app.core.readings import Fuel
from ihd_app.protocol.consent_terms import Grant, Granularity
from ihd_app.store.consents import ConsentRepository
from ihd_app.store.database import Database
from ihd_app.store.paired_meter import PairedMeterRepository
from ihd_app.store.security_log import SecurityLog
from ihd_app.store.settings import JsonValue, Settings
from ihd_app.store.tariffs import TariffRepository
from tests.support import METER_ID, NOW


def _tariff(fuel: Fuel, name: str, effective_from: datetime) -> Tariff:
    return Tariff(
        fuel=fuel,
        name=name,
        bands=(
            RateBand("Off-peak", time(0), time(7), 7.5),
            RateBand("Peak", time(7), time(0), 28.620001),
        ),
        standing_charge_pence_per_day=53.35,
        effective_from=effective_from,
    )


def test_tariffs_round_trip_and_apply_from_their_start(db: Database) -> None:
    repository = TariffRepository(db)
    old = _tariff(Fuel.ELECTRICITY, "Flex", NOW - timedelta(days=90))
    new = _tariff(Fuel.ELECTRICITY, "Go", NOW)
    gas = Tariff(Fuel.GAS, "Standard", (RateBand("All day", time(0), time(0), 6.2),), 29.6, NOW)
    for tariff in (new, gas, old):
        repository.save(tariff)
    assert repository.current(Fuel.ELECTRICITY, NOW - timedelta(seconds=1)) == old
    assert repository.current(Fuel.ELECTRICITY, NOW) == new
    assert repository.current(Fuel.GAS, NOW + timedelta(days=1)) == gas
    assert repository.current(Fuel.GAS, NOW - timedelta(days=1)) is None
    assert repository.history(Fuel.ELECTRICITY) == [old, new]
    renamed = _tariff(Fuel.ELECTRICITY, "Go Faster", NOW)
    repository.save(renamed)
    assert repository.history(Fuel.ELECTRICITY) == [old, renamed]
    assert repository.delete(Fuel.ELECTRICITY, NOW - timedelta(days=90))
    assert not repository.delete(Fuel.ELECTRICITY, NOW - timedelta(days=90))
    assert repository.history(Fuel.ELECTRICITY) == [renamed]


def _event(minutes: int, reason: str, **extra: object) -> SecurityEvent:
    return SecurityEvent(
        NOW + timedelta(minutes=minutes),
        reason,
        f"detail {minutes}",
        f"explanation {minutes}",
        **extra,  # type: ignore[arg-type]
    )


def test_security_log_round_trips_newest_first_and_counts_by_reason(db: Database) -> None:
    log = SecurityLog(db)
    events = [
        _event(0, "bad-signature", claimed_originator="dno-1", claimed_type="x", size=512),
        _event(1, "replay", notified=True),
        _event(2, "bad-signature"),
        _event(3, "expired"),
        _event(4, "bad-signature", size=4096, notified=True),
    ]
    for event in events:
        log.append(event)
    assert log.events() == events[::-1]
    assert log.events(limit=2) == events[:2:-1]
    assert log.events(reason="bad-signature") == [events[4], events[2], events[0]]
    assert log.count() == 5
    assert log.count_by_reason() == {"bad-signature": 3, "expired": 1, "replay": 1}
    assert list(log.count_by_reason()) == ["bad-signature", "expired", "replay"]


def test_consents_round_trip_per_party_and_purpose(db: Database) -> None:
    repository = ConsentRepository(db)
    assert repository.get("dno", "network-planning") is None
    dno = Grant("dno", "network-planning", Granularity.DAILY, NOW + timedelta(days=365), NOW)
    advice = Grant("supplier", "energy-advice", None, None, NOW + timedelta(hours=1))
    repository.save(advice)
    repository.save(dno)
    assert repository.get("dno", "network-planning") == dno
    assert repository.all() == [dno, advice]
    withdrawn = Grant("dno", "network-planning", None, None, NOW + timedelta(days=1))
    repository.save(withdrawn)
    assert repository.get("dno", "network-planning") == withdrawn
    assert repository.all() == [withdrawn, advice]


def test_paired_meter_save_touch_and_forget(tmp_path: Path) -> None:
    meter = PairedMeter("C0:FF:EE:00:00:01", METER_ID, "Demo meter", bytes(range(32)), NOW, NOW)
    with Database.in_data_dir(tmp_path) as db:
        repository = PairedMeterRepository(db)
        assert repository.get() is None
        assert not repository.touch(NOW)
        repository.save(meter)
    with Database.in_data_dir(tmp_path) as db:
        repository = PairedMeterRepository(db)
        assert repository.get() == meter
        later = NOW + timedelta(hours=5)
        assert repository.touch(later)
        assert repository.get() == PairedMeter(
            meter.address, meter.meter_id, meter.name, meter.certificate_sha256, NOW, later
        )
        other = PairedMeter("C0:FF:EE:00:00:02", "other", "Second", b"\x01" * 32, later, later)
        repository.save(other)
        assert repository.get() == other
        assert db.connection.execute("SELECT COUNT(*) FROM paired_meter").fetchone()[0] == 1
        assert repository.forget()
        assert not repository.forget()
        assert repository.get() is None


def test_settings_hold_json_values_with_defaults(db: Database) -> None:
    settings = Settings(db)
    assert settings.get("theme") is None
    assert settings.get("theme", "light") == "light"
    values: dict[str, JsonValue] = {
        "theme": "dark",
        "brightness": 0.75,
        "volume": 3,
        "muted": False,
        "nothing": None,
        "budget": {"daily_pence": 250, "alert": True, "fuels": ["electricity", "gas"]},
    }
    for key, value in values.items():
        settings.set(key, value)
    for key, value in values.items():
        assert settings.get(key, "default") == value
    assert settings.all() == dict(sorted(values.items()))
    settings.set("theme", "light")
    assert settings.get("theme") == "light"
    assert settings.delete("theme")
    assert not settings.delete("theme")
    assert settings.get("theme", "system") == "system"
    with pytest.raises(ValueError, match="JSON"):
        settings.set("bad", math.nan)
    assert settings.get("bad") is None


def test_datetimes_keep_their_offset(db: Database) -> None:
    at = datetime(2026, 6, 1, 9, 30, tzinfo=UTC).astimezone()
    ConsentRepository(db).save(Grant("dno", "network-planning", Granularity.DAILY, at, at))
    stored = ConsentRepository(db).get("dno", "network-planning")
    assert stored is not None
    assert stored.changed_at == at
    assert stored.changed_at.utcoffset() == at.utcoffset()
