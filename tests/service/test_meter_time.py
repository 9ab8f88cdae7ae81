"""The display goes by the meter's proven time when its own clock is off, and says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ihd_app.service.meter_time import CORRECTION_THRESHOLD_S, MeterTime, describe_correction

LOCAL = datetime(1970, 1, 1, 0, 10, tzinfo=UTC)


def _meter_time() -> tuple[MeterTime, list[dict[str, object]], list[int]]:
    events: list[dict[str, object]] = []
    changes: list[int] = []
    clock = MeterTime(
        lambda: LOCAL,
        lambda name, **fields: events.append({"event": name, **fields}),
        lambda: changes.append(1),
    )
    return clock, events, changes


def test_a_display_far_off_runs_on_the_meters_time_and_says_how_far_off_it_was() -> None:
    clock, events, changes = _meter_time()
    meter_now = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)

    clock.learn((meter_now - LOCAL).total_seconds())

    assert clock.now() == meter_now
    assert clock.local() == LOCAL
    assert events[-1]["event"] == "clock.from-meter"
    assert events[-1]["corrected"] is True
    assert "own clock is" in str(events[-1]["detail"])
    assert "behind" in str(events[-1]["detail"])
    assert changes == [1]


def test_clocks_that_agree_are_left_alone_and_nothing_is_said() -> None:
    clock, events, changes = _meter_time()

    clock.learn(CORRECTION_THRESHOLD_S - 1)

    assert clock.now() == LOCAL
    assert clock.correction_s is None
    assert events == []
    assert changes == []


def test_a_correction_ends_when_a_later_handshake_finds_the_clocks_agree() -> None:
    clock, events, _ = _meter_time()
    clock.learn(-600)
    assert clock.correction_s == -600
    assert clock.now() == LOCAL - timedelta(minutes=10)

    clock.learn(0.4)

    assert clock.correction_s is None
    assert clock.now() == LOCAL
    assert events[-1]["corrected"] is False


def test_the_sentence_says_which_way_and_how_far_in_words_people_read() -> None:
    assert describe_correction(None) == "This display's clock agrees with the meter's."
    nbsp = "\u00a0"
    assert describe_correction(599) == (
        f"Time taken from the meter: this display's own clock is 10{nbsp}min behind."
    )
    assert describe_correction(-45) == (
        f"Time taken from the meter: this display's own clock is 45{nbsp}s ahead."
    )
    assert describe_correction(-90_000) == (
        f"Time taken from the meter: this display's own clock is 25{nbsp}h 0{nbsp}min ahead."
    )
