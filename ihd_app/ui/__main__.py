"""``python -m ihd_app.ui``: the display on a chosen service (default: the fake demo household)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ihd_app.ui.app import run_gui
from ihd_app.ui.service_choice import service_factory
from ihd_app.ui.theme import ThemeName


def main(argv: Sequence[str] | None = None) -> int:
    """Run the display."""
    parser = argparse.ArgumentParser(prog="python -m ihd_app.ui", description=__doc__)
    parser.add_argument("--service", default="fake", help="fake, or package.module:factory")
    parser.add_argument("--kiosk", action="store_true", help="full screen, no window frame")
    parser.add_argument("--form-factor", metavar="WxH", help="fixed window size, e.g. 800x480")
    parser.add_argument("--theme", choices=[t.value for t in ThemeName])
    parser.add_argument("--screenshot-dir", type=Path, metavar="DIR")
    parser.add_argument("--exit-after", type=float, metavar="SECONDS")
    parser.add_argument(
        "--no-save-settings", action="store_true", help="neither load nor save settings"
    )
    args = parser.parse_args(argv)
    try:
        factory = service_factory(args.service)
    except (ValueError, ImportError, AttributeError) as error:
        parser.error(str(error))
    return run_gui(
        factory,
        kiosk=args.kiosk,
        form_factor=args.form_factor,
        theme=args.theme,
        screenshot_dir=args.screenshot_dir,
        exit_after=args.exit_after,
        persist_settings=not args.no_save_settings,
    )


if __name__ == "__main__":
    sys.exit(main())
