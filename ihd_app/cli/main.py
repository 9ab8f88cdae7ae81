"""The ``ihd`` command: the In-Home Display and its protocol tools.

Exit status: 0 success (or an accepted envelope), 1 a refused envelope or undecodable frame,
2 a usage or configuration error, 141 the reader of its output went away (``| head``). Errors are
one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from platformdirs import user_data_dir

from ihd_app import __version__
from ihd_app.cli.app_config import apply_config_defaults
from ihd_app.cli.envelope_verify import add_verify_parser, envelope_verify
from ihd_app.cli.instance_lock import DataDirLock
from ihd_app.cli.log_file import default_log_dir, install_log_file
from ihd_app.headless.runner import HeadlessConfig, forget_paired_meter, run_headless
from ihd_app.link.errors import MeterNotTrustedError, PairingRefusedError
from ihd_app.link.pairing import AutoAccept
from ihd_app.protocol.cli_common import (
    EXIT_OK,
    EXIT_PAIRING_FAILED,
    EXIT_REFUSED,
    EXIT_USAGE,
    OneLineParser,
    UsageError,
    add_run_arguments,
    check_data_dir,
    configure_logging,
    exit_status_of,
    form_factor_argument,
    number_argument,
    parse_hex,
    radio_argument,
)
from ihd_app.protocol.errors import DecodeError, IhdError
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import Identity, TrustStore, load_identity
from ihd_app.protocol.resources import demo_pki_dir, demo_trust_dir
from ihd_app.protocol.zcl import decode_frame, decode_unit

logger = logging.getLogger(__name__)
CONFIG_HELP = "ihd.toml in the user's config dir"


def build_parser() -> argparse.ArgumentParser:
    """The ``ihd`` argument parser."""
    parser = OneLineParser(
        prog="ihd",
        description="In-Home Display emulator: verifies and shows smart-meter messages.",
    )
    parser.add_argument("--version", action="version", version=f"ihd {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="decode the test vectors, verify them with the DEMO trust store, open the window "
        "offscreen, then exit (0: passed)",
    )
    run = parser.add_argument_group("running the display (no COMMAND)")
    add_run_arguments(
        run,
        radio_type=radio_argument,
        radio_help="virtual[:PORT] (default virtual:9301), bumble:<transport> or system",
        data_dir_help="database and bonds",
    )
    run.add_argument(
        "--accept-pairing",
        action="store_true",
        help="headless: confirm numeric comparison automatically (a passkey the meter shows "
        "is read from standard input)",
    )
    run.add_argument(
        "--auto-ack", action="store_true", help="headless: acknowledge each displayed message"
    )
    run.add_argument(
        "--commands",
        metavar="FILE",
        help="headless: carry out the Privacy screen's actions read from FILE, one per line "
        "('-': standard input; a FIFO stays open): consent PARTY PURPOSE LEVEL, wipe, "
        "move-out, export-data-access PATH, agree ORIGINATOR DEVICES, opt-out EVENT_ID",
    )
    run.add_argument(
        "--no-backfill", action="store_true", help="do not ask the meter for 13 months of history"
    )
    run.add_argument(
        "--forget-meter",
        action="store_true",
        help="forget the paired meter and delete its bond (BlueZ's too with --radio system), "
        "then exit",
    )
    run.add_argument("--address", metavar="ADDR", help="connect to this meter, not the first heard")
    run.add_argument("--trust", type=Path, dest="trust_store", metavar="DIR", help="trust store")
    run.add_argument(
        "--identity",
        dest="display_identity",
        default="ihd",
        metavar="NAME",
        help="which display of the DEMO PKI this is: ihd (default) or ihd-2, a second display "
        "of the same home",
    )
    run.add_argument(
        "--clock-offset",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="pretend this display's own clock is off by SECONDS (negative: behind), as on a "
        "board without a real-time clock: it goes by the meter's time once the handshake proves "
        "it, and the Meter screen says so",
    )
    run.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help=f"settings file whose values are defaults for these flags (default: {CONFIG_HELP})",
    )
    run.add_argument(
        "--log-dir",
        type=Path,
        metavar="DIR",
        help="where the rotating ihd.log goes (default: the user's log dir)",
    )
    window = parser.add_argument_group("the window")
    window.add_argument("--kiosk", action="store_true", help="full screen, no window frame")
    window.add_argument(
        "--form-factor",
        type=form_factor_argument,
        metavar="WxH",
        help="show the IHD's screen at exactly this size in the device's case, e.g. 480x272",
    )
    window.add_argument(
        "--place",
        choices=("left", "right", "left-top", "left-bottom", "right-top", "right-bottom"),
        help="fill that half of the screen, or the top or bottom of it (right-top: a second "
        "display beside the meter emulator's window); with --form-factor: centre the device "
        "in it",
    )
    window.add_argument("--theme", choices=["light", "dark", "high-contrast"])
    window.add_argument(
        "--developer",
        action="store_true",
        help="show the Developer screen (GATT explorer, unit inspector, event log, HCI capture)",
    )
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
        type=number_argument("0x0703"),
        metavar="ID",
        help="decode HEX as a bare ZCL frame of this cluster (e.g. 0x0703)",
    )

    envelope = commands.add_parser("envelope", help="signed envelopes")
    envelope_commands = envelope.add_subparsers(
        dest="envelope_command", metavar="ACTION", required=True
    )
    add_verify_parser(envelope_commands)
    _add_conformance_parser(commands)
    return parser


def _add_conformance_parser(commands: argparse._SubParsersAction[OneLineParser]) -> None:
    conformance = commands.add_parser(
        "conformance",
        help="check a device against the meter's GATT profile (pass/fail table)",
        description="Connect to a device claiming the meter's profile, play the display and "
        "check advertising, service, security, Meter Info, metering, messages, receipts, "
        "history and segmentation. Exit 0 if no check failed, 1 otherwise. See docs/firmware.md.",
    )
    conformance.add_argument(
        "--radio",
        type=radio_argument,
        default=radio_argument("virtual"),
        dest="conformance_radio",
        metavar="SPEC",
        help="virtual[:PORT] (default virtual:9301), bumble:<transport> or system",
    )
    conformance.add_argument(
        "--address", dest="conformance_address", metavar="ADDR", help="the device's address"
    )
    conformance.add_argument(
        "--json", action="store_true", dest="conformance_json", help="print JSON results"
    )
    timing = conformance.add_argument_group("timing (seconds)")
    timing.add_argument("--scan-timeout", type=float, default=10.0, metavar="S")
    timing.add_argument(
        "--report-interval",
        type=float,
        default=1.0,
        metavar="S",
        help="how often the device should send a reading per fuel (default 1)",
    )
    timing.add_argument(
        "--report-seconds",
        type=float,
        default=10.0,
        metavar="S",
        help="how long Metering is watched (default 10)",
    )
    timing.add_argument(
        "--message-wait",
        type=float,
        default=10.0,
        metavar="S",
        help="how long to wait for an envelope on Messages to IHD before skipping its checks",
    )
    timing.add_argument("--history-wait", type=float, default=5.0, metavar="S")
    keys = conformance.add_argument_group("keys")
    keys.add_argument(
        "--trust", type=Path, dest="conformance_trust", metavar="DIR", help="trust store (DEMO)"
    )
    keys.add_argument("--pki", type=Path, metavar="DIR", help="PKI the replies are signed with")
    keys.add_argument(
        "--identity", default="ihd", metavar="NAME", help="identity of --pki to sign as (ihd)"
    )
    keys.add_argument(
        "--uncommissioned",
        metavar="NAME",
        help="identity of --pki that is not on the device's HAN device log, for the device-log "
        "check (without --pki: the DEMO PKI's ihd-2; 'none' skips the check)",
    )
    keys.add_argument(
        "--passkey", type=int, metavar="N", help="the passkey a board displays, if it does"
    )
    conformance.add_argument(
        "--btsnoop", type=Path, dest="conformance_btsnoop", metavar="FILE", help="HCI capture"
    )


def _conformance(args: argparse.Namespace) -> int:
    from ihd_app.conformance.config import ConformanceConfig  # noqa: PLC0415
    from ihd_app.conformance.report import format_json, format_table  # noqa: PLC0415
    from ihd_app.conformance.runner import run_conformance  # noqa: PLC0415

    for name in ("scan_timeout", "report_interval", "report_seconds", "message_wait"):
        if getattr(args, name) <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be above 0")
    config = ConformanceConfig(
        address=args.conformance_address,
        scan_timeout_s=args.scan_timeout,
        report_interval_s=args.report_interval,
        report_seconds=args.report_seconds,
        message_wait_s=args.message_wait,
        history_wait_s=args.history_wait,
        identity=load_identity(args.pki or demo_pki_dir(), args.identity),
        uncommissioned=_uncommissioned(args),
        trust=TrustStore.from_directory(args.conformance_trust or demo_trust_dir()),
    )
    report = asyncio.run(
        run_conformance(
            args.conformance_radio, config, passkey=args.passkey, btsnoop=args.conformance_btsnoop
        )
    )
    print(format_json(report) if args.conformance_json else format_table(report))
    return EXIT_OK if report.ok else EXIT_REFUSED


def _uncommissioned(args: argparse.Namespace) -> Identity | None:
    """The display identity for the device-log check: ``--uncommissioned NAME`` of ``--pki``,
    else the DEMO PKI's ``ihd-2`` when the replies are signed with the DEMO PKI."""
    name = args.uncommissioned or (None if args.pki else "ihd-2")
    if name is None or name == "none":
        return None
    return load_identity(args.pki or demo_pki_dir(), name)


def _frame_decode(args: argparse.Namespace) -> int:
    data = parse_hex(args.hex, "the frame")
    try:
        decoded = decode_unit(data) if args.cluster is None else decode_frame(data, args.cluster)
    except DecodeError as exc:
        print(json.dumps({"error": exc.reason.value, "detail": exc.detail}, indent=2))
        return EXIT_REFUSED
    print(json.dumps(decoded.to_dict(), indent=2, ensure_ascii=False))
    return EXIT_OK


def _run_window(args: argparse.Namespace, data_dir: Path, log_file: Path | None = None) -> int:
    """The display's window on the real service (Qt is imported only here)."""
    from ihd_app.service.config import ServiceConfig  # noqa: PLC0415
    from ihd_app.service.ihd_service import IhdService  # noqa: PLC0415
    from ihd_app.ui.app import run_gui  # noqa: PLC0415 - keeps Qt out of the CLI tools

    config = ServiceConfig(
        radio=args.radio,
        data_dir=data_dir,
        trust_dir=args.trust_store or demo_trust_dir(),
        identity=args.display_identity,
        address=args.address,
        btsnoop=args.btsnoop,
        backfill=not args.no_backfill,
        auto_connect=True,
        clock_offset_s=args.clock_offset,
    )

    async def factory() -> IhdService:
        events = EventLog(args.events)
        return IhdService(config, events, pairing=AutoAccept() if args.accept_pairing else None)

    return run_gui(
        factory,
        kiosk=args.kiosk,
        developer=args.developer,
        form_factor=args.form_factor,
        theme=args.theme,
        screenshot_dir=args.screenshot_dir,
        exit_after=args.exit_after,
        log_file=log_file,
        place=args.place,
    )


def _headless_config(args: argparse.Namespace, data_dir: Path) -> HeadlessConfig:
    return HeadlessConfig(
        radio=args.radio,
        data_dir=data_dir,
        accept_pairing=args.accept_pairing,
        auto_ack=args.auto_ack,
        backfill=not args.no_backfill,
        address=args.address,
        btsnoop=args.btsnoop,
        trust_dir=args.trust_store or demo_trust_dir(),
        identity=args.display_identity,
        clock_offset_s=args.clock_offset,
        commands=args.commands,
    )


def _run_headless(args: argparse.Namespace, data_dir: Path) -> int:
    """The display without a window, until interrupted."""
    asyncio.run(run_headless(_headless_config(args, data_dir), args.events))
    return EXIT_OK


def _forget_meter(args: argparse.Namespace, data_dir: Path) -> int:
    """``--forget-meter``: forget the paired meter and its bond, say so in one line."""
    forgotten = asyncio.run(forget_paired_meter(_headless_config(args, data_dir), args.events))
    if forgotten is None:
        print(f"ihd: no meter is paired in {data_dir}: nothing to forget", file=sys.stderr)
    else:
        print(f"ihd: forgot meter {forgotten} and deleted its bond", file=sys.stderr)
    return EXIT_OK


def _run_display(args: argparse.Namespace, data_dir: Path) -> int:
    """The display, with or without its window: one per data dir, logging to its log file.

    Raises:
        DataDirInUse: Another display runs on ``data_dir`` (windowed or headless alike: they
            would share the database, the outbox and the bonds).
    """
    with DataDirLock(data_dir):
        log_file = install_log_file(args.log_dir or default_log_dir())
        try:
            logger.info("ihd %s on %s, data dir %s", __version__, args.radio, data_dir)
            if args.forget_meter:
                return _forget_meter(args, data_dir)
            if args.headless:
                return _run_headless(args, data_dir)
            return _run_window(args, data_dir, log_file.path)
        finally:
            log_file.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ihd`` console script."""
    return exit_status_of(lambda: _main(argv))


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        apply_config_defaults(parser, argv)
    except UsageError as exc:
        print(f"ihd: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    args = parser.parse_args(argv)
    configure_logging(getattr(args, "verbose", False))
    if args.self_test:
        from ihd_app.cli.self_test import self_test_main  # noqa: PLC0415 - Qt only when asked

        return self_test_main()
    try:
        if args.command == "frame":
            return _frame_decode(args)
        if args.command == "envelope":
            return envelope_verify(args)
        if args.command == "conformance":
            return _conformance(args)
        data_dir = args.data_dir or Path(user_data_dir("ihd-emulator", appauthor=False))
        check_data_dir(data_dir, "--data-dir" if args.data_dir else "the data dir")
        return _run_display(args, data_dir)
    except MeterNotTrustedError as exc:
        print(f"ihd: error: the meter was not accepted ({exc.reason}): {exc}", file=sys.stderr)
        return EXIT_PAIRING_FAILED
    except PairingRefusedError as exc:
        print(f"ihd: error: pairing failed ({exc.reason}): {exc}", file=sys.stderr)
        return EXIT_PAIRING_FAILED
    except IhdError as exc:
        print(f"ihd: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
