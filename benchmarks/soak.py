"""``python -m benchmarks.soak --minutes N``: the long fault run, on demand (not in ./run test).

Runs ``meter-emulator --headless`` and ``ihd --headless --auto-ack`` as two real processes on the
virtual radio for N minutes, with the meter's simulation accelerated so the run covers one
simulated day (``--speed`` = 86,400 s / the run's length) and:

- a steady flow of messages that ask for an acknowledgement (signed in advance, each due at its
  own time through the run, so the display shows and acknowledges them one after another);
- the 13-month history backfill at the start, live readings every second;
- faults: the meter drops the link every ``--drop-every`` seconds (``SIGUSR1``; the display
  reconnects with its bond), and with ``--kill-every`` the display is killed with ``SIGKILL``
  and started again on its data dir.

It samples the resident memory (RSS, from ``/proc``) of both processes every ``--sample-s``
seconds and prints it. Exit status 1 when either process's RSS over the last quarter of the run
exceeds its RSS after the warm-up (the first quarter) by more than ``--max-growth-mb``, when a
due message was not acknowledged exactly once, or when either program logged an internal error
(``service.error``, ``meter.error``); 0 otherwise. ``--json FILE`` writes the samples and the
verdict.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.pki import load_identity
from ihd_app.protocol.radio_spec import free_virtual_port
from ihd_app.protocol.resources import demo_pki_dir
from ihd_app.protocol.zcl import Importance

BIN = Path(sys.executable).parent
METER_ID = "00-1D-A6-00-00-00-00-01"
#: Events that mean a bug, whatever else happened.
INTERNAL_ERRORS = ("service.error", "meter.error")


@dataclass
class Running:
    """One program and every event it printed."""

    name: str
    process: asyncio.subprocess.Process
    events: list[dict[str, Any]] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, name: str, args: list[str]) -> Running:
        process = await asyncio.create_subprocess_exec(
            str(BIN / name),
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        running = cls(name, process)
        running.reader = asyncio.create_task(running._read())
        return running

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            with contextlib.suppress(json.JSONDecodeError):
                self.events.append(json.loads(line))

    def rss_mb(self) -> float | None:
        """Resident memory now, from ``/proc/PID/status`` (``None`` once it has exited)."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return None

    def named(self, event: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("event") == event]

    async def stop(self, kill: bool = False) -> None:
        if self.process.returncode is None:
            if kill:
                self.process.kill()
            else:
                self.process.send_signal(signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.process.wait(), 20)
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        if self.reader is not None:
            await self.reader


def _messages(workdir: Path, start: datetime, seconds: float, every_s: float) -> list[Path]:
    """Outage notices due one after another through the run, each valid for a day."""
    identity = load_identity(demo_pki_dir(), "dno")
    base = int(time.time() * 1000)
    paths = []
    count = max(1, int(seconds // every_s))
    for n in range(count):
        due = start + timedelta(seconds=every_s * (n + 1))
        payload, details = compose(
            MessageRequest(
                "outage.planned",
                message_id=10_000 + n,
                text=f"Soak message {n}",
                importance=Importance.HIGH,
                confirmation_required=True,
                start=due,
                duration_minutes=60,
                at=start,
            )
        )
        claims = new_claims(
            identity, "outage.planned", METER_ID, base + n, issued_at=start, details=details
        )
        path = workdir / f"message-{n:05d}.cbor"
        path.write_bytes(sign_envelope(identity, claims, payload))
        paths.append(path)
    return paths


def _growth(samples: list[float]) -> float:
    """RSS of the last quarter of the run above that after the warm-up (the first quarter)."""
    if len(samples) < 4:
        return 0.0
    quarter = len(samples) // 4
    return max(samples[-quarter:]) - max(samples[:quarter])


async def soak(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    seconds = args.minutes * 60
    speed = args.speed or 86_400 / seconds
    port = free_virtual_port()
    radio = f"virtual:{port}"
    started = datetime.now(UTC)
    sends: list[str] = []
    for path in _messages(workdir, started, seconds, args.message_every):
        sends += ["--send", str(path)]
    meter = await Running.start(
        "meter-emulator",
        [
            "--headless",
            "--events",
            "-",
            "--radio",
            radio,
            "--data-dir",
            str(workdir / "meter"),
            "--speed",
            f"{speed:g}",
            *sends,
        ],
    )
    ihd_args = [
        "--headless",
        "--events",
        "-",
        "--radio",
        radio,
        "--data-dir",
        str(workdir / "ihd"),
        "--accept-pairing",
        "--auto-ack",
    ]
    while not meter.named("advertising"):
        await asyncio.sleep(0.05)  # polling a child's log in a tool, not a test
    displays = [await Running.start("ihd", ihd_args)]
    samples: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    begin = loop.time()
    next_drop = args.drop_every or None
    next_kill = args.kill_every or None
    print(f"soak: {args.minutes:g} min, meter --speed {speed:g} (one simulated day), radio {radio}")
    print(f"{'t_s':>6} {'meter_mb':>9} {'ihd_mb':>8} {'acks':>6} {'readings':>9} {'links':>6}")
    try:
        while (elapsed := loop.time() - begin) < seconds:
            await asyncio.sleep(min(args.sample_s, seconds - elapsed))
            elapsed = loop.time() - begin
            if next_drop is not None and elapsed >= next_drop:
                meter.process.send_signal(signal.SIGUSR1)
                next_drop += args.drop_every
            if next_kill is not None and elapsed >= next_kill:
                await displays[-1].stop(kill=True)
                displays.append(await Running.start("ihd", ihd_args))
                next_kill += args.kill_every
            sample = {
                "t_s": round(elapsed, 1),
                "meter_mb": meter.rss_mb(),
                "ihd_mb": displays[-1].rss_mb(),
                "ihd_run": len(displays),
                "acks": len(meter.named("ack.received")),
                "readings": sum(len(d.named("reading")) for d in displays),
                "links": len(meter.named("link.connected")),
            }
            samples.append(sample)
            print(
                f"{sample['t_s']:>6.0f} {sample['meter_mb'] or 0:>9.1f} "
                f"{sample['ihd_mb'] or 0:>8.1f} {sample['acks']:>6} {sample['readings']:>9} "
                f"{sample['links']:>6}",
                flush=True,
            )
        # Let the last due message be shown and acknowledged before stopping.
        await asyncio.sleep(3)
    finally:
        for display in displays:
            await display.stop()
        await meter.stop()

    ended = datetime.now(UTC)
    due = {
        10_000 + n
        for n in range(len(sends) // 2)
        if started + timedelta(seconds=args.message_every * (n + 1)) < ended - timedelta(seconds=5)
    }
    acks = Counter(int(e["message_id"]) for e in meter.named("ack.received"))
    problems = []
    missing = sorted(due - set(acks))
    twice = sorted(m for m, c in acks.items() if c > 1)
    if missing:
        problems.append(f"{len(missing)} due messages not acknowledged: {missing[:10]}")
    if twice:
        problems.append(f"acknowledged more than once: {twice[:10]}")
    for program in (meter, *displays):
        for event in INTERNAL_ERRORS:
            if program.named(event):
                problems.append(f"{program.name}: {program.named(event)[0]}")
    # The display's RSS only means something within one run of it: take the last run's.
    last_run = len(displays)
    growth = {
        "meter": _growth([s["meter_mb"] for s in samples if s["meter_mb"] is not None]),
        "ihd": _growth(
            [s["ihd_mb"] for s in samples if s["ihd_mb"] is not None and s["ihd_run"] == last_run]
        ),
    }
    for name, grown in growth.items():
        if grown > args.max_growth_mb:
            problems.append(f"{name} RSS grew by {grown:.1f} MB (bound {args.max_growth_mb} MB)")
    history = [d.named("history.done") for d in displays]
    return {
        "minutes": args.minutes,
        "speed": speed,
        "samples": samples,
        "growth_mb": {k: round(v, 1) for k, v in growth.items()},
        "peak_mb": {
            "meter": max((s["meter_mb"] or 0 for s in samples), default=0),
            "ihd": max((s["ihd_mb"] or 0 for s in samples), default=0),
        },
        "messages_due": len(due),
        "acks": sum(acks.values()),
        "readings": sum(len(d.named("reading")) for d in displays),
        "link_drops": len(meter.named("link.dropped")),
        "reconnections": len(meter.named("link.connected")) - 1,
        "ihd_runs": len(displays),
        "history_done": sum(len(h) for h in history),
        "problems": problems,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=5.0, help="length of the run")
    parser.add_argument("--speed", type=float, help="meter --speed (default: a day per run)")
    parser.add_argument("--sample-s", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--message-every", type=float, default=5.0, metavar="S")
    parser.add_argument("--drop-every", type=float, default=60.0, metavar="S", help="0: never")
    parser.add_argument("--kill-every", type=float, default=0.0, metavar="S", help="0: never")
    parser.add_argument("--max-growth-mb", type=float, default=40.0)
    parser.add_argument("--json", type=Path, metavar="FILE")
    parser.add_argument("--workdir", type=Path, help="keep data dirs here (default: temporary)")
    args = parser.parse_args(argv)
    if not Path("/proc/self/status").exists():
        print("soak: needs Linux's /proc to read RSS", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="ihd-soak-") as temporary:
        workdir = args.workdir or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        report = asyncio.run(soak(args, workdir))
    summary = {k: v for k, v in report.items() if k != "samples"}
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
