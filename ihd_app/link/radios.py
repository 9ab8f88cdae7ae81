"""Opening the IHD's radio for a ``--radio`` spec, as a :class:`LinkBackend` for MeterLink."""

from __future__ import annotations

import asyncio
import hashlib
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bleak import BleakClient
from bumble import hci

from ihd_app.link.bumble_backend import BumbleBleakClient, BumbleBleakScanner, bumble_link_security
from ihd_app.link.bumble_backend.bonds import Bonds
from ihd_app.link.bumble_backend.security import LinkSecurity
from ihd_app.link.bumble_host import HciCapture, open_bumble_host
from ihd_app.link.meter_link import LinkBackend
from ihd_app.link.pairing import IoCapability, PairingAnswers
from ihd_app.link.pairing_failure import PairingTracker
from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.radio_spec import RadioKind, RadioSpec
from ihd_app.protocol.set_aside import SetAside, check_bond_file

#: The IHD's own static random address on Bumble radios (two top bits set: static random): the
#: address of the DEMO PKI's display ``00-1D-A6-00-00-00-01-01`` (:func:`display_address`).
IHD_ADDRESS = "C0:1D:A6:00:01:01"
KEYSTORE_FILE = "bonds.json"
_EUI64 = re.compile(r"[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){7}")


def display_address(entity_id: str) -> str:
    """The static random address a display with ``entity_id`` uses on Bumble radios.

    Several displays share one meter's air, and a meter files its bonds by address: each needs
    an address of its own, the same on every run. An EUI-64 id gives ``C0:1D:A6:00:`` and its
    last two bytes (``...-01-02`` is ``C0:1D:A6:00:01:02``; the DEMO display keeps
    :data:`IHD_ADDRESS`); any other id, two bytes of its SHA-256.
    """
    if _EUI64.fullmatch(entity_id):
        tail = entity_id.upper().split("-")[-2:]
    else:
        digest = hashlib.sha256(entity_id.encode()).hexdigest().upper()
        tail = [digest[0:2], digest[2:4]]
    return "C0:1D:A6:00:" + ":".join(tail)


@dataclass
class OpenRadio:
    """A radio ready for MeterLink.

    Attributes:
        backend: What MeterLink needs.
        close: Releases the radio.
        lost: Returns when the radio goes away (the emulator hosting the virtual air exits, a
            dongle is unplugged); never returns for the system radio.
        capture: The btsnoop capture of the host's HCI traffic, started and stopped at run time
            (``None`` for the system radio: the operating system's stack owns the HCI, and
            ``btmon`` captures it).
    """

    backend: LinkBackend
    close: Callable[[], Awaitable[None]]
    lost: Callable[[], Awaitable[None]]
    capture: HciCapture | None = None


def _system_security(client: BleakClient) -> LinkSecurity:
    # WinRT and CoreBluetooth pair by themselves (their own dialog) and do not report the key's
    # MITM flag to applications. Every characteristic of the profile refuses access on an
    # unauthenticated link, so a connection that got this far is authenticated by the meter's
    # own check. On Linux, BlueZ is asked instead (ihd_app.link.bluez_state).
    connected = client.is_connected
    return LinkSecurity(encrypted=connected, authenticated=connected, bonded=connected)


async def open_radio(
    spec: RadioSpec,
    *,
    data_dir: Path,
    pairing: PairingAnswers,
    btsnoop: Path | None = None,
    name: str = "In-home display",
    address: str = IHD_ADDRESS,
) -> OpenRadio:
    """Open the radio ``spec`` names, on a Bumble radio with the static random ``address``
    (:func:`display_address`).

    Raises:
        IhdError: The radio cannot be opened (no emulator on the virtual port, no dongle, no
            BlueZ), with one sentence saying what to do.
    """
    tracker = PairingTracker(pairing)
    if spec.kind is RadioKind.SYSTEM:
        return await _open_system(tracker)
    host = await open_bumble_host(
        spec.ihd_transport,
        name=name,
        address=address,
        keystore_path=data_dir / KEYSTORE_FILE,
        pairing=tracker.answers,
        # A keyboard and a display: numeric comparison with a meter that has a display and a
        # yes/no button, passkey entry with a meter that can only display its passkey.
        io_capability=IoCapability.DISPLAY_OUTPUT_AND_KEYBOARD_INPUT,
        btsnoop=btsnoop,
    )
    bonds = Bonds(host.device)

    async def forget_bond(address: str) -> bool:
        # The display records the address without its type: a bond may be filed under either.
        return await bonds.forget(
            hci.Address(address, hci.AddressType.RANDOM_DEVICE),
            hci.Address(address, hci.AddressType.PUBLIC_DEVICE),
        )

    backend = LinkBackend(
        name=str(spec),
        scanner_kwargs={"backend": BumbleBleakScanner, "bumble_device": host.device},
        client_kwargs={"backend": BumbleBleakClient, "bumble_device": host.device},
        security=bumble_link_security,
        pairing=tracker,
        forget_bond=forget_bond,
    )
    return OpenRadio(backend=backend, close=host.close, lost=host.wait_lost, capture=host.capture)


def set_aside_damaged_bonds(data_dir: Path) -> SetAside | None:
    """Rename a damaged bonds file of ``data_dir`` out of the way before a radio is opened.

    Bumble would otherwise fail on it when powering on, pairing or reconnecting, with a JSON
    error that names no file. The caller tells the person (the returned sentence).

    Raises:
        ConfigurationError: The file cannot be read or moved aside.
    """
    return check_bond_file(data_dir / KEYSTORE_FILE, "the display")


async def _open_system(tracker: PairingTracker) -> OpenRadio:
    if not sys.platform.startswith("linux"):
        # WinRT and CoreBluetooth show the operating system's own pairing dialog.
        backend = LinkBackend(name="system", security=_system_security, pairing=tracker)
        return OpenRadio(backend, _nothing, _forever)
    from dbus_fast import BusType  # noqa: PLC0415 - Linux only
    from dbus_fast.aio import MessageBus  # noqa: PLC0415

    from ihd_app.link.bluez_agent import register_agent  # noqa: PLC0415
    from ihd_app.link.bluez_state import BluezLinkState  # noqa: PLC0415

    try:
        bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    except (OSError, ValueError) as exc:
        raise IhdError(f"cannot reach the system D-Bus for BlueZ: {exc}") from None
    agent = await register_agent(bus, tracker.answers)
    state = BluezLinkState(bus)

    async def close() -> None:
        await agent.unregister()
        bus.disconnect()

    backend = LinkBackend(
        name="system",
        security=state.security,
        refresh_security=state.refresh,
        acquire_mtu=state.acquire_mtu,
        pairing=tracker,
        forget_bond=state.remove_device,
    )
    return OpenRadio(backend, close, _forever)


async def _nothing() -> None:
    return None


async def _forever() -> None:
    await asyncio.Event().wait()
