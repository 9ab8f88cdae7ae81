"""``meter-emulator open-response FILE --as ROLE``: open a sealed data response as an operator
would, with that role's private key, and print what it says (docs/protocol.md §5.4).

A demonstrator shows with it that an answer sealed to the DNO opens with the DNO's key and with
nobody else's: another role's key is refused in one line (exit status 1).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ihd_app.protocol.data_response import open_data_response
from ihd_app.protocol.errors import SealedResponseError
from ihd_app.protocol.pki import TrustStore, load_identity
from ihd_app.protocol.resources import demo_pki_dir, demo_trust_dir

#: Exit status of a response the role cannot open.
EXIT_REFUSED = 1


def add_open_response_parser(commands: Any) -> None:
    """The ``open-response`` command's arguments."""
    parser = commands.add_parser(
        "open-response",
        help="open a sealed data response with an operator's key and print its values",
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="a sealed response (KEY.cose)")
    parser.add_argument(
        "--as", dest="role", required=True, metavar="ROLE", help="whose key opens it: dno, ..."
    )
    parser.add_argument("--pki", type=Path, metavar="DIR", help="PKI directory (default: DEMO)")
    parser.add_argument("--trust", type=Path, metavar="DIR", help="trust store (default: DEMO)")


def open_response(args: argparse.Namespace) -> int:
    """Open ``args.file`` as ``args.role``; prints the response as JSON (exit 0), or why it
    cannot be opened in one line on stderr (exit 1)."""
    try:
        sealed = args.file.read_bytes()
    except OSError as error:
        print(f"meter-emulator: {args.file}: {error.strerror or error}", file=sys.stderr)
        return EXIT_REFUSED
    operator = load_identity(args.pki or demo_pki_dir(), args.role)
    trust = TrustStore.from_directory(args.trust or demo_trust_dir())
    try:
        opened = open_data_response(sealed, operator, trust, now=datetime.now(UTC))
    except SealedResponseError as error:
        print(f"meter-emulator: {args.file} as {args.role}: {error}", file=sys.stderr)
        return EXIT_REFUSED
    response = opened.response
    print(
        json.dumps(
            {
                "refers_to": response.refers_to,
                "meter": opened.meter.entity_id,
                "opened_by": operator.entity_id,
                "fuel": response.fuel,
                "end": response.end.isoformat(timespec="seconds"),
                "granularity": response.granularity,
                "periods": response.periods,
                "values_wh": list(response.values_wh),
                "kwh": response.kwh,
            }
        )
    )
    return 0


__all__ = ["EXIT_REFUSED", "add_open_response_parser", "open_response"]
