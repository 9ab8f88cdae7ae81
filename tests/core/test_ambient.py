"""The ambient light: thresholds, colours and hysteresis."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest

from ihd_app.core.ambient import (
    DEFAULT_THRESHOLDS,
    AmbientIndicator,
    AmbientLevel,
    AmbientThresholds,
    ambient_level,
)

LOW, MEDIUM, HIGH = AmbientLevel.LOW, AmbientLevel.MEDIUM, AmbientLevel.HIGH


@pytest.mark.parametrize(
    ("demand_w", "level"),
    [(-900, LOW), (0, LOW), (299.9, LOW), (300, MEDIUM), (1499, MEDIUM), (1500, HIGH), (9e3, HIGH)],
)
def test_default_thresholds(demand_w: float, level: AmbientLevel) -> None:
    assert ambient_level(demand_w) is level


def test_colours() -> None:
    assert [level.colour for level in AmbientLevel] == ["green", "amber", "red"]
    assert AmbientThresholds(300, 1500, 0.1) == DEFAULT_THRESHOLDS


def test_up_at_once_down_only_past_the_margin() -> None:
    indicator = AmbientIndicator()
    seen = [indicator.update(w) for w in (310, 295, 305, 271, 269, 280, 299, 300)]
    assert seen == [MEDIUM, MEDIUM, MEDIUM, MEDIUM, LOW, LOW, LOW, MEDIUM]


def test_from_red_down_step_by_step() -> None:
    assert ambient_level(1400, HIGH) is HIGH  # above 1,350 W
    assert ambient_level(1349, HIGH) is MEDIUM
    assert ambient_level(280, HIGH) is MEDIUM  # not yet below 270 W
    assert ambient_level(100, HIGH) is LOW
    assert ambient_level(1600, LOW) is HIGH


def test_first_reading_and_missing_values() -> None:
    assert ambient_level(295, None) is LOW
    assert ambient_level(float("nan"), HIGH) is HIGH
    assert ambient_level(float("nan")) is LOW


def test_hysteresis_stops_flicker_at_a_threshold() -> None:
    rng = random.Random(7)
    noisy = [300 + rng.uniform(-20, 20) for _ in range(1000)]

    def changes(thresholds: AmbientThresholds) -> int:
        indicator = AmbientIndicator(thresholds)
        levels = [indicator.update(w) for w in noisy]
        return sum(a is not b for a, b in pairwise(levels))

    assert changes(AmbientThresholds(hysteresis=0)) > 100
    assert changes(DEFAULT_THRESHOLDS) <= 1


def test_custom_thresholds() -> None:
    gas = AmbientThresholds(medium_w=2_000, high_w=10_000, hysteresis=0.05)
    assert ambient_level(5_000, thresholds=gas) is MEDIUM
    assert ambient_level(9_600, HIGH, gas) is HIGH
    assert ambient_level(9_400, HIGH, gas) is MEDIUM


@pytest.mark.parametrize(
    ("medium", "high", "hysteresis"),
    [(0, 1500, 0.1), (1500, 300, 0.1), (300, 300, 0.1), (300, 1500, 1.0), (300, 1500, -0.1)],
)
def test_bad_thresholds(medium: float, high: float, hysteresis: float) -> None:
    with pytest.raises(ValueError, match="must"):
        AmbientThresholds(medium, high, hysteresis)
