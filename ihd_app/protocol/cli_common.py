"""What the two programs' command lines share: exit codes, usage errors, logging, ``--radio``."""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.radio_spec import RadioSpec

EXIT_OK = 0
#: A refused envelope or an undecodable frame: the command worked, the input did not pass.
EXIT_REFUSED = 1
EXIT_USAGE = 2
#: The display could not pair with the meter (``pairing.failed {reason}`` says why).
EXIT_PAIRING_FAILED = 3


class UsageError(IhdError):
    """A command line that cannot be acted on."""


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr, like every other error.

    argparse prints the whole usage before its message; a person who typed one wrong value
    needs the sentence about that value (``--help`` still prints the usage). Its subcommand
    parsers are of the same class.
    """

    def error(self, message: str) -> NoReturn:
        """Print ``prog: error: message`` on one line and exit with status 2."""
        # "argument --cluster: 'x' is not a number" reads better without argparse's prefix.
        message = re.sub(r"^argument ([^:]+): ", r"\1: ", message)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def form_factor_argument(text: str) -> tuple[int, int]:
    """argparse type for ``--form-factor WIDTHxHEIGHT``: ``"480x272"`` -> ``(480, 272)``."""
    width_text, separator, height_text = text.strip().lower().partition("x")
    if not (separator and width_text.isdigit() and height_text.isdigit()):
        raise argparse.ArgumentTypeError(f"'{text}' is not WIDTHxHEIGHT, e.g. 480x272")
    width, height = int(width_text), int(height_text)
    if width < 320 or height < 240:
        raise argparse.ArgumentTypeError(f"'{text}' is too small: at least 320x240, e.g. 480x272")
    return width, height


def number_argument(example: str) -> Callable[[str], int]:
    """argparse type for an integer in decimal or ``0x`` hexadecimal, e.g. ``--cluster 0x0703``."""

    def number(text: str) -> int:
        try:
            return int(text, 0)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number (e.g. {example})") from None

    return number


def parse_hex(text: str, what: str) -> bytes:
    """The bytes of hexadecimal text a person typed (spaces and a leading ``0x`` allowed).

    Args:
        text: The text as typed.
        what: How the message names it, e.g. ``"--cti"`` or ``"HEX"``.

    Raises:
        UsageError: Saying which: a character that is not a hex digit, or an odd number of them.
    """
    cleaned = "".join(text.split()).removeprefix("0x").removeprefix("0X")
    stray = next((c for c in cleaned if c not in "0123456789abcdefABCDEF"), None)
    if stray is not None:
        raise UsageError(f"{what} '{text}' is not hexadecimal ('{stray}' is not a hex digit)")
    if len(cleaned) % 2:
        raise UsageError(
            f"{what} '{text}' has an odd number of hex digits ({len(cleaned)}); "
            "each byte takes two, e.g. 0A"
        )
    return bytes.fromhex(cleaned)


def check_data_dir(path: Path, flag: str = "--data-dir") -> None:
    """Refuse a data dir that is a file, or lies inside one, before anything is opened in it.

    Raises:
        UsageError: Naming the path and what to do.
    """
    for candidate in (path, *path.parents):
        if candidate.exists():
            if candidate.is_dir():
                return
            what = "is a file" if candidate == path else f"is inside {candidate}, which is a file"
            raise UsageError(
                f"{flag} {path} {what}, not a folder: give the path of a folder "
                "(it is created if missing), or move the file out of the way"
            )


def exit_status_of(command: Callable[[], int]) -> int:
    """Run a command's body; a reader that stopped reading is not a traceback.

    ``ihd envelope verify FILE | head -3`` closes the pipe before the verdict is written: the
    program stops there, as it would have by SIGPIPE, with the shell's status for it (141).
    """
    try:
        status = command()
        sys.stdout.flush()  # inside the try: a late failure would otherwise come at exit
        return status
    except BrokenPipeError:
        # Python flushes stdout again on the way out: point it at nothing first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 128 + signal.SIGPIPE


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
