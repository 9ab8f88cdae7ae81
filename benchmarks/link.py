"""Link figures over the virtual radio: connect, pairing, and notification round trips.

The meter emulator and the IHD's MeterLink run in this process on a virtual air served on a
loopback TCP port (the same wiring as two processes). Baseline, measured in the same run: the
round trip of a small message over a loopback TCP socket, the transport the virtual air uses;
the ratio is what the BLE stacks (HCI, L2CAP, ATT, encryption, segmentation) add on top.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from ihd_app.link.meter_link import MeterLink
from ihd_app.link.pairing import AutoAccept
from ihd_app.link.radios import open_radio
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import TrustStore, load_identity
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.radio_spec import RadioSpec, free_virtual_port
from ihd_app.protocol.resources import default_policy_path, demo_pki_dir, demo_trust_dir
from ihd_app.service.handshake import DisplayHandshake
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import MeterRuntime


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def _one_session(workdir: Path, round_trips: int) -> dict[str, Any]:
    port = free_virtual_port()
    meter_events = EventLog()
    echoes: asyncio.Queue[float] = asyncio.Queue()
    meter_events.subscribe(
        lambda record: (
            echoes.put_nowait(time.perf_counter()) if record["event"] == "ihd.rejected" else None
        )
    )
    meter = MeterRuntime(
        # Live readings every hour: nothing but the benchmark's own traffic on the link.
        MeterConfig(
            radio=RadioSpec.parse(f"virtual:{port}"),
            data_dir=workdir / "meter",
            report_interval_s=3600,
        ),
        meter_events,
    )
    await meter.start()
    marks: dict[str, float] = {}
    link: MeterLink | None = None
    radio = await open_radio(
        RadioSpec.parse(f"virtual:{port}"), data_dir=workdir / "ihd", pairing=AutoAccept()
    )
    pending: set[asyncio.Task[None]] = set()

    def echo(unit: bytes) -> None:
        assert link is not None
        task = asyncio.create_task(link.send(unit))
        pending.add(task)
        task.add_done_callback(pending.discard)

    try:
        link = MeterLink(
            radio.backend,
            emit=lambda event, **_: marks.setdefault(event, time.perf_counter()),
            on_metering=echo,
            on_message=lambda _unit: None,
            on_history=lambda _unit: None,
            handshake=DisplayHandshake.standalone(
                load_identity(demo_pki_dir(), "ihd"),
                TrustStore.from_directory(demo_trust_dir()),
                Policy.from_file(default_policy_path()),
                lambda *_a, **_k: None,
            ),
        )
        found = await link.find_meter()
        start = time.perf_counter()
        await link.connect(found.device)
        await meter.wait_for_ihd()  # the meter serves the display once its proof is confirmed
        server = meter.server
        assert server is not None
        rtts = []
        for n in range(round_trips):
            sent = time.perf_counter()
            await server.notify_metering(n.to_bytes(4, "little") * 4)
            echoed = await asyncio.wait_for(echoes.get(), 5)
            rtts.append((echoed - sent) * 1000)
        return {
            "connect_ms": (marks["link.connected"] - start) * 1000,
            "pairing_ms": (marks["link.paired"] - marks["link.connected"]) * 1000,
            "ready_ms": (marks["link.ready"] - start) * 1000,
            "rtts": rtts,
        }
    finally:
        await asyncio.gather(*pending, return_exceptions=True)
        if link is not None:
            await link.close()
        await radio.close()
        await meter.close()


async def _tcp_rtts(count: int) -> list[float]:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(64):
            writer.write(data)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    rtts = []
    for _ in range(count):
        sent = time.perf_counter()
        writer.write(b"x" * 16)
        await writer.drain()
        await reader.readexactly(16)
        rtts.append((time.perf_counter() - sent) * 1000)
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()
    return rtts


async def measure_link(quick: bool) -> dict[str, float]:
    """Median connect and pairing times over fresh pairings, and notification round trips."""
    sessions, round_trips = (3, 50) if quick else (7, 200)
    results = []
    for _ in range(sessions):
        with tempfile.TemporaryDirectory() as workdir:
            results.append(await _one_session(Path(workdir), round_trips))
    rtts = [rtt for result in results for rtt in result["rtts"]]
    tcp = await _tcp_rtts(len(rtts))
    figures = {
        "connect_ms_p50": statistics.median(r["connect_ms"] for r in results),
        "pairing_ms_p50": statistics.median(r["pairing_ms"] for r in results),
        "link_ready_ms_p50": statistics.median(r["ready_ms"] for r in results),
        "raw_notify_rtt_ms_p50": statistics.median(rtts),
        "raw_notify_rtt_ms_p99": _percentile(rtts, 0.99),
        "tcp_loopback_rtt_ms_p50": statistics.median(tcp),
    }
    figures["notify_rtt_ratio_to_tcp"] = (
        figures["raw_notify_rtt_ms_p50"] / figures["tcp_loopback_rtt_ms_p50"]
    )
    return figures
