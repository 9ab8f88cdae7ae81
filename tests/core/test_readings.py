"""Readings as the display shows them: watts and watt-hours for both fuels."""

from __future__ import annotations

import random

import pytest

from ihd_app.core.readings import GAS_KWH_PER_M3, Fuel, ReadingTracker
from ihd_app.link.reconnect import ReconnectPolicy
from ihd_app.protocol.zcl import (
    Endpoint,
    SupplyStatus,
    UnitOfMeasure,
    demand_report,
    formatting_report,
    summation_report,
    supply_status_report,
)
from tests.support import NOW


def test_electricity_demand_and_register_in_watts() -> None:
    tracker = ReadingTracker()
    tracker.apply(Endpoint.ELECTRICITY, formatting_report(UnitOfMeasure.KWH, 1, 1000), NOW)
    reading = tracker.apply(Endpoint.ELECTRICITY, demand_report(1234), NOW)
    assert reading is not None
    assert reading.demand_w == pytest.approx(1234)
    reading = tracker.apply(Endpoint.ELECTRICITY, summation_report(5_432_100), NOW)
    assert reading is not None
    assert reading.summation_wh == pytest.approx(5_432_100)
    assert reading.demand_w == pytest.approx(1234), "a summation report keeps the last demand"
    assert reading.to_event() == {
        "fuel": "electricity",
        "demand_w": 1234.0,
        "summation_wh": 5432100.0,
    }


def test_gas_volume_is_shown_as_energy() -> None:
    tracker = ReadingTracker()
    tracker.apply(Endpoint.GAS, formatting_report(UnitOfMeasure.M3, 1, 1000), NOW)
    reading = tracker.apply(Endpoint.GAS, summation_report(1000), NOW)  # 1 m3
    assert reading is not None
    assert reading.fuel is Fuel.GAS
    assert reading.summation_wh == pytest.approx(GAS_KWH_PER_M3 * 1000)


def test_export_is_negative_demand() -> None:
    tracker = ReadingTracker()
    reading = tracker.apply(Endpoint.ELECTRICITY, demand_report(-850), NOW)
    assert reading is not None
    assert reading.demand_w == pytest.approx(-850)


def test_supply_status_alone_is_not_a_new_reading_but_is_kept() -> None:
    tracker = ReadingTracker()
    assert tracker.apply(Endpoint.ELECTRICITY, supply_status_report(SupplyStatus.OFF), NOW) is None
    latest = tracker.latest(Fuel.ELECTRICITY)
    assert latest is not None
    assert latest.supply is SupplyStatus.OFF


def test_reconnect_backoff_grows_caps_and_jitters() -> None:
    policy = ReconnectPolicy(initial_s=0.5, factor=2, max_s=8, jitter=0.3)
    rng = random.Random(1)
    delays = [policy.delay(n, rng) for n in range(8)]
    for attempt, delay in enumerate(delays):
        base = min(8, 0.5 * 2**attempt)
        assert base <= delay <= base * 1.3
    assert len({round(d, 6) for d in delays[5:]}) > 1, "jitter must spread capped delays"
