"""``ihd envelope verify``: one envelope checked as the display (or the meter) would, the
verdict printed as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding

from ihd_app.protocol.cli_common import (
    EXIT_OK,
    EXIT_REFUSED,
    UsageError,
    check_data_dir,
)
from ihd_app.protocol.message_types import Flow
from ihd_app.protocol.pki import TrustStore
from ihd_app.protocol.pki.authority import STANDARD_IDENTITIES
from ihd_app.protocol.pki.certificates import load_certificate
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.replay import InMemoryReplayCounters, ReplayCounters
from ihd_app.protocol.resources import default_policy_path, demo_trust_dir
from ihd_app.protocol.timeutil import parse_instant
from ihd_app.protocol.verification import Verifier
from ihd_app.store.database import Database
from ihd_app.store.replay_counters import SqliteReplayCounters

DEMO_METER_ID = next(s.entity_id for s in STANDARD_IDENTITIES if s.name == "meter")
DEMO_IHD_ID = next(s.entity_id for s in STANDARD_IDENTITIES if s.name == "ihd")


def add_verify_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``verify`` to the ``envelope`` command's actions."""
    verify = commands.add_parser("verify", help="verify an envelope, print the verdict")
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
    verify.add_argument(
        "--session",
        action="append",
        metavar="IHD_ID=SESSION",
        help="--recipient meter: a handshake session the meter opened with that display; "
        "repeatable. Given once or more, a display's reply naming any other session is "
        "refused (wrong-session)",
    )
    verify.add_argument(
        "--session-cert",
        type=Path,
        metavar="CERT",
        help="the certificate (PEM or DER) a link's handshake verified: an envelope carrying "
        "only its key id, as envelopes within a session may, is checked with it",
    )


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


def _sessions(values: list[str] | None) -> set[tuple[str, str]] | None:
    """``--session IHD_ID=SESSION`` values, or ``None`` when none was given (no check)."""
    if not values:
        return None
    sessions = set()
    for value in values:
        ihd_id, _, session = value.partition("=")
        if not ihd_id or not session:
            raise UsageError(f"--session {value!r} must be IHD_ID=SESSION")
        sessions.add((ihd_id, session))
    return sessions


def _session_certificate(path: Path | None) -> bytes | None:
    """The DER of ``--session-cert``, or ``None`` when not given."""
    if path is None:
        return None
    try:
        return load_certificate(path.read_bytes()).public_bytes(Encoding.DER)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError:
        raise UsageError(f"{path} is not a PEM or DER certificate") from None


def envelope_verify(args: argparse.Namespace) -> int:
    """Run ``ihd envelope verify``; the exit code says whether the envelope was accepted."""
    data = _read_envelope(args.file)
    trust = TrustStore.from_directory(args.trust or demo_trust_dir())
    policy = Policy.from_file(args.policy or default_policy_path())
    targets = args.target or (
        [DEMO_METER_ID, DEMO_IHD_ID] if args.recipient == "ihd" else [DEMO_METER_ID]
    )
    flows = (Flow.TO_IHD,) if args.recipient == "ihd" else tuple(Flow)
    sessions = _sessions(args.session)
    session_certificate = _session_certificate(args.session_cert)
    moment: datetime | None = None
    if args.at:
        try:
            moment = parse_instant(args.at)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    database: Database | None = None
    counters: ReplayCounters
    if args.data_dir is not None:
        check_data_dir(args.data_dir)
        database = Database.in_data_dir(args.data_dir)
        if database.set_aside is not None:
            print(f"ihd: warning: {database.set_aside.sentence}", file=sys.stderr)
        counters = SqliteReplayCounters(database)
    else:
        counters = InMemoryReplayCounters()
    try:
        lookup = None if sessions is None else (lambda iss, s: (iss, s) in sessions)
        verifier = Verifier(
            trust,
            policy,
            counters,
            targets,
            flows=flows,
            clock=(lambda: moment) if moment is not None else lambda: datetime.now(UTC),
            sessions=lookup,
            session_signers=lambda _kid, _session: session_certificate,
        )
        verdict = verifier.verify(data)
    finally:
        if database is not None:
            database.close()
    print(json.dumps(verdict.to_dict(), indent=2, ensure_ascii=False))
    return EXIT_OK if verdict.accepted else EXIT_REFUSED
