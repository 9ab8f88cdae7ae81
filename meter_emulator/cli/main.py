"""The ``meter-emulator`` command: the meter side, plus signing and PKI tools.

Exit status: 0 success, 1 the scenario failed (with ``--exit-when-done``), 2 a usage or
configuration error, including a bad scenario file (one line on stderr), 141 the reader of its
output went away (``| head``).
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

from ihd_app.protocol.cli_common import (
    EXIT_OK,
    EXIT_USAGE,
    OneLineParser,
    UsageError,
    add_run_arguments,
    check_data_dir,
    configure_logging,
    exit_status_of,
    radio_argument,
)
from ihd_app.protocol.errors import IhdError, ProtocolError
from ihd_app.protocol.pki import create_pki
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.radio_spec import RadioKind, RadioSpec
from ihd_app.protocol.resources import default_policy_path, demo_pki_dir
from meter_emulator import __version__
from meter_emulator.attacks.vectors import write_test_vectors
from meter_emulator.cli.headless import run_headless
from meter_emulator.cli.open_response import add_open_response_parser, open_response
from meter_emulator.cli.sign import add_sign_parser, sign
from meter_emulator.config import MeterConfig
from meter_emulator.faults import LIST as FAULT_LIST
from meter_emulator.faults import Fault, describe_faults, parse_fault
from meter_emulator.gatt import PairingMode
from meter_emulator.gatt.pairing_window import DEFAULT_AT_START_S, DEFAULT_OPEN_S
from meter_emulator.scenarios.loader import load_scenario, resolve_scenario, shipped_scenarios
from meter_emulator.scenarios.model import Scenario, ScenarioError
from meter_emulator.scenarios.times import LONDON, parse_start
from meter_emulator.simulation.archetypes import (
    FAMILY_SEMI,
    HOUSEHOLD_KINDS,
    HouseholdKind,
    household_kind,
)
from meter_emulator.ui.style import zoom_argument

#: Exit status of a run whose scenario failed.
EXIT_FAILED = 1


def _radio(text: str) -> RadioSpec:
    spec = radio_argument(text)
    if spec.kind is RadioKind.SYSTEM:
        raise argparse.ArgumentTypeError(
            "the meter needs a Bumble radio (virtual or bumble:<transport>), not system"
        )
    return spec


def _speed(text: str) -> float:
    try:
        speed = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0 < speed <= 100_000:
        raise argparse.ArgumentTypeError("the speed must be above 0 and at most 100000")
    return speed


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 <= seconds <= 86_400:
        raise argparse.ArgumentTypeError("the pairing window lasts 0 to 86400 seconds")
    return seconds


def _receipt_timeout(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 < seconds <= 86_400:
        raise argparse.ArgumentTypeError(
            f"the receipt timeout must be above 0 and at most 86400 seconds, not {text}"
        )
    return seconds


def _fault(text: str) -> Fault | str:
    if text == FAULT_LIST:
        return text
    try:
        return parse_fault(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _household_kind(text: str) -> HouseholdKind:
    try:
        return household_kind(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    """The ``meter-emulator`` argument parser."""
    parser = OneLineParser(
        prog="meter-emulator",
        description="Smart-meter emulator: the meter side of the IHD's Bluetooth LE profile.",
    )
    parser.add_argument("--version", action="version", version=f"meter-emulator {__version__}")
    run = parser.add_argument_group("running the meter (no COMMAND)")
    add_run_arguments(
        run,
        radio_type=_radio,
        radio_help="virtual[:PORT] (default virtual:9301) or bumble:<transport>",
        data_dir_help="where bonds, counters, consent and messages waiting for the IHD are kept",
    )
    run.add_argument(
        "--pairing",
        choices=[m.value for m in PairingMode],
        default=PairingMode.NUMERIC_COMPARISON.value,
        help="numeric comparison (default) or a passkey the meter displays",
    )
    run.add_argument(
        "--pairing-window",
        type=_seconds,
        default=DEFAULT_AT_START_S,
        metavar="SECONDS",
        help=f"new displays may pair only while the meter's pairing window is open: open it "
        f"for SECONDS from start (default {DEFAULT_AT_START_S:g}; 0: closed until opened by the "
        f"window's button or, headless, kill -RTMIN for {DEFAULT_OPEN_S:g} s)",
    )
    run.add_argument(
        "--sealed-responses",
        type=Path,
        metavar="DIR",
        help="also write each sealed data response to DIR as KEY.cose, as the operator gets "
        "it ('meter-emulator open-response' opens one with a role's key)",
    )
    run.add_argument(
        "--alerts-out",
        type=Path,
        metavar="FILE",
        help="append each meter alert the operators' inbox receives (verified or refused) to "
        "FILE as a JSON line",
    )
    run.add_argument(
        "--receipt-timeout",
        type=_receipt_timeout,
        default=300.0,
        metavar="SECONDS",
        help="flag an operator's message overdue when no display receipted it within SECONDS "
        "(default 300: 'no receipt in 5 min: use another route')",
    )
    run.add_argument(
        "--commission",
        action="append",
        default=[],
        metavar="NAME",
        help="put display NAME of the meter's PKI (e.g. ihd-2) on the HAN device log at start; "
        "repeatable (the PKI's 'ihd' is on it from the first start)",
    )
    run.add_argument("--seed", type=int, default=1, help="the household's seed")
    run.add_argument(
        "--household",
        type=_household_kind,
        default=FAMILY_SEMI,
        metavar="KIND",
        help="who lives there: "
        + "; ".join(f"{kind.name}: {kind.description}" for kind in HOUSEHOLD_KINDS),
    )
    run.add_argument(
        "--solar-kw",
        type=float,
        default=0.0,
        metavar="KW",
        help="peak of the household's solar panels, exported as negative demand (default 0)",
    )
    run.add_argument(
        "--send",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="indicate this envelope to the IHD once it subscribes (repeatable, in order)",
    )
    run.add_argument(
        "--scenario",
        metavar="NAME|FILE",
        help="play a scenario once the IHD is connected (see 'meter-emulator scenario list')",
    )
    run.add_argument(
        "--speed",
        type=_speed,
        metavar="X",
        help="simulated seconds per real second (default: the scenario's speed, else 1)",
    )
    run.add_argument(
        "--sim-start",
        metavar="TIME",
        help="simulated start: HH:MM today (UK time) or ISO 8601 "
        "(default: the scenario's, else now)",
    )
    window = parser.add_argument_group("the window (without --headless)")
    window.add_argument(
        "--accept-pairing",
        action="store_true",
        help="accept the IHD's numeric comparison without asking (the number is still shown)",
    )
    window.add_argument(
        "--screenshot-dir",
        type=Path,
        metavar="DIR",
        help="save a picture of each console there, then close",
    )
    window.add_argument(
        "--exit-after",
        type=float,
        metavar="SECONDS",
        help="close after SECONDS (with --screenshot-dir: take the pictures then)",
    )
    window.add_argument("--place", choices=("left", "right"), help="fill that half of the screen")
    window.add_argument(
        "--outlive-ihd",
        action="store_true",
        help="with --screenshot-dir: after the pictures, close once the IHD has disconnected "
        "(at most 60 s; ./run demo, so that the IHD's own pictures show it connected)",
    )
    size = window.add_mutually_exclusive_group()
    size.add_argument(
        "--zoom",
        type=zoom_argument,
        default=1.0,
        metavar="FACTOR",
        help="text size, 1 the normal size (0.8 to 2; View menu, Ctrl+= and Ctrl+- in the window)",
    )
    size.add_argument(
        "--presentation",
        action="store_true",
        help="text large enough for a room: --zoom 1.5 on a 1080-line screen, 1 on a 720-line "
        "one (./run demo uses it)",
    )
    run.add_argument(
        "--exit-when-done",
        action="store_true",
        help="stop when the scenario is done (exit status 1 if it failed)",
    )
    run.add_argument(
        "--fault",
        type=_fault,
        action="append",
        default=[],
        metavar="NAME",
        help="break one rule of the profile on purpose, for 'ihd conformance' (repeatable; "
        "'--fault list' describes them): " + ", ".join(f.value for f in Fault),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    scenario = commands.add_parser("scenario", help="list or check scenario files")
    scenario_commands = scenario.add_subparsers(
        dest="scenario_command", metavar="ACTION", required=True
    )
    scenario_commands.add_parser("list", help="the shipped scenarios, as JSON lines")
    check = scenario_commands.add_parser("check", help="check scenario files (names or paths)")
    check.add_argument("scenarios", nargs="+", metavar="NAME|FILE")
    add_sign_parser(commands)
    pki = commands.add_parser("pki", help="PKI tools")
    pki_commands = pki.add_subparsers(dest="pki_command", metavar="ACTION", required=True)
    init = pki_commands.add_parser("init", help="make a fresh private PKI in DIR")
    init.add_argument("directory", type=Path, metavar="DIR")
    init.add_argument("--label", default="Private PKI", help="written into every certificate")
    init.add_argument("--years", type=int, default=20, help="validity of root and identities")
    vectors = commands.add_parser(
        "vectors", help="write envelope and unit test vectors (signed with the DEMO PKI)"
    )
    vectors.add_argument("directory", type=Path, metavar="DIR")
    vectors.add_argument("--pki", type=Path, metavar="DIR", help="signing PKI (default: DEMO)")
    add_open_response_parser(commands)
    return parser


def _pki_init(args: argparse.Namespace) -> int:
    try:
        create_pki(args.directory, label=args.label, validity_years=args.years)
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot write {args.directory}: {exc.strerror}") from None
    print(
        json.dumps(
            {
                "pki": str(args.directory),
                "trust_store": str(args.directory / "trust"),
                "identities": sorted(p.name for p in (args.directory / "identities").iterdir()),
            }
        )
    )
    return EXIT_OK


def _vectors(args: argparse.Namespace) -> int:
    index = write_test_vectors(
        args.directory, args.pki or demo_pki_dir(), Policy.from_file(default_policy_path())
    )
    print(json.dumps({"directory": str(args.directory), "envelopes": len(index)}))
    return EXIT_OK


def _scenario(args: argparse.Namespace) -> int:
    if args.scenario_command == "list":
        for path in shipped_scenarios():
            loaded = load_scenario(path)
            print(
                json.dumps(
                    {
                        "name": loaded.name,
                        "title": loaded.title,
                        "steps": len(loaded.steps),
                        "speed": loaded.speed,
                    }
                )
            )
        return EXIT_OK
    for name in args.scenarios:
        loaded = load_scenario(resolve_scenario(name))
        print(json.dumps({"scenario": str(loaded.source), "steps": len(loaded.steps), "ok": True}))
    return EXIT_OK


def _run_config(args: argparse.Namespace) -> tuple[MeterConfig, Scenario | None]:
    scenario = load_scenario(resolve_scenario(args.scenario)) if args.scenario else None
    sim_start = None
    if args.sim_start:
        try:
            sim_start = parse_start(args.sim_start, datetime.now(LONDON).date())
        except ValueError as exc:
            raise UsageError(f"--sim-start: {exc}") from None
    elif scenario is not None:
        sim_start = scenario.start
    speed = args.speed or (scenario.speed if scenario is not None else None) or 1.0
    data_dir = args.data_dir or Path(user_data_dir("meter-emulator", appauthor=False))
    check_data_dir(data_dir, "--data-dir" if args.data_dir else "the data dir")
    config = MeterConfig(
        radio=args.radio,
        data_dir=data_dir,
        btsnoop=args.btsnoop,
        pairing_mode=PairingMode(args.pairing),
        seed=args.seed,
        household=args.household,
        solar_kw=args.solar_kw,
        send=tuple(args.send),
        speed=speed,
        sim_start=sim_start,
        faults=frozenset(f for f in args.fault if isinstance(f, Fault)),
        pairing_window_s=args.pairing_window,
        commission=tuple(args.commission),
        sealed_responses=args.sealed_responses,
        alerts_out=args.alerts_out,
        receipt_timeout_s=args.receipt_timeout,
    )
    return config, scenario


def _run_window(args: argparse.Namespace, config: MeterConfig, scenario: Scenario | None) -> int:
    # Qt is imported only when a window is wanted: --headless and the tools run without it.
    from meter_emulator.ui.app import WindowOptions, run_meter_gui  # noqa: PLC0415

    options = WindowOptions(
        accept_pairing=args.accept_pairing,
        screenshot_dir=args.screenshot_dir,
        exit_after=args.exit_after,
        place=args.place,
        zoom=args.zoom,
        presentation=args.presentation,
        outlive_ihd=args.outlive_ihd,
    )
    return run_meter_gui(config, args.events, scenario, options)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``meter-emulator`` console script."""
    return exit_status_of(lambda: _main(argv))


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(getattr(args, "verbose", False))
    try:
        if args.command == "sign":
            return sign(args)
        if args.command == "pki":
            return _pki_init(args)
        if args.command == "vectors":
            return _vectors(args)
        if args.command == "scenario":
            return _scenario(args)
        if args.command == "open-response":
            return open_response(args)
        if FAULT_LIST in args.fault:
            for described in describe_faults():
                print(json.dumps(described))
            return EXIT_OK
        if args.exit_when_done and not (args.scenario and args.headless):
            raise UsageError("--exit-when-done needs --headless and --scenario")
        config, scenario = _run_config(args)
        if not args.headless:
            return _run_window(args, config, scenario)
        completed = asyncio.run(
            run_headless(config, args.events, scenario, exit_when_done=args.exit_when_done)
        )
        return EXIT_OK if completed else EXIT_FAILED
    except ScenarioError as exc:
        print(f"meter-emulator: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ProtocolError as exc:
        print(f"meter-emulator: error: {exc.detail}", file=sys.stderr)
        return EXIT_USAGE
    except IhdError as exc:
        print(f"meter-emulator: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
