"""Unit test vectors: ZCL units (and one bare GBCS frame) as hex with their decoded fields, for
``ihd frame decode`` and a board's decoder."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from ihd_app.protocol.compose import compose
from ihd_app.protocol.zcl import (
    Endpoint,
    GetProfileResponse,
    ProfileIntervalPeriod,
    SupplyStatus,
    Unit,
    UnitOfMeasure,
    decode_frame,
    decode_unit,
    demand_report,
    formatting_report,
    summation_report,
    supply_status_report,
)
from meter_emulator.attacks.vector_requests import GB_DISPLAY_MESSAGE_HEX, VECTOR_REQUESTS


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


def write_unit_vectors(directory: Path) -> None:
    """Write every unit vector as ``DIR/<name>.json``: hex and decoded fields."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, description, build in _unit_vectors():
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
