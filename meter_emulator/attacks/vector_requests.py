"""What the test vectors say: the time they are verified at, the demo ids they are addressed
to, the handshake session the display's vectors name, and the request behind each valid vector
(:mod:`meter_emulator.attacks.vectors` signs them, :mod:`meter_emulator.attacks.unit_vectors`
writes their payloads)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.demand_response import (
    Agreement,
    FlexibilityEvent,
    status_request,
)
from ihd_app.protocol.pki.authority import STANDARD_IDENTITIES
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl import (
    DeviceClass,
    Endpoint,
    EventStatus,
    Importance,
)
from ihd_app.protocol.zcl.prepayment import (
    ChangePaymentMode,
    ConsumerTopUp,
    ConsumerTopUpResponse,
    CreditAdjustment,
    PublishPrepaySnapshot,
    SelectAvailableEmergencyCredit,
    TopUpResult,
)
from ihd_app.protocol.zcl.prepayment_debt import ChangeDebt, DebtRecoveryMethod

VECTOR_TIME = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
#: The real GBCS DisplayMessage "Reset" (DESIGN.md §5), a bare Messaging frame.
GB_DISPLAY_MESSAGE_HEX = "090000804A371C0000000000FFFF055265736574"

METER_ID = next(s.entity_id for s in STANDARD_IDENTITIES if s.name == "meter")
IHD_ID = next(s.entity_id for s in STANDARD_IDENTITIES if s.name == "ihd")
#: The handshake session the display's reply vectors are bound to (docs/protocol.md §5.3).
VECTOR_SESSION = "5e55105e55105e55105e55105e55105e"
_IN_SESSION = {"session": VECTOR_SESSION}

#: What each valid vector says, by type.
VECTOR_REQUESTS: dict[str, MessageRequest] = {
    "outage.planned": MessageRequest(
        "outage.planned",
        message_id=0x1001,
        text="Planned power cut on Tue 2 Dec, 10:00-14:00, for cable repairs.",
        importance=Importance.HIGH,
        confirmation_required=True,
        outage_start=VECTOR_TIME + timedelta(hours=22),
        outage_end=VECTOR_TIME + timedelta(hours=26),
    ),
    "outage.emergency": MessageRequest(
        "outage.emergency",
        message_id=0x1002,
        text="Power cut in your area. Engineers are on the way; estimated fix 15:30.",
        importance=Importance.CRITICAL,
        confirmation_required=True,
    ),
    "outage.restored": MessageRequest(
        "outage.restored", message_id=0x1003, text="Power has been restored. Thank you."
    ),
    "message.general": MessageRequest(
        "message.general",
        message_id=0x1004,
        text="Your annual statement is ready.",
        importance=Importance.LOW,
    ),
    "gas.message": MessageRequest(
        "gas.message",
        message_id=0x1005,
        text="Gas works in your street on Thursday.",
        fuel=Endpoint.GAS,
    ),
    "gas.supply-disabled": MessageRequest(
        "gas.supply-disabled",
        message_id=0x1006,
        text="Your gas supply has been turned off for safety. Call 0800 111 999.",
        importance=Importance.CRITICAL,
        confirmation_required=True,
        fuel=Endpoint.GAS,
    ),
    "safety.alarm": MessageRequest(
        "safety.alarm",
        message_id=0x1007,
        text="Gas leak reported nearby: do not use flames.",
        importance=Importance.CRITICAL,
        confirmation_required=True,
        fuel=Endpoint.GAS,
    ),
    "power.threshold-warning": MessageRequest(
        "power.threshold-warning",
        message_id=0x1008,
        text="You are using more than 7.0 kW. Supply will be interrupted in 60 s.",
        importance=Importance.HIGH,
        confirmation_required=True,
        threshold_kw=7.0,
    ),
    "power.threshold-cleared": MessageRequest(
        "power.threshold-cleared",
        message_id=0x1009,
        text="Power use is back below 7.0 kW.",
        threshold_kw=7.0,
    ),
    "supply.interrupted": MessageRequest(
        "supply.interrupted",
        message_id=0x100A,
        text="Electricity interrupted: use exceeded 7.0 kW. Press A on the meter to restore.",
        importance=Importance.CRITICAL,
        confirmation_required=True,
    ),
    "supply.restored": MessageRequest(
        "supply.restored", message_id=0x100B, text="Electricity supply restored."
    ),
    "message.cancel": MessageRequest("message.cancel", message_id=0x1004),
    "tariff.price": MessageRequest(
        "tariff.price",
        message_id=0x2001,
        price_pence_per_kwh=24.5,
        rate_label="Day",
        at=VECTOR_TIME,
    ),
    "power.threshold-set": MessageRequest("power.threshold-set", threshold_kw=7.0, grace_s=60),
    "data.request": MessageRequest("data.request", periods=48, end=VECTOR_TIME),
    "message.receipt": MessageRequest(
        "message.receipt", message_id=0x1001, at=VECTOR_TIME, extra_details=_IN_SESSION
    ),
    "message.displayed": MessageRequest(
        "message.displayed", message_id=0x1001, at=VECTOR_TIME, extra_details=_IN_SESSION
    ),
    "message.confirmation": MessageRequest(
        "message.confirmation",
        message_id=0x1001,
        answer_yes=True,
        at=VECTOR_TIME,
        extra_details=_IN_SESSION,
    ),
    "error.notification": MessageRequest(
        "error.notification",
        message_id=0x1001,
        reason=Reason.ROLE_NOT_AUTHORISED,
        refers_to="5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
        at=VECTOR_TIME,
        extra_details=_IN_SESSION,
    ),
    "consent.update": MessageRequest(
        "consent.update",
        consent={"dno": True, "supplier": False},
        at=VECTOR_TIME,
        extra_details=_IN_SESSION,
    ),
    "data.access": MessageRequest(
        "data.access",
        message_id=0x5C1E0D2A,
        extra_details={
            "access": {
                "key": "5c1e0d2a5c1e0d2a5c1e0d2a5c1e0d2a",
                "party": "dno",
                "originator": "00-1D-A6-00-00-00-0D-01",
                "organisation": "Northern Power Distribution",
                "purpose": "network-planning",
                "fuel": "electricity",
                "asked": "half-hourly",
                "given": None,
                "granted": False,
                "period_start": "2026-11-30T12:00:00+00:00",
                "period_end": "2026-12-01T12:00:00+00:00",
                "values": 0,
                "reason": "The consumer's consent for dno (network-planning) allows daily "
                "totals; half-hourly data was asked for, but only daily totals are allowed "
                "(by the consumer): ask for daily totals.",
                "at": "2026-12-01T12:00:00+00:00",
            }
        },
    ),
    "history.request": MessageRequest(
        "history.request", periods=48, end=VECTOR_TIME, extra_details=_IN_SESSION
    ),
    "han.device-add": MessageRequest(
        "han.device-add",
        device_id="00-1D-A6-00-00-00-01-02",
        device_certificate_sha256="021b4d883e7c4168310f264c757d57f843a62499857dbcf28c2fd132ef6274a7",
    ),
    "han.device-remove": MessageRequest("han.device-remove", device_id="00-1D-A6-00-00-00-01-02"),
    "occupier.change": MessageRequest("occupier.change", start=VECTOR_TIME),
    "session.hello": MessageRequest(
        "session.hello",
        extra_details={"challenge": "c4a11e09" * 4, "nonce": "40ce0001" * 4},
    ),
    "session.proof": MessageRequest(
        "session.proof",
        extra_details={"nonce": "40ce0001" * 4, "meter_id": METER_ID, "session": VECTOR_SESSION},
    ),
    "session.refused": MessageRequest(
        "session.refused",
        extra_details={
            "nonce": "40ce0001" * 4,
            "reason": Reason.NOT_COMMISSIONED.value,
            "explanation": Reason.NOT_COMMISSIONED.explanation,
        },
    ),
    "supply.disconnect": MessageRequest(
        "supply.disconnect",
        message_id=0x1101,
        text="a dangerous condition was reported at your meter",
        at=VECTOR_TIME,
    ),
    "supply.arm": MessageRequest("supply.arm", message_id=0x1102, at=VECTOR_TIME),
    "safety.clear": MessageRequest(
        "safety.clear",
        message_id=0x1103,
        text="our engineer checked the meter on site",
        at=VECTOR_TIME,
    ),
    "supply.armed": MessageRequest(
        "supply.armed",
        message_id=0x1101,
        text="Your network operator has enabled your electricity supply. Press Restore on your "
        "meter to switch your supply back on.",
        importance=Importance.HIGH,
        confirmation_required=True,
    ),
    "netdata.request": MessageRequest(
        "netdata.request",
        periods=48,
        end=VECTOR_TIME,
        extra_details={"kind": "voltage", "granularity": "half-hourly"},
    ),
    "netdata.subscribe": MessageRequest(
        "netdata.subscribe", extra_details={"kind": "voltage", "interval_min": 30}
    ),
    "netdata.unsubscribe": MessageRequest(
        "netdata.unsubscribe", extra_details={"subscription": (1015).to_bytes(16, "big").hex()}
    ),
    # A restoration after a 47-minute outage: GBCS 0x8F36 (outage >= 3 minutes), for the DNO.
    "meter.alert": MessageRequest(
        "meter.alert",
        extra_details={
            "alert": {
                "kind": "outage-restored",
                "code": 0x8F36,
                "severity": "info",
                "detected_at": "2026-12-01T11:55:00+00:00",
                "summary": "Power restored after an outage of 47 minutes.",
                "outage_s": 2820,
                "outage_start": "2026-12-01T11:08:00+00:00",
            }
        },
    ),
    "prepay.alert": MessageRequest(
        "prepay.alert",
        message_id=0x50500001,
        text="Your credit is low: £1.80 left. Top up soon.",
        importance=Importance.HIGH,
        extra_details={"prepay_event": "low-credit"},
    ),
    "prepay.status": MessageRequest(
        "prepay.status",
        command=PublishPrepaySnapshot(
            snapshot_id=5,
            snapshot_time=849_441_600,
            accumulated_debt=0,
            emergency_credit_remaining=800,
            credit_remaining=0,
        ),
        extra_details={
            "mode": "prepayment",
            "supply": "on",
            "emergency_on_offer": False,
            "emergency_taken": True,
            "days_left": 1.5,
            "friendly_credit": "it is between 16:00 and 10:00",
        },
    ),
    "prepay.topup-result": MessageRequest(
        "prepay.topup-result",
        command=ConsumerTopUpResponse(
            result=TopUpResult.ACCEPTED_SUPPLY_ARMED, top_up_value=2000, credit_remaining=1800
        ),
        extra_details={"verdict": "valid", "code": "0020 0000 0112 3456 7890"},
    ),
    "prepay.topup": MessageRequest(
        "prepay.topup",
        command=ConsumerTopUp(top_up_code=b"00200000011234567890"),
        extra_details=_IN_SESSION,
    ),
    "prepay.emergency-credit": MessageRequest(
        "prepay.emergency-credit",
        command=SelectAvailableEmergencyCredit(command_issue_time=849_441_600),
        extra_details=_IN_SESSION,
    ),
    "prepay.restore": MessageRequest("prepay.restore", extra_details=_IN_SESSION),
    "prepay.credit-adjustment": MessageRequest(
        "prepay.credit-adjustment", command=CreditAdjustment(issuer_event_id=100, value=1000)
    ),
    "prepay.payment-mode": MessageRequest(
        "prepay.payment-mode",
        command=ChangePaymentMode(provider_id=1, issuer_event_id=2, payment_control=0x00D7),
    ),
    "prepay.debt": MessageRequest(
        "prepay.debt",
        command=ChangeDebt(
            issuer_event_id=3,
            debt_label=b"Arrears",
            debt_amount=5000,
            recovery_method=DebtRecoveryMethod.TIME_BASED,
            recovery_amount=50,
        ),
    ),
}
#: A flexibility event 17:00-18:00 on the vector day (reduce use by 20 %, EV charger and
#: immersion heater named for direct control), the display's "opted out" and its agreement.
_FLEXIBILITY = FlexibilityEvent(
    event_id=0x3001,
    start=VECTOR_TIME + timedelta(hours=5),
    minutes=60,
    reduction_percent=20,
    device_class=DeviceClass.ELECTRIC_VEHICLE | DeviceClass.WATER_HEATER,
    title="Reduce use 17:00-18:00",
    reward="20 % reward on your next bill",
)
_OPTED_OUT = status_request(
    0x3001, EventStatus.OPTED_OUT, VECTOR_TIME, refers_to="3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a"
)
_AGREEMENT = Agreement(
    next(s.entity_id for s in STANDARD_IDENTITIES if s.name == "dno"),
    DeviceClass.ELECTRIC_VEHICLE,
    VECTOR_TIME,
).request()
VECTOR_REQUESTS["demand.event"] = _FLEXIBILITY.request()
VECTOR_REQUESTS["demand.status"] = replace(
    _OPTED_OUT, extra_details={**_OPTED_OUT.extra_details, **_IN_SESSION}
)
VECTOR_REQUESTS["demand.agreement"] = replace(
    _AGREEMENT, extra_details={**_AGREEMENT.extra_details, **_IN_SESSION}
)
