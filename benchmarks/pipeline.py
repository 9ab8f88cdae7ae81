"""Pipeline figures: operator message to the IHD's screen, and the 13-month history backfill.

- ``latency_ms_p50/p99``: from the meter starting to indicate a genuine, signed message to the
  IHD service reporting it displayed (verification, storage and inbox included).
- ``backfill_s``: 13 months of half hours for both fuels (about 38,700 intervals), from the
  requests being queued to the last interval stored.
- ``backfill_ratio``: backfill bytes per second over the raw notification throughput of the same
  link measured in the same run (History-sized units notified back to back, only counted).
- ``backfill_traffic_ratio``: the ceiling of ``backfill_ratio`` on this link: every 76 History
  units (13 months of one fuel, a history range) need one signed request
  (``history_request_bytes``, the certificate embedded), written with acknowledgement; that
  traffic alone, with no signing, verifying, computing or storing at either end (requests
  written while the units are notified), over the same raw throughput.
- ``throughput_msgs_per_s``: genuine, signed operator messages indicated back to back by the
  meter, over the time until the IHD reported the last one displayed (verified, stored, inbox,
  replies queued); baseline ``raw_notify_units_per_s``, the History-sized units per second of the
  raw notification throughput above (a unit about the size of a message envelope), and
  ``throughput_ratio``, the one over the other.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.link import _percentile
from ihd_app.link.pairing import AutoAccept
from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.events import EventLog, EventWaiter
from ihd_app.protocol.history_range import MAX_RANGE_PERIODS, HistoryRange, range_request
from ihd_app.protocol.pki import load_identity
from ihd_app.protocol.radio_spec import RadioSpec, free_virtual_port
from ihd_app.protocol.resources import demo_pki_dir
from ihd_app.protocol.zcl import (
    METERING,
    Endpoint,
    GetProfileResponse,
    ProfileIntervalPeriod,
    Unit,
)
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from ihd_app.service.replies import ReplySigner
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import MeterRuntime


class _Stopwatch:
    """When each event arrived (``perf_counter``), by name and message id."""

    def __init__(self, log: EventLog) -> None:
        self.times: dict[tuple[str, Any], float] = {}
        log.subscribe(self._on_event)

    def _on_event(self, record: dict[str, Any]) -> None:
        self.times.setdefault((record["event"], record.get("id")), time.perf_counter())


async def _session(workdir: Path, messages: int, raw_units: int) -> dict[str, Any]:
    port = free_virtual_port()
    meter = MeterRuntime(
        MeterConfig(
            radio=RadioSpec.parse(f"virtual:{port}"), data_dir=workdir / "m", report_interval_s=3600
        ),
        EventLog(),
    )
    await meter.start()
    log = EventLog()
    waiter = EventWaiter(log)
    stopwatch = _Stopwatch(log)
    service = IhdService(
        ServiceConfig(RadioSpec.parse(f"virtual:{port}"), workdir / "i"), log, pairing=AutoAccept()
    )
    history_bytes = 0
    counting_only = False
    raw_target = 0
    raw_done = asyncio.Event()
    original = service._radio_link.on_history

    def counted(unit: bytes) -> None:
        nonlocal history_bytes
        history_bytes += len(unit)
        if counting_only and history_bytes >= raw_target:
            raw_done.set()
        if not counting_only:
            original(unit)

    service._radio_link.on_history = counted
    try:
        await service.start()
        assert service.link is not None
        found = await service.link.find_meter()
        await service.connect(found)
        await waiter.wait("history.done", timeout=120)
        # From the requests being queued (the first progress event, once the link is up and
        # paired: connecting waits for the meter's next advertisement) to the last stored.
        started = stopwatch.times[("history.progress", None)]
        done = stopwatch.times[("history.done", None)]
        backfill_s = done - started
        backfill_bytes = history_bytes

        # Raw throughput on the same link: the same units, notified back to back, only counted.
        counting_only = True
        history_bytes = 0
        unit = _sample_history_unit()
        raw_target = raw_units * len(unit)
        server = meter.server
        assert server is not None
        raw_start = time.perf_counter()
        for _ in range(raw_units):
            await server.notify_history(unit)
        await asyncio.wait_for(raw_done.wait(), 60)
        raw_s = time.perf_counter() - raw_start

        # The backfill's own traffic with no work at either end: as many signed-request-sized
        # units written (acknowledged, as requests are) as History units notified, at once.
        assert service.link is not None
        link = service.link
        throwaway = ReplySigner(
            service.identity,
            meter.meter_id,
            "bench-session",
            lambda: None,
            lambda _c: None,
            lambda: datetime.now(UTC),
        )
        request = throwaway.sign(
            range_request(Endpoint.ELECTRICITY, datetime.now(UTC), MAX_RANGE_PERIODS)
        )
        requests_needed = -(-raw_units // HistoryRange(MAX_RANGE_PERIODS).responses)
        history_bytes = 0
        raw_done.clear()
        on_unit = server._on_unit
        server._on_unit = lambda _unit, _connection: None
        traffic_start = time.perf_counter()

        async def requests() -> None:
            for _ in range(requests_needed):
                await link.send(request)

        async def responses() -> None:
            for _ in range(raw_units):
                await server.notify_history(unit)

        await asyncio.gather(requests(), responses())
        await asyncio.wait_for(raw_done.wait(), 60)
        traffic_s = time.perf_counter() - traffic_start
        server._on_unit = on_unit

        dno = load_identity(demo_pki_dir(), "dno")

        def operator_message(message_id: int, counter: int) -> bytes:
            request = MessageRequest(
                "message.general", message_id=message_id, text=f"Notice {message_id}"
            )
            payload, details = compose(request)
            claims = new_claims(
                dno,
                "message.general",
                meter.meter_id,
                counter,
                issued_at=datetime.now(UTC),
                details=details,
            )
            return sign_envelope(dno, claims, payload)

        latencies = []
        for n in range(messages):
            envelope = operator_message(90_000 + n, 10_000 + n)
            sent = time.perf_counter()
            await meter.send_envelope(envelope)
            await waiter.wait("message.displayed", id=90_000 + n)
            shown = stopwatch.times[("message.displayed", 90_000 + n)]
            latencies.append((shown - sent) * 1000)

        # Throughput: signed before the clock starts, then indicated back to back.
        batch = [operator_message(95_000 + n, 20_000 + n) for n in range(messages)]
        batch_start = time.perf_counter()
        for envelope in batch:
            await meter.send_envelope(envelope)
        for n in range(messages):
            await waiter.wait("message.displayed", id=95_000 + n, timeout=60)
        last_shown = max(
            stopwatch.times[("message.displayed", 95_000 + n)] for n in range(messages)
        )
        return {
            "backfill_s": backfill_s,
            "backfill_bytes_per_s": backfill_bytes / backfill_s,
            "raw_notify_bytes_per_s": raw_units * len(unit) / raw_s,
            "raw_notify_units_per_s": raw_units / raw_s,
            "backfill_traffic_bytes_per_s": raw_units * len(unit) / traffic_s,
            "request_bytes": len(request),
            "throughput_msgs_per_s": messages / (last_shown - batch_start),
            "latencies": latencies,
        }
    finally:
        await service.close()
        await meter.close()


def _sample_history_unit() -> bytes:
    """A History unit of 255 half hours, the size backfill uses."""
    response = GetProfileResponse(
        end_time=0,
        status=0,
        profile_interval_period=ProfileIntervalPeriod.MINUTES_30,
        intervals=tuple(range(255)),
    )
    return Unit.of(response, cluster_id=METERING).encode()


async def measure_pipeline(quick: bool) -> dict[str, float]:
    """Medians over sessions of backfill time, throughput ratio and display latency."""
    sessions, messages, raw_units = (1, 20, 150) if quick else (3, 50, 300)
    results = []
    for _ in range(sessions):
        with tempfile.TemporaryDirectory() as workdir:
            results.append(await _session(Path(workdir), messages, raw_units))
    latencies = [value for result in results for value in result["latencies"]]
    backfill_rate = statistics.median(r["backfill_bytes_per_s"] for r in results)
    raw_rate = statistics.median(r["raw_notify_bytes_per_s"] for r in results)
    traffic_rate = statistics.median(r["backfill_traffic_bytes_per_s"] for r in results)
    throughput = statistics.median(r["throughput_msgs_per_s"] for r in results)
    raw_units_rate = statistics.median(r["raw_notify_units_per_s"] for r in results)
    return {
        "latency_ms_p50": statistics.median(latencies),
        "latency_ms_p99": _percentile(latencies, 0.99),
        "backfill_s": statistics.median(r["backfill_s"] for r in results),
        "backfill_ratio": backfill_rate / raw_rate,
        "raw_notify_bytes_per_s": raw_rate,
        "backfill_traffic_ratio": traffic_rate / raw_rate,
        "history_request_bytes": float(results[0]["request_bytes"]),
        "throughput_msgs_per_s": throughput,
        "raw_notify_units_per_s": raw_units_rate,
        "throughput_ratio": throughput / raw_units_rate,
    }
