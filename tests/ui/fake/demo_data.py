"""Realistic demo content for the fake service: messages, refusals, tariffs, a year of usage.

Used by the widget tests that run on the fake service. Deterministic: the same ``now`` gives
the same content.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import UTC, datetime, time, timedelta

import numpy as np

from ihd_app.core.data_access import DataAccess
from ihd_app.core.model import (
    Importance,
    InboxMessage,
    MessageState,
    PairedMeter,
    RateBand,
    SecurityEvent,
    StateChange,
    Tariff,
)
from ihd_app.core.readings import Fuel, Reading
from ihd_app.link.meter_link import LinkState
from ihd_app.protocol.consent_terms import Grant, Granularity
from ihd_app.protocol.message_types import message_type
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl import SupplyStatus
from ihd_app.service.api import BackfillProgress
from tests.ui.fake.service import SECURE_LINK, FakeService, scan_result

#: A winter weekday evening: high use, a peak price, and an evening full of messages.
DEMO_NOW = datetime(2025, 1, 14, 18, 5, tzinfo=UTC)
METER_ADDRESS = "F4:12:FA:6C:01:9E"


def _title(kind: str) -> str:
    found = message_type(kind)
    return found.title if found else kind


def message(
    key: str,
    kind: str,
    text: str,
    *,
    importance: Importance,
    originator: tuple[str, str, str],
    received: datetime,
    fuel: Fuel = Fuel.ELECTRICITY,
    confirm: bool = True,
    start: datetime | None = None,
    end: datetime | None = None,
    state: MessageState = MessageState.DISPLAYED,
    message_id: int = 0x1C374A80,
    extra_history: tuple[StateChange, ...] = (),
) -> InboxMessage:
    """A verified message as the service would store it."""
    originator_id, originator_name, role = originator
    history = (
        StateChange(MessageState.RECEIVED, received, "signature and role verified"),
        StateChange(MessageState.DISPLAYED, received + timedelta(seconds=1), "shown"),
        *extra_history,
    )
    return InboxMessage(
        key=key,
        message_id=message_id,
        type=kind,
        title=_title(kind),
        text=text,
        importance=importance,
        confirmation_required=confirm,
        originator_id=originator_id,
        originator_name=originator_name,
        role=role,
        fuel=fuel,
        received_at=received,
        start_at=start or received,
        end_at=end,
        state=state,
        history=history,
    )


DNO = ("00-1D-A6-00-00-00-0D-01", "Northern Power Distribution", "dno")
GDN = ("00-1D-A6-00-00-00-0A-01", "Northern Gas Networks", "gdn")
SUPPLIER = ("00-1D-A6-00-00-00-05-01", "Brightwater Energy", "supplier")
METER = ("00-1D-A6-00-00-00-00-01", "Your smart meter", "meter")


def demo_messages(now: datetime = DEMO_NOW) -> list[InboxMessage]:
    """Current and past messages of a busy week."""
    outage_start = datetime(2025, 1, 16, 9, 0, tzinfo=UTC)
    return [
        message(
            "a1f3c9e2",
            "gas.supply-disabled",
            "Your gas supply has been turned off for your safety because of a reported gas "
            "escape in your street. Do not use gas appliances. Engineers are on site; call "
            "0800 111 999 if you smell gas.",
            importance=Importance.CRITICAL,
            originator=GDN,
            received=now - timedelta(minutes=4),
            fuel=Fuel.GAS,
            message_id=0x2B000011,
        ),
        message(
            "7c0d55b1",
            "outage.planned",
            "Planned power cut on Thursday 16 January from 09:00 to 13:00 while we replace "
            "an overhead line. Please switch off sensitive equipment. Reference NPD-4471.",
            importance=Importance.MEDIUM,
            originator=DNO,
            received=now - timedelta(hours=5, minutes=12),
            start=now - timedelta(hours=5, minutes=12),
            end=outage_start + timedelta(hours=4),
            message_id=0x1C374A80,
        ),
        message(
            "58aa01f0",
            "power.threshold-warning",
            "You are using more than 3.0 kW. The supply will stay on; consider switching "
            "something off.",
            importance=Importance.LOW,
            originator=METER,
            received=now - timedelta(minutes=38),
            confirm=False,
            message_id=0x00008F01,
        ),
        message(
            "3e9b7720",
            "tariff.price",
            "From 1 February your Peak unit rate will be 27.9p/kWh (was 28.6p/kWh).",
            importance=Importance.LOW,
            originator=SUPPLIER,
            received=now - timedelta(days=1, hours=3),
            confirm=False,
            message_id=0x30000002,
        ),
        message(
            "11d4e8aa",
            "outage.restored",
            "Power has been restored in your area. Thank you for your patience.",
            importance=Importance.MEDIUM,
            originator=DNO,
            received=now - timedelta(days=3, hours=2),
            state=MessageState.ACKNOWLEDGED,
            message_id=0x1C374A7F,
            extra_history=(
                StateChange(
                    MessageState.ACKNOWLEDGED,
                    now - timedelta(days=3, hours=1, minutes=40),
                    "acknowledged by the consumer",
                ),
            ),
        ),
        message(
            "0fe2c1d3",
            "outage.emergency",
            "Emergency power cut in your area. We expect power back by 21:00.",
            importance=Importance.HIGH,
            originator=DNO,
            received=now - timedelta(days=3, hours=5),
            state=MessageState.SUPERSEDED,
            message_id=0x1C374A7E,
            extra_history=(
                StateChange(
                    MessageState.SUPERSEDED,
                    now - timedelta(days=3, hours=2),
                    "replaced by 'Power restored'",
                ),
            ),
        ),
        message(
            "9a8b7c6d",
            "message.general",
            "Your annual statement is ready in the Brightwater app.",
            importance=Importance.LOW,
            originator=SUPPLIER,
            received=now - timedelta(days=9),
            confirm=False,
            state=MessageState.EXPIRED,
            end=now - timedelta(days=2),
            message_id=0x30000001,
            extra_history=(
                StateChange(MessageState.EXPIRED, now - timedelta(days=2), "its duration ended"),
            ),
        ),
    ]


def demo_refusals(now: datetime = DEMO_NOW) -> list[SecurityEvent]:
    """Refusals from the attack console's usual repertoire."""

    def refusal(
        minutes: float, reason: Reason, detail: str, originator: str, kind: str, size: int
    ) -> SecurityEvent:
        return SecurityEvent(
            at=now - timedelta(minutes=minutes),
            reason=reason.value,
            detail=detail,
            explanation=reason.explanation,
            claimed_originator=originator,
            claimed_type=kind,
            size=size,
            notified=True,
        )

    return [
        refusal(
            2,
            Reason.REPLAY,
            "counter 1041 of 00-1D-A6-00-00-00-0D-01 is not above the last accepted (1041)",
            "00-1D-A6-00-00-00-0D-01",
            "outage.planned",
            412,
        ),
        refusal(
            9,
            Reason.BAD_SIGNATURE,
            "ES256 signature does not verify with the key of kid 3f9a…c2",
            "00-1D-A6-00-00-00-0A-01",
            "gas.supply-disabled",
            398,
        ),
        refusal(
            27,
            Reason.ROLE_NOT_AUTHORISED,
            "role supplier may not send outage.emergency (policy default.toml)",
            "00-1D-A6-00-00-00-05-01",
            "outage.emergency",
            405,
        ),
        refusal(
            63,
            Reason.UNKNOWN_SIGNER,
            "no certificate with kid 77b1…09 in the trust store",
            "00-1D-A6-00-00-00-66-66",
            "message.general",
            377,
        ),
        refusal(
            180,
            Reason.WRONG_TARGET,
            "aud 00-1D-A6-00-00-00-00-02 is not this display or its meter",
            "00-1D-A6-00-00-00-0D-01",
            "outage.restored",
            401,
        ),
    ]


def demo_tariffs(now: datetime = DEMO_NOW) -> list[Tariff]:
    """A time-of-use electricity tariff and a flat gas tariff."""
    since = datetime(2024, 10, 1, tzinfo=UTC)
    return [
        Tariff(
            Fuel.ELECTRICITY,
            "Brightwater Flex Saver",
            (
                RateBand("Off-peak", time(0, 30), time(7, 30), 9.5),
                RateBand("Day", time(7, 30), time(16, 0), 24.1),
                RateBand("Peak", time(16, 0), time(19, 0), 28.6),
                RateBand("Day", time(19, 0), time(0, 30), 24.1),
            ),
            standing_charge_pence_per_day=53.35,
            effective_from=since,
        ),
        Tariff(
            Fuel.GAS,
            "Brightwater Standard Gas",
            (RateBand("All day", time(0, 0), time(0, 0), 6.24),),
            standing_charge_pence_per_day=31.65,
            effective_from=since,
        ),
    ]


def half_hourly_year(fuel: Fuel, end: datetime, seed: int = 7) -> tuple[datetime, np.ndarray]:
    """A year of plausible half-hourly kWh ending at ``end`` (first start, values)."""
    end = end.replace(minute=0 if end.minute < 30 else 30, second=0, microsecond=0)
    count = 366 * 48
    first = end - timedelta(minutes=30 * count)
    rng = np.random.default_rng(seed + (0 if fuel is Fuel.ELECTRICITY else 1))
    index = np.arange(count)
    hours = ((first.hour * 60 + first.minute) / 60 + index * 0.5) % 24
    day_of_year = (first.timetuple().tm_yday + index / 48) % 365.25
    winter = 0.5 + 0.5 * np.cos(2 * math.pi * (day_of_year - 15) / 365.25)  # 1 mid-January
    if fuel is Fuel.ELECTRICITY:
        base = 0.09 + 0.02 * winter
        morning = 0.22 * np.exp(-(((hours - 7.5) / 1.2) ** 2))
        evening = (0.45 + 0.25 * winter) * np.exp(-(((hours - 18.5) / 2.0) ** 2))
        profile = base + morning + evening
        noise = rng.gamma(4.0, 0.25, count)
    else:
        heating = winter * (
            1.6 * np.exp(-(((hours - 7.0) / 1.3) ** 2))
            + 1.9 * np.exp(-(((hours - 18.5) / 2.2) ** 2))
        )
        water = 0.35 * np.exp(-(((hours - 7.5) / 0.8) ** 2))
        profile = 0.05 + heating + water
        noise = rng.gamma(6.0, 1 / 6.0, count)
    return first, np.round(profile * noise, 3)


def populate(
    service: FakeService,
    now: datetime = DEMO_NOW,
    *,
    paired: bool = True,
    exclude: Collection[str] = (),
) -> None:
    """Fill ``service`` with the demo household (without the messages keyed in ``exclude``)."""
    for tariff in demo_tariffs(now):
        service.set_tariff(tariff)
    for fuel in Fuel:
        first, values = half_hourly_year(fuel, now)
        service.set_history(fuel, first, values)
    for event in demo_refusals(now):
        service.inject_refusal(event)
    for item in demo_messages(now):
        if item.key not in exclude:
            service.inject_message(item)
    given = now - timedelta(days=40)
    for party, purpose, level in (
        ("dno", "network-planning", Granularity.DAILY),
        ("supplier", "energy-advice", Granularity.HALF_HOURLY),
        ("gdn", "network-planning", None),
    ):
        expires = given + timedelta(days=365) if level is not None else None
        service.set_consent_state(Grant(party, purpose, level, expires, given))
    for entry in demo_data_access(now):
        service.inject_data_access(entry)
    service.scan_results = [
        scan_result("IHD Demo Meter 019E", METER_ADDRESS, -52),
        scan_result("IHD Demo Meter 4411", "C8:2B:96:A0:44:11", -78),
        scan_result("Nordic DK smart-meter", "E1:7A:33:09:5C:D2", -66),
    ]
    if paired:
        service.set_link(
            LinkState.CONNECTED,
            SECURE_LINK,
            PairedMeter(
                address=METER_ADDRESS,
                meter_id="00-1D-A6-00-00-00-00-01",
                name="IHD Demo Meter 019E",
                certificate_sha256=bytes.fromhex(
                    "3f9a1c27d0b84e5a9c61f2e7b04d8a13c5e92f7016ab4d3e8f20c71b95a6d4c2"
                ),
                paired_at=now - timedelta(days=92),
                last_seen=now - timedelta(seconds=3),
            ),
        )
        service.set_backfill(BackfillProgress(19_032, 19_032, False))
    rng = np.random.default_rng(3)
    for step in range(61):
        at = now - timedelta(seconds=10 * (60 - step))
        phase = step / 60
        electricity = 1240 + 900 * math.exp(-(((phase - 0.35) / 0.08) ** 2)) + rng.normal(0, 40)
        service.inject_reading(
            Reading(Fuel.ELECTRICITY, at, electricity, 18_442_180 + step * 3.4, SupplyStatus.ON)
        )
    # Gas, as a GB gas meter reports it: its register and valve on each half hour, and when
    # the valve closed (the gas network turned the supply off four minutes ago: the critical
    # message); no demand.
    half_hour = now.replace(minute=0 if now.minute < 30 else 30, second=0, microsecond=0)
    for at, register, valve in (
        (half_hour - timedelta(minutes=30), 81_218_300.0, SupplyStatus.ON),
        (half_hour, 81_220_400.0, SupplyStatus.ON),
        (now - timedelta(minutes=4), 81_220_832.0, SupplyStatus.OFF),
    ):
        service.inject_reading(Reading(Fuel.GAS, at, None, register, valve))


def demo_data_access(now: datetime) -> list[DataAccess]:
    """Two requests the meter told the household of: the DNO's daily totals (sent, with the
    household's consent) and the supplier's half-hourly data for advice (refused)."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return [
        DataAccess(
            key="5c1e0d2a" + "0" * 24,
            at=now - timedelta(days=2, hours=3),
            party="dno",
            organisation="Northern Power Distribution",
            purpose="network-planning",
            fuel="electricity",
            asked="daily",
            given="daily",
            period_start=day - timedelta(days=9),
            period_end=day - timedelta(days=2),
            values=7,
            reason="7 daily totals of electricity data sent (consent).",
        ),
        DataAccess(
            key="9f3b7a41" + "0" * 24,
            at=now - timedelta(hours=5),
            party="supplier",
            organisation="Brightwater Energy",
            purpose="energy-advice",
            fuel="electricity",
            asked="half-hourly",
            given=None,
            period_start=day - timedelta(days=1),
            period_end=day,
            values=0,
            reason="The consumer's consent for supplier (energy-advice) has not been given.",
        ),
    ]
