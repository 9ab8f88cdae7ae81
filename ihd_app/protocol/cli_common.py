"""What the two programs' command lines share: exit codes, usage errors, logging, ``--radio``."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path

from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.radio_spec import RadioSpec

EXIT_OK = 0
#: A refused envelope or an undecodable frame: the command worked, the input did not pass.
EXIT_REFUSED = 1
EXIT_USAGE = 2


class UsageError(IhdError):
    """A command line that cannot be acted on."""


def configure_logging(verbose: bool) -> None:
    """Quiet library logging unless asked.

    Bumble logs every failed pairing as a warning; on stderr that would break the rule that an
    error is one line. The events file says what happened.
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.CRITICAL,
        format="%(levelname)s %(name)s: %(message)s",
    )


def add_run_arguments(
    group: argparse._ArgumentGroup,
    *,
    radio_type: Callable[[str], RadioSpec],
    radio_help: str,
    data_dir_help: str,
) -> None:
    """The options both programs take to run: radio, data dir, headless, events, capture."""
    group.add_argument(
        "--radio",
        type=radio_type,
        default=RadioSpec.parse("virtual"),
        metavar="SPEC",
        help=radio_help,
    )
    group.add_argument("--data-dir", type=Path, metavar="DIR", help=data_dir_help)
    group.add_argument("--headless", action="store_true", help="no window; log events")
    group.add_argument(
        "--events", type=Path, metavar="FILE", help="JSON-lines events ('-': stdout)"
    )
    group.add_argument("--btsnoop", type=Path, metavar="FILE", help="write an HCI capture")
    group.add_argument(
        "--verbose", action="store_true", help="log the Bluetooth stack's warnings on stderr"
    )


def radio_argument(text: str) -> RadioSpec:
    """argparse type for ``--radio``."""
    try:
        return RadioSpec.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
