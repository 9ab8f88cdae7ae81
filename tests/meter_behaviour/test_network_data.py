"""The meter answers the DNO's and the gas network's network-data requests under the consumer's
consent, and pushes at the interval the DNO set until it is cancelled or consent is withdrawn
(seed 01 scenario 1, 04, 05). A real meter runtime (not on the air), real signatures and
encryption; its wall and simulation clocks move only when the test says."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.consent_terms import Granularity
from meter_emulator.simulation.voltage import HIGH_LIMIT_V, LOW_LIMIT_V
from tests.meter_behaviour.network_support import START, Meter, manual_meter


@pytest.fixture
def meter(tmp_path: Path) -> Meter:
    return manual_meter(tmp_path)


def test_with_consent_the_dno_reads_plausible_half_hourly_voltage(meter: Meter) -> None:
    meter.consent("dno", "voltage-quality", Granularity.HALF_HOURLY)
    key = meter.ask("dno", "voltage")
    (delivered,) = meter.named("netdata.delivered", key=key)
    assert delivered["status"] == "data"
    assert delivered["opened_by_operator"], delivered["operator_problem"]
    rows = delivered["operator_rows"]
    assert len(rows) == 48
    for row in rows:
        assert LOW_LIMIT_V <= row["min_v"] <= row["mean_v"] <= row["max_v"] <= HIGH_LIMIT_V
    (opened,) = meter.runtime.operator.network_data.received(key)
    assert opened.claims.audience == meter.runtime.identity_of("dno").entity_id
    # The household's data-access log hears of it.
    (access,) = meter.named("data.access", key=key)
    assert access["granted"]
    assert access["purpose"] == "voltage-quality"


def test_without_consent_half_hourly_voltage_is_refused_and_daily_is_the_licence(
    meter: Meter,
) -> None:
    key = meter.ask("dno", "voltage")
    (refused,) = meter.named("netdata.refused", key=key)
    assert refused["allowed"] == "daily"
    assert "ask for daily totals" in refused["detail"]
    assert not meter.named("netdata.delivered", key=key)
    assert meter.runtime.operator.network_data.received(key) == []

    daily = meter.ask("dno", "voltage", periods=96, granularity="daily")
    (delivered,) = meter.named("netdata.delivered", key=daily)
    assert delivered["basis"] == "licence"
    assert 2 <= len(delivered["operator_rows"]) <= 3


def test_export_only_in_daylight_import_alongside(meter: Meter) -> None:
    meter.consent("dno", "network-planning", Granularity.HALF_HOURLY)
    exported = meter.named("netdata.delivered", key=meter.ask("dno", "export"))[0]
    by_hour = {datetime.fromisoformat(r["start"]).hour: r["wh"] for r in exported["operator_rows"]}
    assert by_hour[1] == 0, "no export at night"
    assert by_hour[23] == 0, "no export at night"
    assert by_hour[12] > 0, "the panels export at midday"
    imported = meter.named("netdata.delivered", key=meter.ask("dno", "import"))[0]
    assert len(imported["operator_rows"]) == 48
    assert all(r["wh"] >= 0 for r in imported["operator_rows"])


def test_a_party_asking_for_anothers_kind_is_told_what_it_may_ask_for(meter: Meter) -> None:
    key = meter.ask("gdn", "voltage")
    (refused,) = meter.named("netdata.refused", key=key)
    assert refused["may_ask"] == ["gas-demand"]
    assert "gdn may ask for: gas-demand" in refused["detail"]
    (gas,) = meter.named(
        "netdata.delivered", key=meter.ask("gdn", "gas-demand", granularity="monthly")
    )
    assert gas["basis"] == "licence"
    assert gas["rows"] >= 1


def test_a_supplier_may_not_send_a_network_data_request(meter: Meter) -> None:
    record = meter.runtime.operator.send(
        "supplier", MessageRequest("netdata.request", extra_details={"kind": "voltage"})
    )
    assert record.refused_reason == "role-not-authorised"


def test_no_data_found_for_a_range_the_meter_does_not_hold(meter: Meter) -> None:
    meter.consent("dno", "voltage-quality", Granularity.HALF_HOURLY)
    long_ago = (START - timedelta(days=500)).isoformat()
    key = meter.ask("dno", "voltage", end=long_ago)
    (answer,) = meter.named("netdata.delivered", key=key)
    assert answer["status"] == "no-data"
    assert answer["operator_rows"] == []
    assert "No voltage min/mean/max found" in answer["detail"]
    # Power-quality events are kept three months only.
    old = (START - timedelta(days=100)).isoformat()
    (pq,) = meter.named("netdata.delivered", key=meter.ask("dno", "power-quality", end=old))
    assert pq["status"] == "no-data"


def test_outage_records_and_energisation_status_come_from_the_meter(meter: Meter) -> None:
    behaviour = meter.runtime.behaviour
    behaviour.start_outage()
    (status,) = meter.named("netdata.delivered", key=meter.ask("dno", "energisation"))
    assert status["basis"] == "licence"
    assert status["operator_rows"][0]["network_power"] is False
    assert status["operator_rows"][0]["supply"] == "off"
    meter.advance(timedelta(minutes=40))
    behaviour.end_outage()
    meter.advance(timedelta(minutes=30))
    (records,) = meter.named("netdata.delivered", key=meter.ask("dno", "outages"))
    (outage,) = records["operator_rows"]
    assert outage["duration_s"] == 40 * 60
    (now_on,) = meter.named("netdata.delivered", key=meter.ask("dno", "energisation"))
    assert now_on["operator_rows"][0]["supply"] == "on"
    assert 216 <= now_on["operator_rows"][0]["voltage_v"] <= 253


def subscribe(meter: Meter, kind: str, interval_min: int) -> str:
    request = MessageRequest(
        "netdata.subscribe", extra_details={"kind": kind, "interval_min": interval_min}
    )
    return meter.runtime.operator.send("dno", request).key


def test_the_meter_pushes_at_the_dnos_interval_until_cancelled(meter: Meter) -> None:
    meter.consent("dno", "voltage-quality", Granularity.HALF_HOURLY)
    key = subscribe(meter, "voltage", 60)
    assert meter.named("netdata.subscribed", key=key)[0]["interval_min"] == 60
    service = meter.runtime.network_data
    meter.advance(timedelta(minutes=59))
    assert service.tick() == 0
    meter.advance(timedelta(minutes=1))
    assert service.tick() == 1
    meter.advance(timedelta(minutes=120))
    assert service.tick() == 2
    pushes = meter.runtime.operator.network_data.received(key)
    assert [p.response.push for p in pushes] == [1, 2, 3]
    assert [len(p.response.rows) for p in pushes] == [2, 2, 2], "two half hours an hour"
    assert pushes[1].response.start == pushes[0].response.end, "no gap, no overlap"

    cancel = MessageRequest("netdata.unsubscribe", extra_details={"subscription": key})
    meter.runtime.operator.send("dno", cancel)
    (stopped,) = meter.named("netdata.push-stopped", key=key)
    assert stopped["pushes"] == 3
    assert "cancelled by" in stopped["reason"]
    meter.advance(timedelta(hours=5))
    assert service.tick() == 0


def test_withdrawn_consent_stops_the_pushes(meter: Meter) -> None:
    meter.consent("dno", "network-planning", Granularity.HALF_HOURLY)
    key = subscribe(meter, "export", 30)
    meter.advance(timedelta(minutes=30))
    assert meter.runtime.network_data.tick() == 1
    meter.consent("dno", "network-planning", None)
    meter.advance(timedelta(minutes=30))
    assert meter.runtime.network_data.tick() == 0
    (stopped,) = meter.named("netdata.push-stopped", key=key)
    assert "has not been given" in stopped["reason"] or "no data" in stopped["reason"]
    assert meter.runtime.network_data.subscriptions == []


def test_a_bad_interval_is_refused_in_one_sentence(meter: Meter) -> None:
    key = subscribe(meter, "voltage", 7)
    (refused,) = meter.named("netdata.refused", key=key)
    assert "interval_min must be whole half hours" in refused["detail"]
    assert meter.runtime.network_data.subscriptions == []


def test_the_longest_request_255_half_hours_of_voltage_arrives_whole(meter: Meter) -> None:
    meter.consent("dno", "voltage-quality", Granularity.HALF_HOURLY)
    (delivered,) = meter.named("netdata.delivered", key=meter.ask("dno", "voltage", periods=255))
    assert delivered["opened_by_operator"], delivered["operator_problem"]
    assert len(delivered["operator_rows"]) == 255


def test_power_quality_events_without_consent_are_not_offered_coarser(meter: Meter) -> None:
    (refused,) = meter.named("netdata.refused", key=meter.ask("dno", "power-quality"))
    assert refused["allowed"] is None
    assert "time-stamped" in refused["detail"]
    assert "ask for daily" not in refused["detail"]
