"""The ``meter-emulator`` command: the meter side, plus signing and PKI tools.

Exit status: 0 success, 1 the scenario failed (with ``--exit-when-done``), 2 a usage or
configuration error, including a bad scenario file (one line on stderr), 141 the reader of its
output went away (``| head``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
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
    number_argument,
    parse_hex,
    radio_argument,
)
from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import Claims, sign_envelope
from ihd_app.protocol.errors import IhdError, ProtocolError
from ihd_app.protocol.message_types import message_type_names
from ihd_app.protocol.pki import Role, create_pki, load_identity
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.radio_spec import RadioKind, RadioSpec
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.resources import default_policy_path, demo_pki_dir
from ihd_app.protocol.timeutil import parse_instant
from ihd_app.protocol.zcl import Endpoint, Importance
from meter_emulator import __version__
from meter_emulator.attacks.vectors import write_test_vectors
from meter_emulator.cli.headless import run_headless
from meter_emulator.faults import LIST as FAULT_LIST
from meter_emulator.faults import Fault, describe_faults, parse_fault
from meter_emulator.gatt import PairingMode
from meter_emulator.runtime import MeterConfig
from meter_emulator.scenarios.model import (
    LONDON,
    Scenario,
    ScenarioError,
    load_scenario,
    parse_start,
    resolve_scenario,
    shipped_scenarios,
)
from meter_emulator.ui.style import zoom_argument

#: Exit status of a run whose scenario failed.
EXIT_FAILED = 1


def _instant(text: str) -> datetime:
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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


def _consent(text: str) -> tuple[str, bool]:
    party, _, answer = text.partition("=")
    if not party or answer.lower() not in ("yes", "no"):
        raise argparse.ArgumentTypeError(f"'{text}' is not PARTY=yes or PARTY=no")
    return party, answer.lower() == "yes"


def _fault(text: str) -> Fault | str:
    if text == FAULT_LIST:
        return text
    try:
        return parse_fault(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_sign_parser(commands: argparse._SubParsersAction[OneLineParser]) -> None:
    sign = commands.add_parser(
        "sign",
        help="compose and sign an envelope of any message type",
        description="Compose a message, sign it with an identity of a PKI, write the envelope.",
    )
    who = sign.add_argument_group("signer and recipient")
    who.add_argument("--role", choices=[r.value for r in Role], help="sign as this role's identity")
    who.add_argument(
        "--identity",
        metavar="NAME",
        help="sign as identities/NAME of the PKI (e.g. rogue-dno); overrides --role",
    )
    who.add_argument("--pki", type=Path, metavar="DIR", help="PKI directory (default: DEMO)")
    who.add_argument("--target", required=True, metavar="ID", help="recipient entity id (aud)")
    who.add_argument("--type", required=True, choices=message_type_names(), dest="type_name")
    envelope = sign.add_argument_group("envelope")
    envelope.add_argument(
        "--counter", type=int, help="originator counter (default: milliseconds since 1970)"
    )
    envelope.add_argument("--issued-at", type=_instant, metavar="TIME", help="iat (default: now)")
    envelope.add_argument("--not-before", type=_instant, metavar="TIME", help="nbf (default: iat)")
    envelope.add_argument(
        "--valid-for", type=float, default=24 * 60, metavar="MIN", help="exp - nbf in minutes"
    )
    envelope.add_argument("--cti", metavar="HEX", help="unique id (default: 16 random bytes)")
    envelope.add_argument(
        "--no-embed-cert", action="store_true", help="omit the signer certificate (x5chain)"
    )
    message = sign.add_argument_group("message")
    message.add_argument("--message-id", type=number_argument("0x1001"), help="ZCL MessageID")
    message.add_argument("--text", default="", help="text to display")
    message.add_argument(
        "--importance", choices=[i.name.lower() for i in Importance], default="medium"
    )
    message.add_argument("--confirm", action="store_true", help="consumer must acknowledge")
    message.add_argument(
        "--start", type=_instant, metavar="TIME", help="display from (default now)"
    )
    message.add_argument(
        "--duration", type=int, metavar="MIN", help="display for (default: until changed)"
    )
    message.add_argument("--fuel", choices=["electricity", "gas"], default=None)
    message.add_argument("--outage-start", type=_instant, metavar="TIME")
    message.add_argument("--outage-end", type=_instant, metavar="TIME")
    message.add_argument("--threshold-kw", type=float, metavar="KW")
    message.add_argument("--grace-s", type=int, metavar="S", help="threshold grace period")
    message.add_argument("--cancel-all", action="store_true", help="message.cancel: cancel all")
    message.add_argument("--price", type=float, metavar="PENCE", help="unit rate, p/kWh")
    message.add_argument("--rate-label", default="", metavar="LABEL")
    message.add_argument("--standing-charge", type=float, metavar="PENCE", help="p/day")
    message.add_argument("--tariff-label", default="", metavar="LABEL")
    message.add_argument("--periods", type=int, default=48, help="half hours requested")
    message.add_argument("--end", type=_instant, metavar="TIME", help="end of requested period")
    message.add_argument("--answer", choices=["yes", "no"], default="yes")
    message.add_argument("--reason", choices=[r.value for r in Reason])
    message.add_argument(
        "--refers-to", default="", metavar="CTI", help="cti of the message referred to"
    )
    message.add_argument(
        "--consent", type=_consent, action="append", metavar="PARTY=yes|no", default=[]
    )
    message.add_argument("--at", type=_instant, metavar="TIME", help="time of confirmation/error")
    sign.add_argument("--out", required=True, type=Path, metavar="FILE", help="envelope file")
    sign.add_argument("--hex", action="store_true", help="write hex text instead of CBOR bytes")


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
    run.add_argument("--seed", type=int, default=1, help="the household's seed")
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
    _add_sign_parser(commands)
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
    return parser


def _sign(args: argparse.Namespace) -> int:
    pki = args.pki or demo_pki_dir()
    name = args.identity or args.role
    if not name:
        raise UsageError("say who signs: --role ROLE or --identity NAME")
    identity = load_identity(pki, name)
    issued_at = args.issued_at or datetime.now(UTC)
    gas_type = args.type_name.startswith("gas.")
    fuel = (
        Endpoint.GAS
        if (args.fuel == "gas" or (args.fuel is None and gas_type))
        else (Endpoint.ELECTRICITY)
    )
    request = MessageRequest(
        type_name=args.type_name,
        message_id=args.message_id if args.message_id is not None else secrets.randbits(32),
        text=args.text,
        importance=Importance[args.importance.upper()],
        confirmation_required=args.confirm,
        start=args.start,
        duration_minutes=args.duration,
        fuel=fuel,
        outage_start=args.outage_start,
        outage_end=args.outage_end,
        threshold_kw=args.threshold_kw,
        grace_s=args.grace_s,
        cancel_all=args.cancel_all,
        price_pence_per_kwh=args.price,
        rate_label=args.rate_label,
        standing_charge_pence_per_day=args.standing_charge,
        tariff_label=args.tariff_label,
        periods=args.periods,
        end=args.end,
        answer_yes=args.answer == "yes",
        reason=Reason(args.reason) if args.reason else None,
        refers_to=args.refers_to,
        consent=dict(args.consent),
        at=args.at or issued_at,
    )
    payload, details = compose(request)
    token_id = parse_hex(args.cti, "--cti") if args.cti else secrets.token_bytes(16)
    start = args.not_before or issued_at
    claims = Claims(
        issuer=identity.entity_id,
        audience=args.target,
        issued_at=int(issued_at.timestamp()),
        not_before=int(start.timestamp()),
        expires=int((start + timedelta(minutes=args.valid_for)).timestamp()),
        token_id=token_id,
        type=args.type_name,
        role=identity.role.value,
        # Milliseconds keep successive CLI calls strictly increasing without a state file.
        counter=args.counter if args.counter is not None else time.time_ns() // 1_000_000,
        details=details,
    )
    envelope = sign_envelope(identity, claims, payload, embed_certificate=not args.no_embed_cert)
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if args.hex:
            args.out.write_text(envelope.hex() + "\n", encoding="ascii")
        else:
            args.out.write_bytes(envelope)
    except OSError as exc:
        raise UsageError(f"cannot write {args.out}: {exc.strerror}") from None
    print(
        json.dumps(
            {
                "out": str(args.out),
                "bytes": len(envelope),
                "type": claims.type,
                "iss": claims.issuer,
                "role": claims.role,
                "aud": claims.audience,
                "counter": claims.counter,
                "cti": claims.token_id.hex(),
                "message_id": request.message_id,
            }
        )
    )
    return EXIT_OK


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
        solar_kw=args.solar_kw,
        send=tuple(args.send),
        speed=speed,
        sim_start=sim_start,
        faults=frozenset(f for f in args.fault if isinstance(f, Fault)),
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
            return _sign(args)
        if args.command == "pki":
            return _pki_init(args)
        if args.command == "vectors":
            return _vectors(args)
        if args.command == "scenario":
            return _scenario(args)
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
