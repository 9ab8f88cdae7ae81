"""What BlueZ knows about a connected meter, for the ``system`` radio on Linux.

bleak tells an application whether it is connected, not whether the link is paired or bonded,
and on BlueZ it reports the default ATT MTU (23) unless asked to acquire the real one. So the
display asks BlueZ itself: the ``Paired`` and ``Bonded`` properties of the meter's
``org.bluez.Device1`` object decide whether the display must pair, and what ``link.paired``
says; the MTU BlueZ negotiated (517 with Linux) sizes the segments, so the 13-month backfill
takes seconds instead of minutes.

BlueZ does not publish whether the key is authenticated (MITM-protected). The display's agent
offers only numeric comparison and passkey entry (KeyboardDisplay), and every characteristic of
the profile refuses access on an unauthenticated link, so a paired link is reported
authenticated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Final

from bleak import BleakClient
from bleak.exc import BleakError
from dbus_fast import Message, MessageType
from dbus_fast.aio import MessageBus

from ihd_app.link.bumble_backend.security import UNPROTECTED, LinkSecurity

_LOG = logging.getLogger(__name__)

DEVICE_INTERFACE: Final = "org.bluez.Device1"
ADAPTER_INTERFACE: Final = "org.bluez.Adapter1"


@dataclass(frozen=True)
class DeviceState:
    """The meter's ``org.bluez.Device1`` properties that matter to the link."""

    paired: bool
    bonded: bool


class BluezLinkState:
    """Reads the pairing state and MTU of bleak's BlueZ connections from BlueZ.

    Args:
        bus: A connected system bus (the one the pairing agent is exported on).
    """

    def __init__(self, bus: MessageBus) -> None:
        self._bus = bus
        self._devices: dict[str, DeviceState] = {}

    async def _devices_with(self, address: str) -> list[tuple[str, dict[str, Any]]]:
        """The object path and ``Device1`` properties of every device BlueZ knows with
        ``address`` (one per adapter)."""
        reply = await self._bus.call(
            Message(
                destination="org.bluez",
                path="/",
                interface="org.freedesktop.DBus.ObjectManager",
                member="GetManagedObjects",
            )
        )
        if reply.message_type == MessageType.ERROR:
            _LOG.warning("BlueZ did not list its objects: %s", reply.error_name)
            return []
        objects: dict[str, dict[str, dict[str, Any]]] = reply.body[0]
        return [
            (path, device)
            for path, interfaces in objects.items()
            if (device := interfaces.get(DEVICE_INTERFACE)) is not None
            and _value(device.get("Address")) == address.upper()
        ]

    async def device_state(self, address: str) -> DeviceState:
        """``Paired`` and ``Bonded`` of the device with ``address`` (both false if BlueZ
        knows no such device)."""
        for _path, device in await self._devices_with(address):
            # Debian 12's BlueZ 5.66 has no Bonded property yet; there a paired LE device is
            # bonded (bluetoothd pairs with the bonding flag set and keeps the keys).
            paired = bool(_value(device.get("Paired")))
            bonded = bool(_value(device.get("Bonded", device.get("Paired"))))
            return DeviceState(paired=paired, bonded=bonded)
        return DeviceState(paired=False, bonded=False)

    async def remove_device(self, address: str) -> bool:
        """Make BlueZ forget the device with ``address``: its bond and everything it cached
        (``Adapter1.RemoveDevice``), connected or not.

        Returns:
            True when BlueZ knew the device and removed it.
        """
        removed = False
        for path, device in await self._devices_with(address):
            reply = await self._bus.call(
                Message(
                    destination="org.bluez",
                    path=str(_value(device.get("Adapter"))),
                    interface=ADAPTER_INTERFACE,
                    member="RemoveDevice",
                    signature="o",
                    body=[path],
                )
            )
            if reply.message_type == MessageType.ERROR:
                _LOG.warning("BlueZ did not remove %s: %s", path, reply.error_name)
                continue
            _LOG.info("BlueZ removed %s and its bond", path)
            removed = True
        self._devices.pop(address.upper(), None)
        return removed

    async def refresh(self, client: BleakClient) -> None:
        """Read ``client``'s device state from BlueZ, for :meth:`security`."""
        self._devices[client.address.upper()] = await self.device_state(client.address)

    def security(self, client: BleakClient) -> LinkSecurity:
        """The link's security as BlueZ last reported it (see :meth:`refresh`)."""
        if not client.is_connected:
            return UNPROTECTED
        state = self._devices.get(client.address.upper(), DeviceState(False, False))
        return LinkSecurity(encrypted=state.paired, authenticated=state.paired, bonded=state.bonded)

    async def acquire_mtu(self, client: BleakClient) -> None:
        """Make ``client.mtu_size`` the MTU BlueZ negotiated (bleak says 23 until asked).

        Needs the link paired: BlueZ acquires the MTU through a characteristic that refuses an
        unencrypted link.
        """
        backend = getattr(client, "_backend", None)
        acquire = getattr(backend, "_acquire_mtu", None)
        if acquire is None:
            return  # not BlueZ: the backend knows its MTU
        try:
            await acquire()
        except (BleakError, AssertionError, StopIteration, OSError) as error:
            # bleak keeps 23: slower transfers, still correct.
            _LOG.warning("BlueZ did not tell the negotiated MTU (%s); using 23", error)


def _value(variant: Any) -> Any:
    return getattr(variant, "value", variant)
