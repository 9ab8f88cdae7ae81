"""History ranges: the ``periods`` detail of ``history.request`` and the responses answering it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from ihd_app.protocol.compose import compose
from ihd_app.protocol.history_range import (
    MAX_RANGE_PERIODS,
    PERIODS_DETAIL,
    HistoryRange,
    RangeError,
    range_request,
    requested_range,
    response_blocks,
)
from ihd_app.protocol.zcl import Endpoint, GetProfile, decode_unit

END = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _get_profile(periods: int) -> GetProfile:
    return GetProfile(interval_channel=0, end_time=1, number_of_periods=periods)


def test_without_periods_a_request_is_its_get_profile_alone() -> None:
    assert requested_range(_get_profile(48), {}) == HistoryRange(48)
    assert HistoryRange(48).responses == 1


@pytest.mark.parametrize(
    ("periods", "responses"), [(255, 1), (256, 2), (510, 2), (511, 3), (MAX_RANGE_PERIODS, 76)]
)
def test_a_range_is_answered_by_enough_responses(periods: int, responses: int) -> None:
    wanted = requested_range(_get_profile(min(255, periods)), {PERIODS_DETAIL: periods})
    assert wanted == HistoryRange(periods)
    assert wanted.responses == responses


def test_above_thirteen_months_only_the_newest_thirteen_months_are_answered() -> None:
    wanted = requested_range(_get_profile(255), {PERIODS_DETAIL: MAX_RANGE_PERIODS + 1})
    assert wanted == HistoryRange(MAX_RANGE_PERIODS, clamped=True)


@pytest.mark.parametrize("periods", [0, -5, True, 1.5, "600", [600]])
def test_a_periods_detail_that_is_not_a_count_is_refused(periods: object) -> None:
    with pytest.raises(RangeError, match="whole number"):
        requested_range(_get_profile(1), {PERIODS_DETAIL: periods})


@pytest.mark.parametrize(("number_of_periods", "periods"), [(254, 600), (10, 600), (48, 47)])
def test_a_get_profile_that_disagrees_with_its_range_is_refused(
    number_of_periods: int, periods: int
) -> None:
    with pytest.raises(RangeError, match="disagrees"):
        requested_range(_get_profile(number_of_periods), {PERIODS_DETAIL: periods})


def test_responses_run_newest_first_each_ending_where_the_previous_began() -> None:
    blocks = list(response_blocks(END, 600))
    assert [count for _, count in blocks] == [255, 255, 90]
    assert blocks[0][0] == END
    for (end, count), (next_end, _) in itertools.pairwise(blocks):
        assert next_end == end - timedelta(minutes=30) * count
    assert sum(count for _, count in response_blocks(END, MAX_RANGE_PERIODS)) == MAX_RANGE_PERIODS


def test_a_range_request_keeps_a_valid_get_profile_and_signs_the_whole_range() -> None:
    payload, details = compose(range_request(Endpoint.GAS, END, 19_000))
    unit = decode_unit(payload)
    assert unit.endpoint is Endpoint.GAS
    assert isinstance(unit.command, GetProfile)
    assert unit.command.number_of_periods == 255
    assert details == {PERIODS_DETAIL: 19_000}
    assert requested_range(unit.command, details) == HistoryRange(19_000)


def test_a_range_that_fits_one_get_profile_is_sent_as_before() -> None:
    payload, details = compose(range_request(Endpoint.ELECTRICITY, END, 200))
    command = decode_unit(payload).command
    assert isinstance(command, GetProfile)
    assert command.number_of_periods == 200
    assert details == {}


@pytest.mark.parametrize("periods", [0, MAX_RANGE_PERIODS + 1])
def test_a_display_cannot_ask_for_a_range_out_of_bounds(periods: int) -> None:
    with pytest.raises(ValueError, match="half hours"):
        range_request(Endpoint.ELECTRICITY, END, periods)
