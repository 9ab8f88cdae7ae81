"""The emulator window's models and form, without widgets: what each row says, and what the
compose form asks the meter to sign."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ihd_app.protocol.zcl import Endpoint, Importance
from meter_emulator.attacks.console import AttackRecord
from meter_emulator.operator.status import MessageRecord
from meter_emulator.ui.models import events as event_models
from meter_emulator.ui.models.attacks import AttackResultsModel, verdict
from meter_emulator.ui.models.events import EventLogModel
from meter_emulator.ui.models.messages import MessageStatusModel, outcome
from meter_emulator.ui.panels.compose_form import FormValues, build_request

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def wall_after(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def record(**fields: Any) -> MessageRecord:
    base: dict[str, Any] = {
        "key": "k1",
        "origin": "operator",
        "role": "dno",
        "originator": "dno-id",
        "type": "outage.planned",
        "message_id": 7,
        "text": "Power cut",
        "created_at": NOW,
    }
    return MessageRecord(**(base | fields))


def test_a_message_row_says_how_far_it_got_and_why_it_stopped(qapp: Any) -> None:
    delivered = record(forwarded_at=NOW, receipt_at=NOW, displayed_at=NOW)
    assert outcome(delivered).count(" · ") == 2
    assert outcome(record(acknowledged_at=NOW, acknowledged_answer=True)).endswith("(yes)")
    rejected = record(rejected_reason="expired", rejected_detail="too late", rejected_at="12:00")
    assert outcome(rejected) == "rejected by the IHD at 12:00: expired: too late"
    refused = record(refused_reason="role-not-authorised", refused_detail="not allowed")
    assert outcome(refused).startswith("refused by the meter: role-not-authorised")
    model = MessageStatusModel()
    older = record(key="old", created_at=NOW - timedelta(minutes=1))
    model.show_records([older, refused])
    assert [model.key_of(0), model.key_of(1)] == ["k1", "old"]  # newest first
    assert model.cell(0, 3) == "refused"


def test_an_attack_row_compares_the_reason_given_with_the_one_expected(qapp: Any) -> None:
    sent = AttackRecord("expired", "expired", frozenset({"k"}), NOW)
    assert verdict(sent) == "waiting for the IHD"
    sent.reason = "expired"
    assert verdict(sent) == "refused, as expected"
    wrong = AttackRecord("replay", "replay", frozenset({"r"}), NOW, reason="expired")
    assert "instead of 'replay'" in verdict(wrong)
    accepted = AttackRecord("unsigned", "malformed", frozenset({"u"}), NOW, accepted=True)
    assert verdict(accepted).startswith("ACCEPTED")
    model = AttackResultsModel()
    model.show_records([sent, wrong])
    assert model.cell(0, 1) == "replay"  # newest first


def test_the_event_log_keeps_the_newest_events(qapp: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(event_models, "KEEP", 3)
    model = EventLogModel()
    model.add([{"ts": f"2026-11-22T12:00:0{n}.000+00:00", "event": f"e{n}"} for n in range(5)])
    assert [model.cell(r, 1) for r in range(model.rowCount())] == ["e2", "e3", "e4"]
    assert model.cell(0, 0) == "12:00:02.000"
    assert model.export_lines().count("\n") == 3


def test_the_form_builds_each_kind_of_request() -> None:
    outage = build_request(
        FormValues(
            "outage.planned",
            text=" Cut ",
            importance=Importance.HIGH,
            confirmation_required=True,
            outage_in_h=2,
            outage_hours=3,
        ),
        wall_after,
    )
    assert outage.text == "Cut"
    assert outage.outage_start == NOW + timedelta(hours=2)
    assert outage.outage_end == NOW + timedelta(hours=5)
    assert outage.confirmation_required
    threshold = build_request(
        FormValues("power.threshold-set", threshold_kw=5.5, grace_s=30), wall_after
    )
    assert (threshold.threshold_kw, threshold.grace_s) == (5.5, 30)
    tariff = build_request(
        FormValues("tariff.price", price_pence_per_kwh=7.1, rate_label="Gas", gas=True),
        wall_after,
    )
    assert tariff.fuel is Endpoint.GAS
    assert tariff.standing_charge_pence_per_day is None
    gas = build_request(FormValues("gas.message", text="Works", start_in_min=10), wall_after)
    assert gas.fuel is Endpoint.GAS
    assert gas.start == NOW + timedelta(minutes=10)
    assert build_request(FormValues("data.request", periods=12), wall_after).periods == 12
    daily = build_request(
        FormValues("data.request", purpose="network-planning", granularity="daily"), wall_after
    )
    assert daily.extra_details == {"purpose": "network-planning", "granularity": "daily"}


def test_a_flexibility_event_row_says_what_the_meter_controls_and_the_displays_answer(
    qapp: Any,
) -> None:
    event = record(
        type="demand.event",
        forwarded_at=NOW,
        receipt_at=NOW,
        outcome="the meter does not control EV charger: the householder has not agreed to it",
        event_status="00-1D-A6-00-00-00-01-01: opted_out",
    )
    said = outcome(event)
    assert said.startswith("forwarded ")
    assert "does not control EV charger" in said
    assert said.endswith("00-1D-A6-00-00-00-01-01: opted_out")
