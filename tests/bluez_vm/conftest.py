"""Fixtures of the BlueZ guest suite: the meter emulator on the host's virtual air, and a QEMU
guest running Linux, bluetoothd and the real ``ihd --radio system`` on a controller of that air.

The suite runs only when asked (``./run bluez-vm``, or ``BLUEZ_VM=1``): a guest boots in tens of
seconds under emulation. ``BLUEZ_VM=required`` (CI) turns "cannot run here" into a failure, so
the suite can never be skipped silently where it must run.

On a failure, the guest's btmon capture, bluetoothd log and console stay in the test's folder,
whose path the failure report names.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.bluez_vm.image import GuestImage, GuestUnavailableError, build
from tests.bluez_vm.machine import BIN, Guest, GuestProgram
from tests.e2e.programs import Program, free_port, headless_args
from tests.support import METER_ID

#: Where a failing test's guest logs and btmon capture are copied (CI keeps the folder).
ARTIFACTS_ENV = "BLUEZ_VM_ARTIFACTS"
#: Set on a test item whose setup or call failed, so its guest's logs are kept.
_FAILED = pytest.StashKey[bool]()


def _mode() -> str:
    return os.environ.get("BLUEZ_VM", "").strip().lower()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _mode() in ("1", "yes", "true", "required"):
        return
    skip = pytest.mark.skip(reason="the BlueZ guest suite runs with ./run bluez-vm (BLUEZ_VM=1)")
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line saying how many guest tests ran, so a CI log shows the suite was not skipped."""

    def ours(report: object) -> bool:
        return "bluez_vm/" in str(getattr(report, "nodeid", ""))

    counts = {
        outcome: sum(1 for r in terminalreporter.stats.get(outcome, []) if ours(r))
        for outcome in ("passed", "failed", "skipped", "error")
    }
    if any(counts.values()):
        terminalreporter.write_line(
            "BlueZ guest suite (tests/bluez_vm): "
            + ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n)
        )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if report.failed:  # type: ignore[attr-defined]
        item.stash[_FAILED] = True
    return report


@pytest.fixture(scope="session")
def guest_image() -> GuestImage:
    try:
        return build()
    except GuestUnavailableError as error:
        if _mode() == "required":
            pytest.fail(f"the BlueZ guest suite must run here but cannot: {error}")
        pytest.skip(f"BlueZ guest suite not run: {error}")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "meter_args(*args): extra arguments for the BlueZ suite's meter emulator"
    )


#: The signed message a test asks the meter to send (``@pytest.mark.meter_args(SEND)``).
SEND = "--send-signed-message"
MESSAGE_ID = 4242


async def _sign_message(out: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        str(BIN / "meter-emulator"),
        "sign",
        *("--target", METER_ID, "--out", str(out), "--role", "supplier"),
        *("--type", "message.general", "--text", "Sent over BlueZ"),
        *("--message-id", str(MESSAGE_ID), "--confirm"),
        stdout=asyncio.subprocess.DEVNULL,
    )
    assert await process.wait() == 0


@pytest.fixture
async def meter_args(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    """Extra arguments for the meter emulator, from the test's ``meter_args`` marker."""
    marker = request.node.get_closest_marker("meter_args")
    args = list(marker.args) if marker else []
    if SEND in args:
        envelope = tmp_path / "message.cbor"
        await _sign_message(envelope)
        args[args.index(SEND) : args.index(SEND) + 1] = ["--send", str(envelope)]
    return args


async def start_meter(tmp_path: Path, port: int, *args: str, radio: str | None = None) -> Program:
    """The meter emulator, headless, advertising on the host's virtual air at ``port`` (or on
    ``radio``, e.g. a controller of an air the test hosts); its HCI capture is kept with the
    guest's logs (``guest/meter-N.btsnoop``)."""
    logs = tmp_path / "guest"
    logs.mkdir(exist_ok=True)
    capture = logs / f"meter-{len(list(logs.glob('meter-*.btsnoop'))) + 1}.btsnoop"
    # The last --radio counts: ``radio`` replaces the virtual air headless_args names.
    own_radio = ("--radio", radio) if radio is not None else ()
    program = await Program.start(
        "meter-emulator",
        headless_args(port, tmp_path / "meter", "--btsnoop", str(capture), *own_radio, *args),
    )
    await program.wait_for("advertising", timeout=60)
    return program


@pytest.fixture
async def meters() -> AsyncIterator[list[Program]]:
    """Every meter emulator a test started, killed at its end."""
    started: list[Program] = []
    yield started
    for program in started:
        program.kill()
        await program.process.wait()


@pytest.fixture
def air_port() -> int:
    """The virtual air's HCI port: the guest's controller is served there."""
    return free_port()


@pytest.fixture
async def meter(
    tmp_path: Path, meter_args: list[str], meters: list[Program], air_port: int
) -> Program:
    """The meter emulator, headless, advertising on the host's virtual air."""
    program = await start_meter(tmp_path, air_port, *meter_args)
    meters.append(program)
    return program


@pytest.fixture
async def guest(
    request: pytest.FixtureRequest,
    guest_image: GuestImage,
    meter: Program,
    air_port: int,
    tmp_path: Path,
) -> AsyncIterator[Guest]:
    """A booted guest whose hci0 is on the meter's air; shut down (never left running) after."""
    out_dir = tmp_path / "guest"
    machine = await Guest.boot(guest_image, hci_port=air_port, out_dir=out_dir)
    print(f"guest booted in {machine.boot_s:.1f} s (kernel uptime {machine.uptime_s:.1f} s)")
    try:
        yield machine
    finally:
        await machine.shutdown()
        machine.save_transcripts()
        if request.node.stash.get(_FAILED, False):
            _keep_artifacts(request.node.name, out_dir)


def _keep_artifacts(name: str, out_dir: Path) -> None:
    target_root = os.environ.get(ARTIFACTS_ENV)
    where = out_dir
    if target_root:
        where = Path(target_root) / name
        shutil.copytree(out_dir, where, dirs_exist_ok=True)
    print(f"guest logs and btmon capture (btmon -r btmon.snoop) kept in {where}")


#: The guest's own folder for the display's data and settings, on the guest's /run tmpfs: not
#: /tmp, which is the host's (read-only, through the overlay) and where CI may have cloned us.
GUEST_TMP = "/run/bluez-vm"


async def start_ihd(
    guest: Guest, *extra: str, data_dir: str = f"{GUEST_TMP}/ihd", stdin: bool = False
) -> GuestProgram:
    """The real ``ihd --radio system --headless`` in the guest, its events streamed back (with
    ``stdin``, a pipe to type a passkey into)."""
    return await guest.spawn(
        [
            str(BIN / "ihd"),
            "--radio",
            "system",
            "--headless",
            "--events",
            "-",
            "--data-dir",
            data_dir,
            *extra,
        ],
        name="ihd",
        env={
            "HOME": GUEST_TMP,
            "XDG_CONFIG_HOME": f"{GUEST_TMP}/config",
            "XDG_STATE_HOME": f"{GUEST_TMP}/state",
        },
        stdin=stdin,
    )
