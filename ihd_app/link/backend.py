"""What the display's link is made of: the radio's differences (:class:`LinkBackend`), where a
link is (:class:`LinkState`) and a meter heard while scanning (:class:`ScanResult`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bleak import BleakClient
from bleak.backends.device import BLEDevice

from ihd_app.link.bumble_backend.security import UNPROTECTED, LinkSecurity
from ihd_app.link.pairing_failure import PairingTracker


class LinkState(StrEnum):
    """Where the link is."""

    IDLE = "idle"
    SCANNING = "scanning"
    CONNECTING = "connecting"
    PAIRING = "pairing"
    VERIFYING = "verifying"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


async def _nothing_to_do(_client: BleakClient) -> None:
    return None


async def _no_bond_to_forget(_address: str) -> bool:
    return False


@dataclass(frozen=True)
class LinkBackend:
    """What makes one radio different from another, for :class:`MeterLink`.

    Attributes:
        name: How the radio is shown (``virtual:9301``, ``system``).
        scanner_kwargs: Extra arguments for ``BleakScanner`` (the backend class, its device).
        client_kwargs: Extra arguments for ``BleakClient``.
        security: The security state of a connected client's link.
        refresh_security: Reads the link's pairing state from the operating system's stack,
            before ``security`` is asked (BlueZ: the device's Paired and Bonded properties).
        acquire_mtu: Makes the client's ``mtu_size`` the negotiated MTU, once the link is
            paired (bleak on BlueZ says 23 until asked).
        pairing: Notes the pairing questions asked, to name the cause of a failed pairing.
        forget_bond: Deletes the bond with the meter at an address while no link is up (the
            consumer's Forget with the meter away); returns whether there was one.
    """

    name: str
    scanner_kwargs: Mapping[str, Any] = field(default_factory=dict)
    client_kwargs: Mapping[str, Any] = field(default_factory=dict)
    security: Callable[[BleakClient], LinkSecurity] = lambda _client: UNPROTECTED
    refresh_security: Callable[[BleakClient], Awaitable[None]] = field(default=_nothing_to_do)
    acquire_mtu: Callable[[BleakClient], Awaitable[None]] = field(default=_nothing_to_do)
    pairing: PairingTracker | None = None
    forget_bond: Callable[[str], Awaitable[bool]] = field(default=_no_bond_to_forget)


@dataclass(frozen=True)
class ScanResult:
    """A meter seen while scanning.

    Attributes:
        name: Advertised name.
        address: Bluetooth address.
        rssi: Signal strength in dBm.
        device: bleak's device object, for connecting.
    """

    name: str
    address: str
    rssi: int
    device: BLEDevice
