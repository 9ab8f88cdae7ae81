"""Fixtures for ``ihd conformance`` against the meter emulator, in one process on a virtual air.

The meter reports every :data:`REPORT_INTERVAL_S` and the runner watches for
:data:`REPORT_SECONDS`, so a whole run takes a few seconds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ihd_app.conformance.config import ConformanceConfig
from ihd_app.conformance.report import ConformanceReport
from ihd_app.conformance.runner import run_conformance
from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import load_identity
from ihd_app.protocol.radio_spec import RadioSpec, free_virtual_port
from ihd_app.protocol.resources import demo_pki_dir
from ihd_app.protocol.zcl import Importance
from meter_emulator.config import MeterConfig
from meter_emulator.faults import Fault
from meter_emulator.runtime import MeterRuntime

REPORT_INTERVAL_S = 0.2
REPORT_SECONDS = 2.0
METER_ID = "00-1D-A6-00-00-00-00-01"

#: Runs the runner against a meter with these faults (and an envelope to indicate, if any; the
#: displays to commission besides the DEMO ``ihd``; where the meter's events go).
Conform = Callable[..., Awaitable[ConformanceReport]]


def signed_message(path: Path) -> Path:
    """A genuine DNO message for the meter to indicate (as ``meter-emulator --send`` would)."""
    identity = load_identity(demo_pki_dir(), "dno")
    now = datetime.now(UTC)
    request = MessageRequest(
        "message.general",
        message_id=0x2001,
        text="Conformance test message",
        importance=Importance.HIGH,
        confirmation_required=True,
        at=now,
    )
    payload, details = compose(request)
    claims = new_claims(
        identity,
        request.type_name,
        METER_ID,
        int(now.timestamp() * 1000),
        issued_at=now,
        valid_for=timedelta(hours=1),
        details=details,
    )
    path.write_bytes(sign_envelope(identity, claims, payload))
    return path


@pytest.fixture
async def conform(tmp_path: Path) -> AsyncIterator[Conform]:
    meters: list[MeterRuntime] = []

    async def run(
        *faults: Fault,
        send: bool = True,
        commission: tuple[str, ...] = (),
        events: EventLog | None = None,
        **config: object,
    ) -> ConformanceReport:
        port = free_virtual_port()
        radio = RadioSpec.parse(f"virtual:{port}")
        files = (signed_message(tmp_path / "message.cbor"),) if send else ()
        meter = MeterRuntime(
            MeterConfig(
                radio=radio,
                data_dir=tmp_path / f"meter-{len(meters)}",
                report_interval_s=REPORT_INTERVAL_S,
                send=files,
                faults=frozenset(faults),
                commission=commission,
            ),
            events or EventLog(),
        )
        meters.append(meter)
        await meter.start()
        settings: dict[str, object] = {
            "report_interval_s": REPORT_INTERVAL_S,
            "report_seconds": REPORT_SECONDS,
            "message_wait_s": 3.0,
            "history_wait_s": 3.0,
            "scan_timeout_s": 5.0,
        }
        settings.update(config)
        return await run_conformance(radio, ConformanceConfig(**settings))  # type: ignore[arg-type]

    yield run
    for meter in meters:
        await meter.close()
