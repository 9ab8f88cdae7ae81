"""The meter's profile log gives exactly the household model's half hours, however it is read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ihd_app.protocol.history_range import MAX_RANGE_PERIODS
from meter_emulator.history import HalfHourHistory
from meter_emulator.simulation import profile_log
from meter_emulator.simulation.household import Household, interval_energy_wh
from meter_emulator.simulation.profile_log import ProfileLog

HALF_HOUR = timedelta(minutes=30)
END = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HOUSEHOLD = Household(seed=7, solar_peak_w=2500.0)


def _model(fuel: str, end: datetime, periods: int) -> list[float]:
    return [interval_energy_wh(HOUSEHOLD, end - HALF_HOUR * (n + 1), fuel) for n in range(periods)]


@pytest.mark.parametrize("fuel", ["electricity", "gas"])
def test_the_log_holds_the_models_half_hours_newest_first(fuel: str) -> None:
    log = ProfileLog(HOUSEHOLD, keep=500)
    assert log.record_until(END)
    assert log.energy_wh(fuel, END, 500) == _model(fuel, END, 500)
    # Part of a range ending before the newest half hour logged.
    earlier = END - HALF_HOUR * 37
    assert log.energy_wh(fuel, earlier, 200) == _model(fuel, earlier, 200)


def test_half_hours_older_than_the_log_come_from_the_model() -> None:
    log = ProfileLog(HOUSEHOLD, keep=100)
    log.record_until(END)
    assert log.energy_wh("gas", END, 300) == _model("gas", END, 300)
    long_ago = END - HALF_HOUR * 1000
    assert log.energy_wh("electricity", long_ago, 20) == _model("electricity", long_ago, 20)


def test_the_log_is_appended_to_as_time_passes_and_keeps_its_length_bounded() -> None:
    log = ProfileLog(HOUSEHOLD, keep=100)
    log.record_until(END)
    for hours in range(1, 200, 7):
        later = END + HALF_HOUR * hours
        assert log.energy_wh("electricity", later, 100) == _model("electricity", later, 100)
        first, end = log.span
        assert end - first <= 200
    assert log.span[1] == profile_log.slot_index(END + HALF_HOUR * 197)


def test_a_clock_set_far_ahead_or_back_starts_the_log_again() -> None:
    log = ProfileLog(HOUSEHOLD, keep=100)
    log.record_until(END)
    ahead = END + timedelta(days=400)
    assert log.energy_wh("gas", ahead, 150) == _model("gas", ahead, 150)
    back = END - timedelta(days=30)
    log.record_until(back)
    assert log.span == (profile_log.slot_index(back) - 100, profile_log.slot_index(back))
    assert log.energy_wh("electricity", back, 120) == _model("electricity", back, 120)


def test_an_end_off_the_half_hour_is_computed_as_before() -> None:
    log = ProfileLog(HOUSEHOLD, keep=100)
    log.record_until(END)
    odd = END - timedelta(minutes=7)
    assert log.energy_wh("electricity", odd, 50) == _model("electricity", odd, 50)


async def test_filling_in_slices_gives_the_same_log() -> None:
    sliced, whole = ProfileLog(HOUSEHOLD, keep=3000), ProfileLog(HOUSEHOLD, keep=3000)
    await sliced.fill(END)
    whole.record_until(END)
    assert sliced.span == whole.span
    assert sliced.energy_wh("gas", END, 3000) == whole.energy_wh("gas", END, 3000)


async def test_history_is_read_from_the_log_once_filled(monkeypatch: pytest.MonkeyPatch) -> None:
    """13 months answered from the log: the model is not evaluated again per request."""
    calls = 0

    def counted(household: Household, start: datetime, fuel: str) -> float:
        nonlocal calls
        calls += 1
        return interval_energy_wh(household, start, fuel)

    monkeypatch.setattr(profile_log, "interval_energy_wh", counted)
    history = HalfHourHistory(HOUSEHOLD, lambda: None, lambda: END + timedelta(minutes=10))
    await history._log.fill(END)
    filled = calls
    assert history.energy_wh("gas", END, 5000) == [round(wh) for wh in _model("gas", END, 5000)]
    assert calls == filled
    assert history._log.span[1] - history._log.span[0] == MAX_RANGE_PERIODS
