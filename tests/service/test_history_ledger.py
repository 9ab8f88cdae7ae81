"""The backfill's accounting of history ranges: half hours asked for, arrived, given up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ihd_app.core.readings import Fuel
from ihd_app.service.history_ledger import Arrival, HistoryLedger

END = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HALF_HOUR = timedelta(minutes=30)


def _asked(*requests: tuple[Fuel, datetime, int]) -> HistoryLedger:
    ledger = HistoryLedger()
    for fuel, end, periods in requests:
        ledger.asked(fuel, end, periods)
    return ledger


def test_every_response_of_a_range_counts_its_half_hours_once() -> None:
    ledger = _asked((Fuel.ELECTRICITY, END, 600))
    assert ledger.outstanding == 600
    first = ledger.arrived(Fuel.ELECTRICITY, END, 255, complete=True)
    assert first == Arrival(new=255, given_up=0)
    assert ledger.arrived(Fuel.ELECTRICITY, END, 255, complete=True) == Arrival(0, 0)  # again
    ledger.arrived(Fuel.ELECTRICITY, END - HALF_HOUR * 255, 255, complete=True)
    assert ledger.outstanding == 90
    assert ledger.waiting
    last = ledger.arrived(Fuel.ELECTRICITY, END - HALF_HOUR * 510, 90, complete=True)
    assert last == Arrival(new=90, given_up=0)
    assert not ledger.waiting


def test_a_response_of_the_other_fuel_or_of_nothing_asked_counts_nothing() -> None:
    ledger = _asked((Fuel.ELECTRICITY, END, 48))
    assert ledger.arrived(Fuel.GAS, END, 48, complete=True) == Arrival(0, 0)
    assert ledger.arrived(Fuel.ELECTRICITY, END + HALF_HOUR * 48, 10, complete=True).new == 0
    assert ledger.outstanding == 48


def test_a_shifted_answer_ends_its_request_and_gives_up_the_rest() -> None:
    # The meter's clock is an hour behind: its range ends two half hours early.
    ledger = _asked((Fuel.GAS, END, 100))
    shifted = ledger.arrived(Fuel.GAS, END - 2 * HALF_HOUR, 100, complete=True)
    assert shifted == Arrival(new=98, given_up=2)
    assert not ledger.waiting


def test_a_short_answer_ends_the_oldest_request_of_its_fuel() -> None:
    ledger = _asked((Fuel.GAS, END, 600), (Fuel.GAS, END - HALF_HOUR * 1000, 10))
    short = ledger.arrived(Fuel.GAS, END, 255, complete=False)
    assert short == Arrival(new=255, given_up=345)
    assert ledger.outstanding == 10


def test_requests_in_flight_are_counted_separately_per_fuel() -> None:
    ledger = _asked((Fuel.ELECTRICITY, END, 300), (Fuel.GAS, END, 300))
    ledger.arrived(Fuel.ELECTRICITY, END, 255, complete=True)
    ledger.arrived(Fuel.ELECTRICITY, END - HALF_HOUR * 255, 45, complete=True)
    assert ledger.outstanding == 300
    assert ledger.arrived(Fuel.GAS, END, 255, complete=True).new == 255


def test_an_undelivered_request_is_withdrawn_and_a_drop_forgets_all() -> None:
    ledger = HistoryLedger()
    ledger.asked(Fuel.ELECTRICITY, END, 300)
    gas = ledger.asked(Fuel.GAS, END, 300)
    assert ledger.withdraw(gas)
    assert ledger.outstanding == 300
    assert ledger.arrived(Fuel.GAS, END, 255, complete=True).new == 0
    ledger.clear()
    assert not ledger.waiting


def test_a_request_answered_before_its_write_failed_is_not_withdrawn() -> None:
    # The answer finished it; withdrawing must not take another request off in its place.
    ledger = HistoryLedger()
    electricity = ledger.asked(Fuel.ELECTRICITY, END, 300)
    gas = ledger.asked(Fuel.GAS, END, 255)
    ledger.arrived(Fuel.GAS, END, 255, complete=True)
    assert not ledger.withdraw(gas)
    assert ledger.outstanding == 300
    assert ledger.withdraw(electricity)
    assert not ledger.waiting
