"""The display's settings file: defaults for the command line, kept in the user's config dir.

``ihd.toml`` (``ihd --help`` and docs/packaging.md say where) holds what a person would otherwise
type every time, for example::

    radio = "bumble:usb:0"
    theme = "high-contrast"
    form_factor = "800x480"
    kiosk = true
    data_dir = "/srv/ihd"
    log_dir = "/var/log/ihd"

Every key is optional; a flag on the command line always wins over the file. The file is read
when ``main`` runs, never at import time, and a file that cannot be used stops the program with
one line saying why (a silently ignored setting is worse than an error).
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir

from ihd_app.protocol.cli_common import OneLineParser, UsageError, form_factor_argument

APP_NAME = "ihd-emulator"
CONFIG_FILE_NAME = "ihd.toml"
THEMES = ("light", "dark", "high-contrast")


def default_config_path() -> Path:
    """``<user config dir>/ihd.toml`` (e.g. ``~/.config/ihd-emulator/ihd.toml`` on Linux)."""
    return Path(user_config_dir(APP_NAME, appauthor=False)) / CONFIG_FILE_NAME


def _text(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise UsageError(f"{path}: '{key}' must be a non-empty string")
    return value


def _defaults_from(path: Path, table: dict[str, Any]) -> dict[str, Any]:
    """argparse defaults (by ``dest``) from the file's keys, each checked as its flag would be."""
    defaults: dict[str, Any] = {}
    for key, value in table.items():
        if key == "radio":
            # A string default goes through the option's ``type`` (radio_argument) when the
            # flag is absent, so a bad spec is reported like a bad ``--radio``.
            defaults["radio"] = _text(path, key, value)
        elif key == "theme":
            theme = _text(path, key, value)
            if theme not in THEMES:
                raise UsageError(f"{path}: theme '{theme}' is not one of {', '.join(THEMES)}")
            defaults["theme"] = theme
        elif key == "form_factor":
            try:
                defaults["form_factor"] = form_factor_argument(_text(path, key, value))
            except argparse.ArgumentTypeError as error:
                raise UsageError(f"{path}: form_factor {error}") from None
        elif key == "kiosk":
            if not isinstance(value, bool):
                raise UsageError(f"{path}: 'kiosk' must be true or false")
            defaults["kiosk"] = value
        elif key in ("data_dir", "log_dir"):
            defaults[key] = Path(_text(path, key, value)).expanduser()
        else:
            known = "radio, theme, form_factor, kiosk, data_dir, log_dir"
            raise UsageError(f"{path}: unknown setting '{key}' (known: {known})")
    return defaults


def load_config(path: Path, *, required: bool) -> dict[str, Any]:
    """The defaults in the settings file at ``path`` (empty when it does not exist).

    Args:
        path: The TOML file.
        required: The person named the file (``--config``): its absence is an error.

    Raises:
        UsageError: The file is unreadable, not TOML, or has an unknown or invalid setting.
    """
    try:
        with path.open("rb") as handle:
            table = tomllib.load(handle)
    except FileNotFoundError:
        if required:
            raise UsageError(f"settings file {path} does not exist") from None
        return {}
    except OSError as error:
        raise UsageError(f"cannot read settings file {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"settings file {path} is not valid TOML: {error}") from None
    return _defaults_from(path, table)


def apply_config_defaults(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> None:
    """Make the settings file's values ``parser``'s defaults, so flags still override them.

    ``--config FILE`` (looked for before the real parse) names the file; without it the file in
    the user's config dir is used when it exists.

    Raises:
        UsageError: See :func:`load_config`.
    """
    # A first, lenient pass only to learn which file to read.
    finder = OneLineParser(prog="ihd", add_help=False)
    finder.add_argument("--config", type=Path)
    known, _ = finder.parse_known_args(argv)
    path = known.config if known.config is not None else default_config_path()
    defaults = load_config(path, required=known.config is not None)
    if defaults:
        parser.set_defaults(**defaults)
