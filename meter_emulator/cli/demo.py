"""``./run demo``: the meter emulator and the IHD connected over the virtual radio.

Starts a headless meter emulator on a free virtual-radio port with a demonstration set of
genuine operator messages (and a few forgeries the display must refuse), then opens the IHD's
window on it. Closing the window or Ctrl+C stops both. The emulator's own window (operator and
attack consoles, scenarios) arrives with its GUI; until then its events are written to
``meter-events.jsonl`` in the demo folder.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.pki import Identity, load_identity
from ihd_app.protocol.radio_spec import free_virtual_port
from ihd_app.protocol.resources import demo_pki_dir
from ihd_app.protocol.zcl import Endpoint, Importance
from meter_emulator.attacks.forgery import AttackContext, attack

METER_ID = "00-1D-A6-00-00-00-00-01"
BIN = Path(sys.executable).parent


def demo_envelopes(now: datetime, identities: Callable[[str], Identity]) -> list[bytes]:
    """A realistic morning: tariffs, an outage notice, a gas message, and two forgeries."""
    counter = int(now.timestamp() * 1000)
    messages = [
        (
            "supplier",
            MessageRequest(
                "tariff.price",
                message_id=7001,
                price_pence_per_kwh=24.5,
                rate_label="Day",
                extra_details={
                    "bands": [
                        {
                            "name": "Off-peak",
                            "start": "00:30",
                            "end": "07:30",
                            "pence_per_kwh": 9.5,
                        },
                        {"name": "Peak", "start": "16:00", "end": "19:00", "pence_per_kwh": 38.2},
                    ]
                },
            ),
        ),
        (
            "supplier",
            MessageRequest(
                "tariff.price",
                message_id=7002,
                standing_charge_pence_per_day=53.35,
                tariff_label="Brightwater Flex",
            ),
        ),
        (
            "supplier",
            MessageRequest(
                "tariff.price",
                message_id=7003,
                price_pence_per_kwh=6.3,
                rate_label="Gas",
                fuel=Endpoint.GAS,
            ),
        ),
        (
            "supplier",
            MessageRequest(
                "message.general",
                message_id=7004,
                importance=Importance.LOW,
                text="Your winter statement is ready: you used 8% less than last winter.",
            ),
        ),
        (
            "gdn",
            MessageRequest(
                "gas.message",
                message_id=7005,
                fuel=Endpoint.GAS,
                text="Gas main replacement in Elm Road from Monday: expect low pressure 9-16h.",
            ),
        ),
        (
            "dno",
            MessageRequest(
                "outage.planned",
                message_id=7006,
                importance=Importance.HIGH,
                confirmation_required=True,
                text="Planned power cut on Tuesday 10:00 to 14:00 while we replace an overhead "
                "line. Please switch off sensitive equipment.",
                outage_start=now + timedelta(days=2),
                outage_end=now + timedelta(days=2, hours=4),
            ),
        ),
    ]
    envelopes = []
    for signer, request in messages:
        identity = identities(signer)
        payload, details = compose(request)
        counter += 1
        claims = new_claims(
            identity, request.type_name, METER_ID, counter, issued_at=now, details=details
        )
        envelopes.append(sign_envelope(identity, claims, payload))
    outage_payload, _ = compose(messages[-1][1])
    for name in ("role-not-authorised", "bad-signature"):
        counter += 1
        context = AttackContext(identities, METER_ID, now, counter, outage_payload)
        envelopes.append(attack(name).build(context))
    return envelopes


def run(argv: Sequence[str] | None = None) -> int:
    """Start both programs; returns the IHD window's exit status."""
    parser = argparse.ArgumentParser(prog="./run demo", description=__doc__)
    parser.add_argument("--offscreen", action="store_true", help="no screen (automation)")
    parser.add_argument("--screenshot-dir", type=Path, metavar="DIR")
    parser.add_argument("--exit-after", type=float, metavar="SECONDS")
    parser.add_argument("--form-factor", metavar="WxH", help="IHD screen size, e.g. 800x480")
    args = parser.parse_args(argv)
    environment = dict(os.environ)
    if args.offscreen:
        environment["QT_QPA_PLATFORM"] = "offscreen"
    elif not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and (
        sys.platform.startswith("linux") and "QT_QPA_PLATFORM" not in os.environ
    ):
        print(
            "./run demo: no display here; run it on a desktop, or use "
            "./run demo --offscreen --screenshot-dir DIR --exit-after 20",
            file=sys.stderr,
        )
        return 2
    folder = Path(tempfile.mkdtemp(prefix="ihd-demo-"))
    cache: dict[str, Identity] = {}

    def identities(name: str) -> Identity:
        if name not in cache:
            cache[name] = load_identity(demo_pki_dir(), name)
        return cache[name]

    send: list[str] = []
    for number, envelope in enumerate(demo_envelopes(datetime.now(UTC), identities)):
        path = folder / f"message-{number:02d}.cbor"
        path.write_bytes(envelope)
        send += ["--send", str(path)]
    port = free_virtual_port()
    meter = subprocess.Popen(
        [
            str(BIN / "meter-emulator"),
            "--headless",
            "--radio",
            f"virtual:{port}",
            "--data-dir",
            str(folder / "meter"),
            "--events",
            str(folder / "meter-events.jsonl"),
            *send,
        ],
        env=environment,
        stdout=subprocess.DEVNULL,
    )
    ihd_args = [
        str(BIN / "ihd"),
        "--radio",
        f"virtual:{port}",
        "--data-dir",
        str(folder / "ihd"),
        "--events",
        str(folder / "ihd-events.jsonl"),
    ]
    if args.form_factor:
        ihd_args += ["--form-factor", args.form_factor]
    if args.screenshot_dir:
        ihd_args += ["--screenshot-dir", str(args.screenshot_dir), "--accept-pairing"]
    if args.exit_after:
        ihd_args += ["--exit-after", str(args.exit_after)]
    print(f"./run demo: meter on virtual:{port}; events and data in {folder}")
    # Ctrl+C reaches both children (same process group); the demo just waits for them.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        status = subprocess.run(ihd_args, env=environment, check=False).returncode
    finally:
        signal.signal(signal.SIGINT, previous)
        meter.terminate()
        meter.wait(timeout=30)
    return status


if __name__ == "__main__":
    sys.exit(run())
