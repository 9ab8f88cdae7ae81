"""Meter-to-operator alerts: what the meter tells the operator that owns an event (seed use
cases 14, 15, 18, 19 and gas 03; docs/protocol.md §5.6).

A ``meter.alert`` envelope is signed by the meter (its certificate embedded: the operator has no
link handshake with the meter) and addressed (``aud``) to the entity id of the operator that owns
the event. Its payload is empty; the alert lives in the ``alert`` detail:

``{"kind": "outage", "code": null, "severity": "critical", "detected_at": ISO-8601,
"summary": "...", "last_gasp": true, ...}``

GB alert codes are mirrored from the GBCS device alert list (as transcribed in
SmartDCCInnovation/gbcs-parser ``src/util.ts``, ``alertCodes``): see :data:`ALERT_KINDS`.
The operator checks an alert with the project's :class:`~ihd_app.protocol.verification.Verifier`
(signature to the meter's certificate and a trusted root, policy ``meter`` may send
``meter.alert``, addressed to it, in its validity window, counter above the last) and then reads
the detail with :meth:`MeterAlert.from_details`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.claims import DetailValue
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.pki.identity import Identity
from ihd_app.protocol.pki.roles import Role
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.verification import Verdict, Verifier

#: The ``type`` claim of a meter's alert to an operator.
METER_ALERT = "meter.alert"
#: How long an alert stays valid: a head-end that was away for a day still takes it.
ALERT_VALIDITY = timedelta(hours=24)
#: Outages at least this long are reported with 0x8F36 rather than 0x8F35 (GBCS's split).
LONG_OUTAGE_S = 180


class Severity(StrEnum):
    """How urgently an operator should look."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class AlertKind:
    """One kind of alert and who owns it.

    Attributes:
        name: The ``kind`` field.
        owners: The operator roles it is addressed to (one envelope each).
        severity: Its severity.
        title: How the operator inbox names it.
    """

    name: str
    owners: tuple[Role, ...]
    severity: Severity
    title: str


#: Every kind of alert the meter raises, and its owners.
ALERT_KINDS: tuple[AlertKind, ...] = (
    AlertKind("outage", (Role.DNO,), Severity.CRITICAL, "Power lost (last gasp)"),
    AlertKind("outage-restored", (Role.DNO,), Severity.INFO, "Power restored"),
    AlertKind("extreme-voltage", (Role.DNO,), Severity.CRITICAL, "Extreme voltage"),
    AlertKind("safety", (Role.DNO,), Severity.CRITICAL, "Safety alarm"),
    AlertKind("tamper", (Role.SUPPLIER,), Severity.WARNING, "Tamper detected"),
    AlertKind("gas-valve-closed", (Role.GDN,), Severity.WARNING, "Gas valve closed"),
    AlertKind("gas-safety", (Role.GDN,), Severity.CRITICAL, "Gas safety: valve shut"),
    AlertKind("threshold-exceeded", (Role.SUPPLIER,), Severity.WARNING, "Load limit exceeded"),
    AlertKind(
        "threshold-disconnected", (Role.SUPPLIER,), Severity.CRITICAL, "Load limit: supply off"
    ),
    AlertKind("threshold-restored", (Role.SUPPLIER,), Severity.INFO, "Load limit: supply back"),
)

#: The GBCS alert codes mirrored, with their GBCS names (gbcs-parser ``alertCodes``).
GBCS_ALERT_CODES: dict[int, str] = {
    0x8F01: "Active Power Import above Load Limit Threshold",
    0x8F33: "Supply Disabled then Armed - Load Limit triggered",
    0x8F34: "Supply Enabled after Load Limit Restoration Period (Load Limit triggered)",
    0x8F35: "Supply Outage Restored",
    0x8F36: "Supply Outage Restored - Outage >= 3 minutes",
    0x8F3F: "Unauthorised Physical Access - Tamper Detect",
    0x81BF: "Supply Disabled Then Armed - Uncontrolled Gas Flow Rate",
    0x8020: "RMS Voltage above Extreme Over Voltage Threshold",
    0x8028: "RMS Voltage below Extreme Under Voltage Threshold",
}


def alert_kind(name: str) -> AlertKind | None:
    """The kind called ``name``, if any."""
    return next((kind for kind in ALERT_KINDS if kind.name == name), None)


class AlertFormatError(ValueError):
    """An alert's ``alert`` detail is not a usable alert; the message says what is wrong."""


@dataclass(frozen=True)
class MeterAlert:
    """What an alert says.

    Attributes:
        kind: One of :data:`ALERT_KINDS`' names.
        code: The mirrored GBCS alert code, or ``None`` where GBCS has none for a single-phase
            meter (the outage's last gasp; a GDN-closed valve is confirmed, not alerted, in GB).
        severity: How urgent.
        detected_at: When the meter detected the event (its date and time stamp).
        summary: One sentence for the operator.
        facts: Further facts (``outage_s``, ``voltage_v``, ``last_gasp``, ``threshold_kw`` ...).
    """

    kind: str
    code: int | None
    severity: Severity
    detected_at: datetime
    summary: str
    facts: Mapping[str, DetailValue] = field(default_factory=dict)

    @property
    def code_hex(self) -> str | None:
        """``0x8F35``-style code, or ``None``."""
        return None if self.code is None else f"0x{self.code:04X}"

    @property
    def code_name(self) -> str | None:
        """The code's GBCS name, or ``None``."""
        return None if self.code is None else GBCS_ALERT_CODES.get(self.code)

    def to_details(self) -> dict[str, DetailValue]:
        """The envelope's details: ``{"alert": {...}}``."""
        alert: dict[str, DetailValue] = {
            "kind": self.kind,
            "code": self.code,
            "severity": self.severity.value,
            "detected_at": self.detected_at.isoformat(timespec="seconds"),
            "summary": self.summary,
        }
        alert.update(dict(self.facts))
        return {"alert": alert}

    @classmethod
    def from_details(cls, details: Mapping[str, DetailValue]) -> MeterAlert:
        """Read the ``alert`` detail.

        Raises:
            AlertFormatError: Something is missing or of the wrong kind.
        """
        alert = details.get("alert")
        if not isinstance(alert, dict):
            raise AlertFormatError("the envelope carries no 'alert' detail")
        kind, code = alert.get("kind"), alert.get("code")
        if not isinstance(kind, str) or alert_kind(kind) is None:
            known = ", ".join(k.name for k in ALERT_KINDS)
            raise AlertFormatError(f"alert kind {kind!r} is not one of {known}")
        if code is not None and (
            isinstance(code, bool) or not isinstance(code, int) or code not in GBCS_ALERT_CODES
        ):
            raise AlertFormatError(f"alert code {code!r} is not a mirrored GBCS alert code")
        try:
            severity = Severity(str(alert.get("severity")))
        except ValueError:
            raise AlertFormatError(f"severity {alert.get('severity')!r} is unknown") from None
        stamp, summary = alert.get("detected_at"), alert.get("summary")
        try:
            moment = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise AlertFormatError("detected_at must be an ISO 8601 time with its offset")
        if not isinstance(summary, str) or not summary:
            raise AlertFormatError("the alert needs a summary")
        facts = {
            k: v
            for k, v in alert.items()
            if k not in ("kind", "code", "severity", "detected_at", "summary")
        }
        return cls(kind, code, severity, moment, summary, facts)


def sign_alert(
    meter: Identity,
    operator_id: str,
    alert: MeterAlert,
    *,
    counter: int,
    issued_at: datetime,
) -> bytes:
    """Sign ``alert`` as the meter, addressed to ``operator_id`` (certificate embedded)."""
    claims = new_claims(
        meter,
        METER_ALERT,
        operator_id,
        counter,
        issued_at=issued_at,
        valid_for=ALERT_VALIDITY,
        details=alert.to_details(),
    )
    return sign_envelope(meter, claims, b"")


@dataclass(frozen=True)
class AlertVerdict:
    """An alert checked by its operator.

    Attributes:
        verdict: The verifier's verdict (refused with a reason, or accepted).
        alert: What the alert says, when accepted.
    """

    verdict: Verdict
    alert: MeterAlert | None

    @property
    def accepted(self) -> bool:
        """Whether it may be shown."""
        return self.alert is not None


def verify_alert(verifier: Verifier, data: bytes) -> AlertVerdict:
    """Run every check of ``verifier`` on ``data``, then read the alert; never raises.

    ``verifier`` is the operator's: it accepts the ``to-operator`` flow and the operator's
    entity id as target. A well-signed envelope of another type, or with an unreadable alert,
    is refused too (``unknown-command``, ``malformed``).
    """
    verdict = verifier.verify(data)
    message = verdict.message
    if message is None:
        return AlertVerdict(verdict, None)
    if message.message_type.name != METER_ALERT:
        refused = Verdict(
            Reason.UNKNOWN_COMMAND,
            f"'{message.message_type.name}' is not a meter alert",
            claims=message.claims,
        )
        return AlertVerdict(refused, None)
    try:
        alert = MeterAlert.from_details(message.claims.details)
    except AlertFormatError as error:
        return AlertVerdict(Verdict(Reason.MALFORMED, str(error), claims=message.claims), None)
    return AlertVerdict(verdict, alert)
