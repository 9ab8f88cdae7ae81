"""The operators' inbox (head-end side): the meter's alerts, each verified before it is shown,
and the operators' messages that no display receipted in time (seed use case 12 alternative 5a).

Every alert is checked by the operator it is addressed to, with the project's verifier
(:func:`ihd_app.protocol.alerts.verify_alert`): the signature chains to the meter's certificate
and a trusted root, the policy lets a meter send ``meter.alert``, it is addressed to this
operator, inside its validity window and not a replay. A refused alert is kept too, with its
reason, so the refusal is visible, but it is never shown as an alert.

Overdue: an operator's message to the display with no delivery receipt ``receipt_timeout_s``
after it was sent is flagged once (``operator.overdue``: "no receipt in 5 min: use another
route"). The check reads the injected clock, so tests move a clock rather than wait.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from ihd_app.protocol.alerts import AlertVerdict, MeterAlert, alert_kind, verify_alert
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.message_types import Flow, message_type
from ihd_app.protocol.pki import TrustStore
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.replay import InMemoryReplayCounters
from ihd_app.protocol.verification import Verifier
from meter_emulator.operator.status import MessageRecord, StatusTable

#: UC12 5a: how long an operator waits for a delivery receipt before using another route.
DEFAULT_RECEIPT_TIMEOUT_S = 300.0
#: How often the running meter looks for overdue receipts.
OVERDUE_CHECK_INTERVAL_S = 1.0
#: Statuses that mean no display has receipted the message yet.
_AWAITING = frozenset({"queued", "forwarded"})


@dataclass(frozen=True)
class InboxEntry:
    """One alert as its operator received it.

    Attributes:
        role: The operator it was addressed to (dno, gdn, supplier).
        received_at: When the operator received it (wall clock).
        key: The envelope's ``cti`` in hex.
        alert: What it says, when verified; ``None`` when refused.
        signer: The verified signer's entity id (or the claimed issuer when refused).
        signer_organisation: The verified signer's organisation (empty when refused).
        reason: The refusal's reason code, ``None`` when verified.
        detail: The verifier's sentence.
    """

    role: str
    received_at: datetime
    key: str
    alert: MeterAlert | None
    signer: str
    signer_organisation: str
    reason: str | None
    detail: str

    @property
    def verified(self) -> bool:
        """Whether it passed every check."""
        return self.alert is not None

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form (``--alerts-out`` lines, ``operator.alert`` events)."""
        result: dict[str, object] = {
            "role": self.role,
            "received_at": self.received_at.isoformat(timespec="seconds"),
            "key": self.key,
            "verified": self.verified,
            "signer": self.signer,
            "signer_organisation": self.signer_organisation,
        }
        alert = self.alert
        if alert is None:
            result.update(reason=self.reason, detail=self.detail)
            return result
        spec = alert_kind(alert.kind)
        result.update(
            kind=alert.kind,
            title=spec.title if spec else alert.kind,
            code=alert.code_hex,
            code_name=alert.code_name,
            severity=alert.severity.value,
            detected_at=alert.detected_at.isoformat(timespec="seconds"),
            summary=alert.summary,
            facts=dict(alert.facts),
        )
        return result


@dataclass(frozen=True)
class OverdueMessage:
    """An operator's message no display has receipted in time.

    Attributes:
        record: Its status-table row.
        due_at: When the receipt was due.
    """

    record: MessageRecord
    due_at: datetime

    @property
    def advice(self) -> str:
        """What the operator should do, in one sentence."""
        minutes = (self.due_at - self.record.created_at).total_seconds() / 60
        return f"no receipt in {minutes:g} min: use another route"

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form (``operator.overdue`` events)."""
        record = self.record
        return {
            "key": record.key,
            "role": record.role,
            "type": record.type,
            "message_id": record.message_id,
            "sent_at": record.created_at.isoformat(timespec="seconds"),
            "due_at": self.due_at.isoformat(timespec="seconds"),
            "status": record.status.value,
            "advice": self.advice,
        }


class OperatorInbox:
    """The operators' side: alerts verified per role, and overdue receipts.

    Args:
        trust: Roots and revocations the meter's certificate must chain to.
        policy: Which role may send which type (a meter may send ``meter.alert``).
        operator_ids: Each operator role's entity id (the ``aud`` its alerts must carry).
        clock: The wall clock (injected: tests move it).
        events: Where ``operator.alert``, ``operator.alert-refused`` and ``operator.overdue``
            go.
        status: The status table of messages sent to the display.
        receipt_timeout_s: How long to wait for a delivery receipt.
        alerts_out: A file each received alert is appended to as a JSON line, if any.
    """

    def __init__(
        self,
        trust: TrustStore,
        policy: Policy,
        operator_ids: Mapping[str, str],
        clock: Callable[[], datetime],
        events: EventLog,
        status: StatusTable,
        *,
        receipt_timeout_s: float = DEFAULT_RECEIPT_TIMEOUT_S,
        alerts_out: Path | None = None,
    ) -> None:
        self._verifiers = {
            role: Verifier(
                trust,
                policy,
                InMemoryReplayCounters(),
                {entity_id},
                flows=(Flow.TO_OPERATOR,),
                clock=clock,
            )
            for role, entity_id in operator_ids.items()
        }
        self._clock = clock
        self._events = events
        self._status = status
        self.receipt_timeout = timedelta(seconds=receipt_timeout_s)
        self._alerts_out = alerts_out
        self._entries: list[InboxEntry] = []
        self._flagged: dict[str, OverdueMessage] = {}
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after every change (a new entry, a newly overdue message)."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    # -- alerts ---------------------------------------------------------------------------------

    def receive(self, role: str, envelope: bytes) -> InboxEntry:
        """Verify ``envelope`` as the operator of ``role`` and keep it (refused or not)."""
        verifier = self._verifiers.get(role)
        now = self._clock()
        checked = None if verifier is None else verify_alert(verifier, envelope)
        entry = self._entry(role, now, checked)
        self._entries.append(entry)
        fields = entry.to_dict()
        if entry.verified:
            self._events.emit("operator.alert", **fields)
        else:
            self._events.emit("operator.alert-refused", **fields)
        self._write(fields)
        self._changed()
        return entry

    def _entry(self, role: str, now: datetime, checked: AlertVerdict | None) -> InboxEntry:
        if checked is None:
            known = ", ".join(sorted(self._verifiers))
            detail = f"'{role}' is not an operator of this inbox ({known})"
            return InboxEntry(role, now, "", None, "", "", "wrong-target", detail)
        verdict = checked.verdict
        message = verdict.message
        claims = message.claims if message is not None else verdict.claims
        key = claims.token_id.hex() if claims is not None else ""
        if checked.alert is not None and message is not None:
            return InboxEntry(
                role,
                now,
                key,
                checked.alert,
                message.signer.entity_id,
                message.signer.organisation,
                None,
                verdict.detail,
            )
        issuer = claims.issuer if claims is not None else ""
        reason = verdict.reason.value if verdict.reason is not None else "malformed"
        return InboxEntry(role, now, key, None, issuer, "", reason, verdict.detail)

    def _write(self, fields: dict[str, object]) -> None:
        if self._alerts_out is None:
            return
        try:
            self._alerts_out.parent.mkdir(parents=True, exist_ok=True)
            with self._alerts_out.open("a", encoding="utf-8") as out:
                out.write(json.dumps(fields, ensure_ascii=False, default=str) + "\n")
        except OSError as error:
            self._events.emit(
                "operator.alerts-out-failed", path=str(self._alerts_out), detail=str(error)
            )

    def entries(self, role: str | None = None) -> list[InboxEntry]:
        """Alerts received, oldest first, of one role or all."""
        return [e for e in self._entries if role is None or e.role == role]

    # -- overdue receipts (UC12 5a) ----------------------------------------------------------

    def overdue(self) -> list[OverdueMessage]:
        """Operators' messages to the display with no receipt ``receipt_timeout`` after
        sending, as of the clock's now."""
        now = self._clock()
        found = []
        for record in self._status.rows("operator"):
            spec = message_type(record.type)
            if spec is None or spec.flow is not Flow.TO_IHD:
                continue
            due = record.created_at + self.receipt_timeout
            if record.status.value in _AWAITING and now >= due:
                found.append(OverdueMessage(record, due))
        return found

    def check_overdue(self) -> list[OverdueMessage]:
        """Flag messages that became overdue since the last check (one event each)."""
        fresh = [o for o in self.overdue() if o.record.key not in self._flagged]
        for item in fresh:
            self._flagged[item.record.key] = item
            self._events.emit("operator.overdue", **item.to_dict())
        if fresh:
            self._changed()
        return fresh

    async def watch(self, interval_s: float = OVERDUE_CHECK_INTERVAL_S) -> None:
        """Check for overdue receipts every ``interval_s`` until cancelled (the running meter's
        task; tests call :meth:`check_overdue` after moving their clock)."""
        while True:
            self.check_overdue()
            await asyncio.sleep(interval_s)
