"""Unit test vectors: ZCL units (and one bare GBCS frame) as hex with their decoded fields, for
``ihd frame decode`` and a board's decoder."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from ihd_app.protocol.compose import compose
from ihd_app.protocol.zcl import (
    BlockThresholdEntry,
    Endpoint,
    GetProfileResponse,
    GetSampledData,
    GetSampledDataResponse,
    PriceMatrixEntry,
    ProfileIntervalPeriod,
    PublishBlockThresholds,
    PublishCalendar,
    PublishDayProfile,
    PublishPrice,
    PublishPriceMatrix,
    PublishSeasons,
    PublishSpecialDays,
    PublishWeekProfile,
    ScheduleEntry,
    SeasonEntry,
    SpecialDayEntry,
    SupplyStatus,
    Unit,
    UnitOfMeasure,
    ZclDate,
    decode_frame,
    decode_unit,
    demand_report,
    formatting_report,
    summation_report,
    supply_status_report,
)
from meter_emulator.attacks.vector_requests import GB_DISPLAY_MESSAGE_HEX, VECTOR_REQUESTS

#: 2026-12-01T00:00Z as a ZCL UTCTime: the start of the tariff vectors.
_TARIFF_START = 849_398_400
#: ProviderID and IssuerCalendarID / IssuerTariffID of the tariff vectors.
_PROVIDER, _CALENDAR_ID, _TARIFF_ID = 0x1234, 200, 10


def _unit_vectors() -> list[tuple[str, str, Callable[[], bytes]]]:
    return [
        (
            "gb-display-message-reset",
            "GBCS test-suite DisplayMessage 'Reset' as a bare Messaging frame (cluster 0x0703).",
            lambda: bytes.fromhex(GB_DISPLAY_MESSAGE_HEX),
        ),
        (
            "metering-demand-electricity",
            "InstantaneousDemand 1,234 W for electricity (endpoint 1).",
            lambda: Unit.of(demand_report(1234), cluster_id=0x0702).encode(),
        ),
        (
            "metering-demand-export",
            "InstantaneousDemand -850 W: solar export.",
            lambda: Unit.of(demand_report(-850), cluster_id=0x0702).encode(),
        ),
        (
            "metering-summation-gas",
            "CurrentSummationDelivered 1,234,567 dm3 and today's 2,300 dm3 for gas.",
            lambda: Unit.of(
                summation_report(1_234_567, 2_300), cluster_id=0x0702, endpoint=Endpoint.GAS
            ).encode(),
        ),
        (
            "metering-formatting-electricity",
            "UnitOfMeasure kWh, Multiplier 1, Divisor 1000, formattings.",
            lambda: Unit.of(
                formatting_report(UnitOfMeasure.KWH, 1, 1000, 0x2B, 0x2B), cluster_id=0x0702
            ).encode(),
        ),
        (
            "metering-supply-status-on",
            "SupplyStatus on.",
            lambda: Unit.of(supply_status_report(SupplyStatus(2)), cluster_id=0x0702).encode(),
        ),
        (
            "metering-get-profile-response",
            "GetProfileResponse: four half-hour intervals ending 2026-12-01T12:00Z.",
            lambda: Unit.of(
                GetProfileResponse(
                    end_time=849_441_600,
                    status=0,
                    profile_interval_period=ProfileIntervalPeriod.MINUTES_30,
                    intervals=(210, 180, 950, 400),
                ),
            ).encode(),
        ),
    ] + [
        (
            f"payload-{name.replace('.', '-')}",
            f"The payload of the valid {name} envelope.",
            (lambda request=request: compose(request)[0]),
        )
        for name, request in VECTOR_REQUESTS.items()
        if compose(request)[0]
    ]


def _tariff_vectors() -> list[tuple[str, str, Callable[[], bytes]]]:
    """An Economy 7 time-of-use tariff as the Price and Calendar clusters carry it."""
    calendar = {"provider_id": _PROVIDER, "issuer_calendar_id": _CALENDAR_ID}
    tariff = {"provider_id": _PROVIDER, "issuer_tariff_id": _TARIFF_ID}
    return [
        (
            "price-publish-price-zse-1-2",
            "PublishPrice with every optional field up to ZSE 1.2's ExtendedRegisterTier.",
            lambda: Unit.of(
                PublishPrice(
                    provider_id=_PROVIDER,
                    rate_label="Night",
                    issuer_event_id=100,
                    current_time=_TARIFF_START,
                    price_trailing_digit=2,
                    price_tier=1,
                    number_of_price_tiers=2,
                    register_tier=1,
                    start_time=0,
                    duration_minutes=0xFFFF,
                    price=1320,
                    price_ratio=0xFF,
                    generation_price=0xFFFFFFFF,
                    generation_price_ratio=0xFF,
                    alternate_cost_delivered=0xFFFFFFFF,
                    alternate_cost_unit=0xFF,
                    alternate_cost_trailing_digit=0xFF,
                    number_of_block_thresholds=0,
                    price_control=0,
                    number_of_generation_tiers=0,
                    generation_tier=0,
                    extended_number_of_price_tiers=0,
                    extended_price_tier=0,
                    extended_register_tier=0,
                )
            ).encode(),
        ),
        (
            "price-matrix-tou",
            "PublishPriceMatrix, TOU-based: tier 1 (night) 13.20p, tier 2 (day) 24.50p.",
            lambda: Unit.of(
                PublishPriceMatrix(
                    **tariff,
                    issuer_event_id=101,
                    start_time=_TARIFF_START,
                    command_index=0,
                    total_number_of_commands=1,
                    sub_payload_control=0x01,
                    entries=(PriceMatrixEntry(1, 1320), PriceMatrixEntry(2, 2450)),
                )
            ).encode(),
        ),
        (
            "price-block-thresholds",
            "PublishBlockThresholds: tier 1 blocks at 1,000 and 2,500, tier 2 at 5,000.",
            lambda: Unit.of(
                PublishBlockThresholds(
                    **tariff,
                    issuer_event_id=102,
                    start_time=_TARIFF_START,
                    command_index=0,
                    total_number_of_commands=1,
                    sub_payload_control=0x00,
                    entries=(BlockThresholdEntry(1, (1000, 2500)), BlockThresholdEntry(2, (5000,))),
                )
            ).encode(),
        ),
        (
            "calendar-publish-calendar",
            "PublishCalendar 'Economy 7': local time, 2 seasons, 1 week profile, 2 day profiles.",
            lambda: Unit.of(
                PublishCalendar(
                    **calendar,
                    issuer_event_id=103,
                    start_time=_TARIFF_START,
                    calendar_name="Economy 7",
                    number_of_seasons=2,
                    number_of_week_profiles=1,
                    number_of_day_profiles=2,
                )
            ).encode(),
        ),
        (
            "calendar-day-profile",
            "PublishDayProfile 1: tier 2 from 00:00, tier 1 from 00:30, tier 2 from 07:30.",
            lambda: Unit.of(
                PublishDayProfile(
                    **calendar,
                    issuer_event_id=104,
                    day_id=1,
                    total_number_of_schedule_entries=3,
                    entries=(ScheduleEntry(0, 2), ScheduleEntry(30, 1), ScheduleEntry(450, 2)),
                )
            ).encode(),
        ),
        (
            "calendar-week-profile",
            "PublishWeekProfile 1: day profile 1 on weekdays, 2 at the weekend.",
            lambda: Unit.of(
                PublishWeekProfile(
                    **calendar, issuer_event_id=105, week_id=1, day_id_refs=(1, 1, 1, 1, 1, 2, 2)
                )
            ).encode(),
        ),
        (
            "calendar-seasons",
            "PublishSeasons: week profile 1 from 2026-01-01, 2 from 2026-04-01.",
            lambda: Unit.of(
                PublishSeasons(
                    **calendar,
                    issuer_event_id=106,
                    entries=(
                        SeasonEntry(ZclDate(126, 1, 1), 1),
                        SeasonEntry(ZclDate(126, 4, 1), 2),
                    ),
                )
            ).encode(),
        ),
        (
            "calendar-special-days",
            "PublishSpecialDays: 2026-12-25 and 2026-12-26 follow day profile 2.",
            lambda: Unit.of(
                PublishSpecialDays(
                    **calendar,
                    issuer_event_id=107,
                    start_time=_TARIFF_START,
                    total_number_of_special_days=2,
                    entries=(
                        SpecialDayEntry(ZclDate(126, 12, 25, 5), 2),
                        SpecialDayEntry(ZclDate(126, 12, 26, 6), 2),
                    ),
                )
            ).encode(),
        ),
        (
            "metering-get-sampled-data",
            "GetSampledData to the gas meter: 48 samples of session 1 from 2026-12-01T00:00Z.",
            lambda: Unit.of(
                GetSampledData(
                    sample_id=1, earliest_sample_time=_TARIFF_START, number_of_samples=48
                ),
                endpoint=Endpoint.GAS,
            ).encode(),
        ),
        (
            "metering-get-sampled-data-response",
            "GetSampledDataResponse from the gas meter: three half-hourly samples (dm3).",
            lambda: Unit.of(
                GetSampledDataResponse(
                    sample_id=1,
                    sample_start_time=_TARIFF_START,
                    sample_request_interval=1800,
                    samples=(150, 0, 2300),
                ),
                endpoint=Endpoint.GAS,
            ).encode(),
        ),
    ]


def write_unit_vectors(directory: Path) -> None:
    """Write every unit vector as ``DIR/<name>.json``: hex and decoded fields."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, description, build in [*_unit_vectors(), *_tariff_vectors()]:
        data = build()
        decoded = (
            decode_frame(data, 0x0703).to_dict()
            if name.startswith("gb-")
            else decode_unit(data).to_dict()
        )
        entry = {
            "name": name,
            "description": description,
            "kind": "bare ZCL frame" if name.startswith("gb-") else "unit",
            "hex": data.hex().upper(),
            "decoded": decoded,
            "command": f"ihd frame decode {data.hex().upper()}"
            + (" --cluster 0x0703" if name.startswith("gb-") else ""),
        }
        (directory / f"{name}.json").write_text(
            json.dumps(entry, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
