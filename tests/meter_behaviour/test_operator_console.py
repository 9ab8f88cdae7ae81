"""The operator console: compose, sign, verify at the meter, forward, and follow each message
through the IHD's replies (seed use case 12: delivery receipt, message displayed,
acknowledgement, error notification with a timestamp)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.zcl import Importance
from meter_emulator.attacks.forgery import OTHER_METER_ID
from meter_emulator.operator.status import DeliveryStatus
from tests.meter_behaviour.support import Stack


async def test_status_follows_receipt_display_and_acknowledgement(stack: Stack) -> None:
    meter = stack.meter
    assert stack.ihd is not None
    start = datetime.now(UTC) + timedelta(hours=2)
    record = meter.operator.send(
        "dno",
        MessageRequest(
            "outage.planned",
            text="Planned power cut Tue 10:00-14:00",
            importance=Importance.HIGH,
            confirmation_required=True,
            outage_start=start,
            outage_end=start + timedelta(hours=4),
        ),
    )
    assert record.message_id
    sent = await stack.meter_events.wait("operator.sent", key=record.key)
    assert sent["status"] in ("queued", "forwarded")
    await stack.meter_events.wait("displayed", refers_to=record.key)
    row = meter.operator.status(record.key)
    assert row.status is DeliveryStatus.DISPLAYED
    assert row.forwarded_at is not None
    assert row.receipt_at is not None
    shown = stack.ihd.takeover_message()
    assert shown is not None
    assert shown.envelope == record.envelope, "the meter forwards the operator's bytes"
    assert shown.details["outage"] == {
        "start": start.isoformat(timespec="seconds"),
        "end": (start + timedelta(hours=4)).isoformat(timespec="seconds"),
    }

    await stack.ihd.acknowledge(shown.key)
    ack = await stack.meter_events.wait("ack.received", refers_to=record.key)
    assert ack["subject_role"] == "dno"
    assert row.status is DeliveryStatus.ACKNOWLEDGED
    assert row.acknowledged_at is not None
    assert row.acknowledged_answer is True
    table = meter.operator.table()
    assert table[0]["status"] == "acknowledged"
    assert table[0]["acknowledged_at"] is not None
    statuses = [e["status"] for e in stack.meter_events.named("status", key=record.key)]
    assert statuses == ["received", "displayed", "acknowledged"]


async def test_supersede_and_cancel_reach_the_ihd(stack: Stack) -> None:
    meter, ihd = stack.meter, stack.ihd_events
    assert stack.ihd is not None
    first = meter.operator.send(
        "gdn", MessageRequest("gas.message", text="Mains work tomorrow 09:00-12:00")
    )
    await ihd.wait("message.displayed", key=first.key)
    second = meter.operator.supersede(first.key, text="Mains work moved to Friday 09:00-12:00")
    assert second.message_id == first.message_id
    await ihd.wait("message.superseded", key=first.key)
    await ihd.wait("message.displayed", key=second.key)
    assert first.status is DeliveryStatus.SUPERSEDED
    assert [m.text for m in stack.ihd.current_messages()] == [
        "Mains work moved to Friday 09:00-12:00"
    ]

    meter.operator.cancel(second.key)
    await ihd.wait("message.cancelled", key=second.key)
    assert not stack.ihd.current_messages()
    assert second.status is DeliveryStatus.CANCELLED


async def test_meter_refuses_invalid_operator_messages_and_tells_the_operator(
    stack: Stack,
) -> None:
    meter = stack.meter
    refused = meter.operator.send(
        "supplier", MessageRequest("outage.emergency", text="Power cut now")
    )
    revoked = meter.operator.send(
        "supplier",
        MessageRequest("message.general", text="Pay now"),
        signer="revoked-supplier",
    )
    dno = meter.identity_of("dno")
    claims = new_claims(
        dno,
        "message.general",
        OTHER_METER_ID,
        meter.next_counter(dno),
        issued_at=datetime.now(UTC),
    )
    payload, _ = compose(MessageRequest("message.general", message_id=9, text="Hello"))
    mis_addressed = sign_envelope(dno, claims, payload)
    verdict = meter.forward(mis_addressed)
    assert verdict.reason is not None

    errors = stack.meter_events.named("operator.error")
    assert [e["reason"] for e in errors] == [
        "role-not-authorised",
        "revoked-signer",
        "wrong-target",
    ]
    for error in errors:
        assert error["detail"]
        assert error["explanation"]
        assert datetime.fromisoformat(error["at"]).tzinfo is not None
    assert errors[0]["key"] == refused.key
    assert refused.status is DeliveryStatus.REFUSED
    assert revoked.refused_reason == "revoked-signer"
    assert not meter.outbox.pending()
    assert not stack.ihd_events.named("message.accepted"), "nothing reached the display"


async def test_ihd_rejection_comes_back_with_its_reason(stack: Stack) -> None:
    """An operator whose clock is five minutes slow signs a short-lived message; the meter,
    on the same slow clock, forwards it, and the IHD refuses it as expired."""
    meter = stack.meter
    real_clock, real_verifier_clock = meter._clock, meter._verifier._clock

    def slow() -> datetime:
        return datetime.now(UTC) - timedelta(minutes=5)

    meter._clock = meter._verifier._clock = slow
    try:
        record = meter.operator.send(
            "dno",
            MessageRequest("message.general", text="Short-lived notice"),
            valid_for=timedelta(minutes=2),
        )
    finally:
        meter._clock, meter._verifier._clock = real_clock, real_verifier_clock
    assert record.status is DeliveryStatus.QUEUED
    error = await stack.meter_events.wait("error.received", refers_to=record.key)
    assert error["details"]["reason"] == "expired"
    assert record.status is DeliveryStatus.REJECTED
    assert record.rejected_reason == "expired"
    assert record.rejected_at
    await stack.ihd_events.wait("message.rejected", reason="expired")
