"""The ``ihd`` command: the In-Home Display and its protocol tools.

Exit status: 0 success (or an accepted envelope), 1 a refused envelope or undecodable frame,
2 a usage or configuration error. Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from platformdirs import user_data_dir

from ihd_app import __version__
from ihd_app.headless.runner import HeadlessConfig, run_headless
from ihd_app.link.pairing import AutoAccept
from ihd_app.protocol.cli_common import (
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    UsageError,
    add_run_arguments,
    configure_logging,
    radio_argument,
)
from ihd_app.protocol.errors import DecodeError, IhdError
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.message_types import Flow
from ihd_app.protocol.pki import TrustStore
from ihd_app.protocol.pki.authority import STANDARD_IDENTITIES
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.replay import InMemoryReplayCounters, ReplayCounters
from ihd_app.protocol.resources import default_policy_path, demo_trust_dir
from ihd_app.protocol.timeutil import parse_instant
from ihd_app.protocol.verification import Verifier
from ihd_app.protocol.zcl import decode_frame, decode_unit
from ihd_app.store.database import Database
from ihd_app.store.replay_counters import SqliteReplayCounters

DEMO_METER_ID = next(s.entity_id for s in STANDARD_IDENTITIES if s.name == "meter")
DEMO_IHD_ID = next(s.entity_id for s in STANDARD_IDENTITIES if s.name == "ihd")


def _parse_int(text: str) -> int:
    return int(text, 0)


def build_parser() -> argparse.ArgumentParser:
    """The ``ihd`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="ihd",
        description="In-Home Display emulator: verifies and shows smart-meter messages.",
    )
    parser.add_argument("--version", action="version", version=f"ihd {__version__}")
    run = parser.add_argument_group("running the display (no COMMAND)")
    add_run_arguments(
        run,
        radio_type=radio_argument,
        radio_help="virtual[:PORT] (default virtual:9301), bumble:<transport> or system",
        data_dir_help="database and bonds",
    )
    run.add_argument(
        "--accept-pairing", action="store_true", help="headless: confirm pairing automatically"
    )
    run.add_argument(
        "--auto-ack", action="store_true", help="headless: acknowledge each displayed message"
    )
    run.add_argument(
        "--no-backfill", action="store_true", help="do not ask the meter for 13 months of history"
    )
    run.add_argument("--address", metavar="ADDR", help="connect to this meter, not the first heard")
    run.add_argument("--trust", type=Path, dest="trust_store", metavar="DIR", help="trust store")
    window = parser.add_argument_group("the window")
    window.add_argument("--kiosk", action="store_true", help="full screen, no window frame")
    window.add_argument("--form-factor", metavar="WxH", help="IHD screen size, e.g. 800x480")
    window.add_argument("--theme", choices=["light", "dark", "high-contrast"])
    window.add_argument("--screenshot-dir", type=Path, metavar="DIR", help="save screenshots")
    window.add_argument("--exit-after", type=float, metavar="SECONDS", help="then close")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    frame = commands.add_parser("frame", help="ZCL frames and units")
    frame_commands = frame.add_subparsers(dest="frame_command", metavar="ACTION", required=True)
    decode = frame_commands.add_parser(
        "decode", help="decode a unit (cluster|endpoint|ZCL frame), or a bare ZCL frame"
    )
    decode.add_argument("hex", metavar="HEX", help="the bytes in hexadecimal")
    decode.add_argument(
        "--cluster",
        type=_parse_int,
        metavar="ID",
        help="decode HEX as a bare ZCL frame of this cluster (e.g. 0x0703)",
    )

    envelope = commands.add_parser("envelope", help="signed envelopes")
    envelope_commands = envelope.add_subparsers(
        dest="envelope_command", metavar="ACTION", required=True
    )
    verify = envelope_commands.add_parser("verify", help="verify an envelope, print the verdict")
    verify.add_argument("file", type=Path, metavar="FILE", help="envelope (CBOR, or hex text)")
    verify.add_argument("--trust", type=Path, metavar="DIR", help="trust store (default: DEMO)")
    verify.add_argument(
        "--target",
        action="append",
        metavar="ID",
        help="entity id the envelope must be addressed to; repeatable "
        f"(default: the DEMO meter {DEMO_METER_ID}, and for --recipient ihd also the DEMO IHD "
        f"{DEMO_IHD_ID})",
    )
    verify.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="keep replay counters in this data dir, so a replay is caught across calls",
    )
    verify.add_argument("--policy", type=Path, metavar="FILE", help="authorisation policy TOML")
    verify.add_argument(
        "--recipient",
        choices=["ihd", "meter"],
        default="ihd",
        help="verify as the display (messages to show; default) or as the meter (also "
        "operator commands and the display's replies)",
    )
    verify.add_argument(
        "--at", metavar="TIME", help="verify as if it were this ISO-8601 time (test vectors)"
    )
    return parser


def _read_envelope(path: Path) -> bytes:
    try:
        data = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    # Accept the hex text a person pastes as well as raw CBOR.
    text = data.strip()
    if text and all(chr(b) in "0123456789abcdefABCDEF" for b in text) and len(text) % 2 == 0:
        return bytes.fromhex(text.decode("ascii"))
    return data


def _frame_decode(args: argparse.Namespace) -> int:
    cleaned = "".join(args.hex.split()).removeprefix("0x")
    try:
        data = bytes.fromhex(cleaned)
    except ValueError:
        raise UsageError(f"'{args.hex}' is not hexadecimal") from None
    try:
        decoded = decode_unit(data) if args.cluster is None else decode_frame(data, args.cluster)
    except DecodeError as exc:
        print(json.dumps({"error": exc.reason.value, "detail": exc.detail}, indent=2))
        return EXIT_REFUSED
    print(json.dumps(decoded.to_dict(), indent=2, ensure_ascii=False))
    return EXIT_OK


def _envelope_verify(args: argparse.Namespace) -> int:
    data = _read_envelope(args.file)
    trust = TrustStore.from_directory(args.trust or demo_trust_dir())
    policy = Policy.from_file(args.policy or default_policy_path())
    targets = args.target or (
        [DEMO_METER_ID, DEMO_IHD_ID] if args.recipient == "ihd" else [DEMO_METER_ID]
    )
    flows = (Flow.TO_IHD,) if args.recipient == "ihd" else tuple(Flow)
    moment: datetime | None = None
    if args.at:
        try:
            moment = parse_instant(args.at)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    database: Database | None = None
    counters: ReplayCounters
    if args.data_dir is not None:
        database = Database.in_data_dir(args.data_dir)
        counters = SqliteReplayCounters(database)
    else:
        counters = InMemoryReplayCounters()
    try:
        verifier = (
            Verifier(trust, policy, counters, targets, flows=flows, clock=lambda: moment)
            if moment is not None
            else Verifier(trust, policy, counters, targets, flows=flows)
        )
        verdict = verifier.verify(data)
    finally:
        if database is not None:
            database.close()
    print(json.dumps(verdict.to_dict(), indent=2, ensure_ascii=False))
    return EXIT_OK if verdict.accepted else EXIT_REFUSED


def _run_window(args: argparse.Namespace, data_dir: Path) -> int:
    """The display's window on the real service (Qt is imported only here)."""
    from ihd_app.service.ihd_service import IhdService, ServiceConfig  # noqa: PLC0415
    from ihd_app.ui.app import run_gui  # noqa: PLC0415 - keeps Qt out of the CLI tools

    config = ServiceConfig(
        radio=args.radio,
        data_dir=data_dir,
        trust_dir=args.trust_store or demo_trust_dir(),
        address=args.address,
        btsnoop=args.btsnoop,
        backfill=not args.no_backfill,
        auto_connect=True,
    )

    async def factory() -> IhdService:
        events = EventLog(args.events)
        return IhdService(config, events, pairing=AutoAccept() if args.accept_pairing else None)

    return run_gui(
        factory,
        kiosk=args.kiosk,
        form_factor=args.form_factor,
        theme=args.theme,
        screenshot_dir=args.screenshot_dir,
        exit_after=args.exit_after,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ihd`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(getattr(args, "verbose", False))
    try:
        if args.command == "frame":
            return _frame_decode(args)
        if args.command == "envelope":
            return _envelope_verify(args)
        data_dir = args.data_dir or Path(user_data_dir("ihd-emulator", appauthor=False))
        if not args.headless:
            return _run_window(args, data_dir)
        config = HeadlessConfig(
            radio=args.radio,
            data_dir=data_dir,
            accept_pairing=args.accept_pairing,
            auto_ack=args.auto_ack,
            backfill=not args.no_backfill,
            address=args.address,
            btsnoop=args.btsnoop,
            trust_dir=args.trust_store or demo_trust_dir(),
        )
        asyncio.run(run_headless(config, args.events))
        return EXIT_OK
    except IhdError as exc:
        print(f"ihd: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
