"""A bleak backend on Google's Bumble BLE stack: the IHD's BLE central without an OS radio.

Pass :class:`BumbleBleakScanner` / :class:`BumbleBleakClient` as ``backend=`` to bleak's
:class:`~bleak.BleakScanner` / :class:`~bleak.BleakClient` together with the radio's Bumble
device as ``bumble_device=`` (see :func:`ihd_app.link.bumble_host.open_bumble_host`).
"""

from __future__ import annotations

from ihd_app.link.bumble_backend.client import (
    DEFAULT_MTU,
    BumbleBleakClient,
    bumble_client_of,
    bumble_link_security,
)
from ihd_app.link.bumble_backend.errors import (
    INSUFFICIENT_AUTHENTICATION,
    INSUFFICIENT_ENCRYPTION,
    BumbleAttError,
    BumbleLinkError,
    BumblePairingError,
)
from ihd_app.link.bumble_backend.scanner import (
    BumbleBleakScanner,
    BumbleDeviceDetails,
    advertisement_data,
    bleak_address,
    bleak_uuid,
)
from ihd_app.link.bumble_backend.security import (
    UNPROTECTED,
    LinkSecurity,
    PairingEvent,
    PairingEventCallback,
    PairingEventKind,
)

__all__ = [
    "DEFAULT_MTU",
    "INSUFFICIENT_AUTHENTICATION",
    "INSUFFICIENT_ENCRYPTION",
    "UNPROTECTED",
    "BumbleAttError",
    "BumbleBleakClient",
    "BumbleBleakScanner",
    "BumbleDeviceDetails",
    "BumbleLinkError",
    "BumblePairingError",
    "LinkSecurity",
    "PairingEvent",
    "PairingEventCallback",
    "PairingEventKind",
    "advertisement_data",
    "bleak_address",
    "bleak_uuid",
    "bumble_client_of",
    "bumble_link_security",
]
