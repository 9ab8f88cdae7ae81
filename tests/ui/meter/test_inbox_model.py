"""The operators' inbox and its table model, without widgets: verified alerts with their signer,
time stamp and severity, forged ones refused with their reason, and operators' messages with no
receipt in time flagged overdue (seed UC12 5a), on a clock the test moves (no waiting)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import cbor2

from ihd_app.protocol.alerts import MeterAlert, Severity, sign_alert
from ihd_app.protocol.events import EventLog, EventWaiter
from ihd_app.protocol.pki import Identity, TrustStore
from ihd_app.protocol.policy import Policy
from meter_emulator.operator.inbox import OperatorInbox
from meter_emulator.operator.status import MessageRecord, StatusTable
from meter_emulator.ui.models.inbox import OperatorInboxModel

Identities = Callable[[str], Identity]
T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
GASP = MeterAlert(
    "outage", None, Severity.CRITICAL, T0, "Power lost at the meter.", {"last_gasp": True}
)


class Clock:
    """A wall clock the test moves."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _inbox(
    identities: Identities, trust: TrustStore, policy: Policy, clock: Clock
) -> tuple[OperatorInbox, StatusTable, EventWaiter, Callable[[int], bytes]]:
    status = StatusTable()
    log = EventLog(clock=clock)
    waiter = EventWaiter(log)
    roles = ("dno", "gdn", "supplier")
    inbox = OperatorInbox(
        trust,
        policy,
        {role: identities(role).entity_id for role in roles},
        clock,
        log,
        status,
        receipt_timeout_s=300,
    )

    def alert_for_dno(counter: int) -> bytes:
        return sign_alert(
            identities("meter"), identities("dno").entity_id, GASP, counter=counter, issued_at=T0
        )

    return inbox, status, waiter, alert_for_dno


def test_a_verified_alert_shows_its_signer_time_and_severity(
    qapp: Any, identities: Identities, trust: TrustStore, policy: Policy
) -> None:
    clock = Clock()
    inbox, _, waiter, alert_for_dno = _inbox(identities, trust, policy, clock)
    entry = inbox.receive("dno", alert_for_dno(1))
    assert entry.verified
    assert entry.signer == identities("meter").entity_id
    assert waiter.named("operator.alert", role="dno", kind="outage", verified=True)
    model = OperatorInboxModel()
    model.show_inbox(inbox)
    assert model.rowCount() == 1
    assert model.cell(0, 1) == "DNO"
    assert model.cell(0, 2) == "critical"
    assert model.cell(0, 3) == "Power lost (last gasp)"
    assert model.cell(0, 4).startswith("verified: ")
    assert model.cell(0, 5) == "Power lost at the meter."
    model.show_inbox(inbox, "gdn")
    assert model.rowCount() == 0, "the GDN's inbox holds only the GDN's alerts"


def test_a_forged_alert_is_refused_with_its_reason_and_never_shown_as_an_alert(
    qapp: Any, identities: Identities, trust: TrustStore, policy: Policy
) -> None:
    clock = Clock()
    inbox, _, waiter, alert_for_dno = _inbox(identities, trust, policy, clock)
    item = cbor2.loads(alert_for_dno(1))
    item.value[3] = bytes(64)  # a signature that is not the meter's
    entry = inbox.receive("dno", cbor2.dumps(item))
    assert not entry.verified
    assert entry.reason == "bad-signature"
    refused = waiter.named("operator.alert-refused")
    assert refused
    assert refused[0]["reason"] == "bad-signature"
    assert not waiter.named("operator.alert")
    model = OperatorInboxModel()
    model.show_inbox(inbox)
    assert model.cell(0, 2) == "refused"
    assert model.cell(0, 4).startswith("refused: bad-signature")


def test_a_message_with_no_receipt_in_five_minutes_is_flagged_once(
    qapp: Any, identities: Identities, trust: TrustStore, policy: Policy
) -> None:
    clock = Clock()
    inbox, status, waiter, _ = _inbox(identities, trust, policy, clock)
    record = status.add(
        MessageRecord(
            key="k1",
            origin="operator",
            role="dno",
            originator=identities("dno").entity_id,
            type="outage.planned",
            message_id=7,
            text="Power cut Tue 10:00-14:00",
            created_at=T0,
            forwarded_at=T0,
        )
    )
    clock.now = T0 + timedelta(minutes=4, seconds=59)
    assert inbox.check_overdue() == []
    clock.now = T0 + timedelta(minutes=5)
    flagged = inbox.check_overdue()
    assert [o.record.key for o in flagged] == ["k1"]
    event = waiter.named("operator.overdue", key="k1")
    assert event
    assert event[0]["advice"] == "no receipt in 5 min: use another route"
    assert inbox.check_overdue() == [], "flagged once, not at every check"
    model = OperatorInboxModel()
    model.show_inbox(inbox, "dno")
    assert model.cell(0, 2) == "overdue"
    assert model.cell(0, 5) == (
        "Power cut Tue 10:00-14:00: no receipt in 5 min: use another route."
    )
    record.receipt_at = clock.now
    model.show_inbox(inbox, "dno")
    assert model.rowCount() == 0, "a late receipt clears the flag"
