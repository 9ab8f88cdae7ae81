"""``./run demo``: the meter emulator and the IHD, side by side, connected over the virtual radio.

Starts the meter emulator's window (left half of the screen) on a free virtual-radio port with a
demonstration set of genuine operator messages (and two forgeries the display must refuse), and
the IHD's window on it. Both show the six-digit number while pairing by numeric comparison;
the operator console, attack console and scenarios are in the emulator's window. Closing either
window or Ctrl+C stops both. Events and data go to a temporary folder printed at start and
removed at exit (``--folder DIR`` keeps them). ``--displays 2`` adds a second display (the DEMO
PKI's ``ihd-2``, commissioned on the meter, its own data dir) as a home with two displays: the
two IHD windows share the right half of the screen, one above the other.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ihd_app.protocol.cli_common import OneLineParser, form_factor_argument
from ihd_app.protocol.radio_spec import free_virtual_port
from meter_emulator.ui.style import zoom_argument

BIN = Path(sys.executable).parent
#: The scenario the demo plays (resources/scenarios/workshop-morning.toml).
DEMO_SCENARIO = "workshop-morning"
#: The meter's pairing window at start: the display beside it pairs at once, and a
#: demonstrator who restarts the display (or pairs a second one) still has ten minutes.
DEMO_PAIRING_WINDOW_S = 600
#: The screen the two windows share with ``--offscreen``: a 1920x1080 projector, so the
#: pictures show each window at the half of it a workshop sees (Qt's offscreen screen is 800x800).
OFFSCREEN_SCREEN = {"name": "projector", "x": 0, "y": 0, "width": 1920, "height": 1080}
#: With ``--displays 2``: each display's identity in the DEMO PKI, form factor (the first's
#: ``--form-factor`` wins) and place (the right half's top and bottom).
SECOND_DISPLAY_IDENTITY = "ihd-2"
TWO_DISPLAYS = (
    ("ihd", "800x480", "right-top"),
    (SECOND_DISPLAY_IDENTITY, "480x272", "right-bottom"),
)


def run(argv: Sequence[str] | None = None) -> int:
    """Start both programs; returns the IHD window's exit status."""
    parser = OneLineParser(prog="./run demo", description=__doc__)
    parser.add_argument("--offscreen", action="store_true", help="no screen (automation)")
    parser.add_argument("--screenshot-dir", type=Path, metavar="DIR")
    parser.add_argument("--exit-after", type=float, metavar="SECONDS")
    parser.add_argument(
        "--form-factor",
        type=form_factor_argument,
        metavar="WxH",
        help="IHD screen size, e.g. 800x480",
    )
    parser.add_argument(
        "--zoom",
        type=zoom_argument,
        metavar="FACTOR",
        help="text size of the meter emulator's window, 1 the normal size (default: its "
        "presentation size, for a room: 1.5 on a 1920x1080 screen, 1 on 1280x720)",
    )
    parser.add_argument(
        "--displays",
        type=int,
        choices=(1, 2),
        default=1,
        help="how many IHDs (default 1; 2: a second display, commissioned, below the first)",
    )
    parser.add_argument(
        "--folder",
        type=Path,
        metavar="DIR",
        help="keep the events and data in DIR (default: a temporary folder, removed at exit)",
    )
    args = parser.parse_args(argv)
    environment = dict(os.environ)
    if (
        not args.offscreen
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        and (sys.platform.startswith("linux") and "QT_QPA_PLATFORM" not in os.environ)
    ):
        print(
            "./run demo: no display here; run it on a desktop, or use "
            "./run demo --offscreen --screenshot-dir DIR --exit-after 20",
            file=sys.stderr,
        )
        return 2
    if args.folder is not None:
        args.folder.mkdir(parents=True, exist_ok=True)
        return _run_in(args, args.folder, environment)
    # Each demo's two data dirs, logs and events are a few megabytes nobody asked to keep.
    with tempfile.TemporaryDirectory(prefix="ihd-demo-") as temporary:
        return _run_in(args, Path(temporary), environment)


def _run_in(args: argparse.Namespace, folder: Path, environment: dict[str, str]) -> int:
    """Run both programs with their data and events in ``folder``."""
    if args.offscreen:
        environment["QT_QPA_PLATFORM"] = "offscreen"
        screen = (folder / "offscreen-screen.json").absolute()
        if ":" not in str(screen):  # Qt splits the platform's options at colons
            screen.write_text(json.dumps({"screens": [OFFSCREEN_SCREEN]}), encoding="utf-8")
            environment["QT_QPA_PLATFORM"] = f"offscreen:configfile={screen}"
    port = free_virtual_port()
    meter_args = [
        str(BIN / "meter-emulator"),
        "--radio",
        f"virtual:{port}",
        "--data-dir",
        str(folder / "meter"),
        "--events",
        str(folder / "meter-events.jsonl"),
        "--place",
        "left",
        "--scenario",
        DEMO_SCENARIO,
        "--pairing-window",
        str(DEMO_PAIRING_WINDOW_S),
        *(["--zoom", f"{args.zoom:g}"] if args.zoom is not None else ["--presentation"]),
    ]
    if args.displays == 1:
        every_ihd = [_ihd_args(args, folder, port, "ihd", None, "right")]
    else:
        meter_args += ["--commission", SECOND_DISPLAY_IDENTITY]
        every_ihd = [
            _ihd_args(args, folder, port, identity, form_factor, place)
            for identity, form_factor, place in TWO_DISPLAYS
        ]
    if args.screenshot_dir:
        # The meter stays until the display has taken its pictures, connected to it.
        meter_args += [
            "--screenshot-dir",
            str(args.screenshot_dir),
            "--accept-pairing",
            "--outlive-ihd",
        ]
    if args.exit_after:
        meter_args += ["--exit-after", str(args.exit_after)]
    kept = "" if args.folder is not None else " (removed at exit; --folder DIR keeps them)"
    print(f"./run demo: meter on virtual:{port}; events and data in {folder}{kept}")
    # Ctrl+C reaches both children (same process group); the demo just waits for them.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    children: list[subprocess.Popen[bytes]] = []
    stopping: list[bool] = []

    def stop_both(_signum: int, _frame: object) -> None:
        # A SIGTERM to the demo stops both windows, so it still cleans up after them. os.kill,
        # not Popen.terminate: that polls, and reaping here would race wait_for_both's waitpid.
        stopping.append(True)
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGTERM)

    # Installed before the children start, so no SIGTERM can fall between the two.
    previous_term = signal.signal(signal.SIGTERM, stop_both)
    try:
        programs = [(meter_args, subprocess.DEVNULL)] + [(ihd, None) for ihd in every_ihd]
        for program, output in programs:
            children.append(subprocess.Popen(program, env=environment, stdout=output))
            if stopping:
                stop_both(signal.SIGTERM, None)
        if args.exit_after:
            # Automation: each program closes itself once its pictures are taken.
            return max(child.wait() for child in children)
        return wait_for_both(*children)
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, previous_term)


def _ihd_args(
    args: argparse.Namespace,
    folder: Path,
    port: int,
    identity: str,
    form_factor: str | None,
    place: str,
) -> list[str]:
    """The command line of the display ``identity`` (``ihd``: the demo's first, as it always
    was; another keeps its data, events and pictures apart, named after it)."""
    first = identity == "ihd"
    ihd_args = [
        str(BIN / "ihd"),
        "--radio",
        f"virtual:{port}",
        "--data-dir",
        str(folder / identity),
        "--events",
        str(folder / f"{identity}-events.jsonl"),
        "--place",
        place,
    ]
    if not first:
        ihd_args += ["--identity", identity]
    if args.form_factor and first:
        width, height = args.form_factor
        form_factor = f"{width}x{height}"
    if form_factor:
        ihd_args += ["--form-factor", form_factor]
    if args.screenshot_dir:
        # Pictures are automation: nobody is there to compare the numbers.
        pictures = args.screenshot_dir if first else args.screenshot_dir / identity
        ihd_args += ["--screenshot-dir", str(pictures), "--accept-pairing"]
    if args.exit_after:
        ihd_args += ["--exit-after", str(args.exit_after)]
    return ihd_args


def wait_for_both(meter: subprocess.Popen[bytes], *ihds: subprocess.Popen[bytes]) -> int:
    """Wait until any program ends, stop the others; the first one's exit status (or another's,
    if it failed by itself before being stopped)."""
    children = {child.pid: child for child in (meter, *ihds)}
    pid, status = os.waitpid(-1, 0)  # blocks until the first of the two exits
    first = children.pop(pid)
    first.returncode = os.waitstatus_to_exitcode(status)
    result = first.returncode
    for other in children.values():
        if other.poll() is not None:
            result = result or other.returncode
            continue
        other.terminate()
        try:
            other.wait(timeout=30)
        except subprocess.TimeoutExpired:
            other.kill()
            other.wait()
    return result


if __name__ == "__main__":
    sys.exit(run())
