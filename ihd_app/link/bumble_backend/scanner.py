"""``BumbleBleakScanner``: bleak's scanner interface on a Bumble :class:`~bumble.device.Device`.

Use it through bleak's public API, passing the backend and the radio's Bumble device::

    async with BleakScanner(cb, [SERVICE_UUID], backend=BumbleBleakScanner, bumble_device=dev):
        ...
    device = await BleakScanner.find_device_by_address(
        "C0:00:00:00:00:02", backend=BumbleBleakScanner, bumble_device=dev
    )

The scanner and the client of one radio share that one Device; nothing here is global.

Scanning is a property of the Device: a scanner starts it only when the Device is not already
scanning, and stops it only if it started it, so a scanner never cuts off scanning another part
of the app started first. Two scanners started together still share one scan: the first one to
stop ends it for both.
"""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.exc import BleakBluetoothNotAvailableError, BleakBluetoothNotAvailableReason
from bleak.uuids import normalize_uuid_str
from bumble import core, hci
from bumble.device import Advertisement, Device

logger = logging.getLogger(__name__)

# Advertising data types (Core Supplement Part A 1) this scanner turns into AdvertisementData.
_UUID_LIST_TYPES = {0x02: 2, 0x03: 2, 0x04: 4, 0x05: 4, 0x06: 16, 0x07: 16}
_SERVICE_DATA_TYPES = {0x16: 2, 0x20: 4, 0x21: 16}
_SHORTENED_LOCAL_NAME = 0x08
_COMPLETE_LOCAL_NAME = 0x09
_TX_POWER_LEVEL = 0x0A
_MANUFACTURER_SPECIFIC_DATA = 0xFF
#: What a controller reports when it has no RSSI; bleak's ``rssi`` is always a number.
_RSSI_NOT_AVAILABLE = 127
_RSSI_FLOOR = -127


@dataclass(frozen=True)
class BumbleDeviceDetails:
    """The ``details`` of a :class:`~bleak.backends.device.BLEDevice` found by this backend.

    Attributes:
        address: The advertiser's address with its type (public or random), which is what
            :class:`~ihd_app.link.bumble_backend.client.BumbleBleakClient` connects to.
        advertisement: The last Bumble advertisement (advertising data merged with the scan
            response) when the device was first seen.
    """

    address: hci.Address
    advertisement: Advertisement


def bleak_uuid(uuid: core.UUID) -> str:
    """Return a Bumble UUID in bleak's form: lower-case, 128-bit, with dashes."""
    return str(UUID(bytes=bytes(reversed(uuid.uuid_128_bytes))))


def bleak_address(address: hci.Address) -> str:
    """Return an address in bleak's form, ``AA:BB:CC:DD:EE:FF``, without Bumble's ``/P``."""
    return address.to_string(with_type_qualifier=False)


def advertisement_data(advertisement: Advertisement) -> AdvertisementData:
    """Convert a Bumble advertisement into bleak's :class:`AdvertisementData`.

    The AD structures are parsed here rather than with Bumble's decoders so that a malformed
    structure (wrong length, bad UTF-8) is skipped instead of raising inside the event loop.
    The TX power comes from the TX Power Level structure, or else from the extended advertising
    report when the controller gives one.
    """
    complete_name: str | None = None
    short_name: str | None = None
    uuids: list[str] = []
    service_data: dict[str, bytes] = {}
    manufacturer_data: dict[int, bytes] = {}
    tx_power: int | None = None
    for ad_type, payload in advertisement.data.ad_structures:
        if ad_type in _UUID_LIST_TYPES:
            width = _UUID_LIST_TYPES[ad_type]
            if len(payload) % width:
                continue
            for offset in range(0, len(payload), width):
                uuid = bleak_uuid(core.UUID.from_bytes(payload[offset : offset + width]))
                if uuid not in uuids:
                    uuids.append(uuid)
        elif ad_type in _SERVICE_DATA_TYPES:
            width = _SERVICE_DATA_TYPES[ad_type]
            if len(payload) >= width:
                key = bleak_uuid(core.UUID.from_bytes(payload[:width]))
                service_data[key] = bytes(payload[width:])
        elif ad_type == _COMPLETE_LOCAL_NAME:
            complete_name = payload.decode("utf-8", errors="replace")
        elif ad_type == _SHORTENED_LOCAL_NAME:
            short_name = payload.decode("utf-8", errors="replace")
        elif ad_type == _TX_POWER_LEVEL and len(payload) == 1:
            tx_power = struct.unpack("b", payload)[0]
        elif ad_type == _MANUFACTURER_SPECIFIC_DATA and len(payload) >= 2:
            company = struct.unpack_from("<H", payload)[0]
            manufacturer_data[company] = bytes(payload[2:])
    if tx_power is None and advertisement.tx_power != Advertisement.TX_POWER_NOT_AVAILABLE:
        tx_power = advertisement.tx_power
    rssi = advertisement.rssi
    return AdvertisementData(
        local_name=complete_name if complete_name is not None else short_name,
        manufacturer_data=manufacturer_data,
        service_data=service_data,
        service_uuids=uuids,
        tx_power=tx_power,
        rssi=_RSSI_FLOOR if rssi == _RSSI_NOT_AVAILABLE else rssi,
        platform_data=(advertisement,),
    )


class BumbleBleakScanner(BaseBleakScanner):
    """A bleak scanner backend that scans with a Bumble Device.

    Args:
        detection_callback: Called with each (device, advertisement data) that passes the filter.
        service_uuids: Only report advertisements listing one of these services (any form
            bleak accepts: 16-, 32- or 128-bit).
        scanning_mode: ``"active"`` (ask for scan responses) or ``"passive"``.
        bumble_device: The radio's powered-on Bumble Device, shared with the clients.
        **kwargs: Arguments for other backends (``bluez``, ``cb``), ignored.
    """

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: Literal["active", "passive"] = "active",
        *,
        bumble_device: Device,
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        # bleak's base class only lower-cases the filter; advertisements carry 128-bit forms.
        if self._service_uuids is not None:
            self._service_uuids = [normalize_uuid_str(u) for u in self._service_uuids]
        self._device = bumble_device
        self._active = scanning_mode != "passive"
        self._listening = False
        self._owns_scan = False

    async def start(self) -> None:
        """Start reporting advertisements, starting the Device's scan if it is not running.

        Raises:
            BleakBluetoothNotAvailableError: If the Bumble device is not powered on.
        """
        if not self._device.powered_on:
            raise BleakBluetoothNotAvailableError(
                "the Bumble device is not powered on",
                BleakBluetoothNotAvailableReason.POWERED_OFF,
            )
        self.seen_devices = {}
        if not self._listening:
            self._device.on(Device.EVENT_ADVERTISEMENT, self._on_advertisement)
            self._listening = True
        if not self._device.is_scanning:
            await self._device.start_scanning(active=self._active, filter_duplicates=False)
            self._owns_scan = True

    async def stop(self) -> None:
        """Stop reporting advertisements, and stop the scan if this scanner started it."""
        if self._listening:
            self._device.remove_listener(Device.EVENT_ADVERTISEMENT, self._on_advertisement)
            self._listening = False
        if self._owns_scan:
            self._owns_scan = False
            if self._device.is_scanning and self._device.powered_on:
                await self._device.stop_scanning()

    def _on_advertisement(self, advertisement: Advertisement) -> None:
        try:
            data = advertisement_data(advertisement)
            if not self.is_allowed_uuid(data.service_uuids):
                return
            key = str(advertisement.address)
            name = data.local_name
            if name is None and (seen := self.seen_devices.get(key)) is not None:
                name = seen[0].name  # keep the name an earlier advertisement carried
            device = self.create_or_update_device(
                key,
                bleak_address(advertisement.address),
                name,
                BumbleDeviceDetails(advertisement.address, advertisement),
                data,
            )
            self.call_detection_callbacks(device, data)
        except Exception:
            # Never let an app callback break Bumble's event dispatch.
            logger.exception("error while handling an advertisement from %s", advertisement.address)
