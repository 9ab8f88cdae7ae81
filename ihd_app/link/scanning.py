"""Finding meters: bleak's scanner, filtered to devices advertising the profile's service."""

from __future__ import annotations

import asyncio

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakError

from ihd_app.link.backend import LinkBackend, ScanResult
from ihd_app.link.errors import LinkError
from ihd_app.protocol import gatt_profile


async def scan_for_meters(backend: LinkBackend, timeout_s: float) -> list[ScanResult]:
    """Meters advertising the profile's service, strongest signal first.

    Raises:
        LinkError: Scanning failed.
    """
    try:
        found = await BleakScanner.discover(
            timeout=timeout_s,
            return_adv=True,
            service_uuids=[gatt_profile.SERVICE_UUID],
            **backend.scanner_kwargs,
        )
    except BleakError as exc:
        raise LinkError(f"scanning on {backend.name} failed: {exc}") from None
    results = [
        ScanResult(adv.local_name or device.name or "", device.address, adv.rssi, device)
        for device, adv in found.values()
        if advertises_profile(adv)
    ]
    return sorted(results, key=lambda r: r.rssi, reverse=True)


async def first_meter_heard(backend: LinkBackend, timeout_s: float) -> ScanResult:
    """The first meter heard advertising the profile.

    Raises:
        LinkError: None within ``timeout_s``, or scanning failed.
    """
    found: asyncio.Future[ScanResult] = asyncio.get_running_loop().create_future()

    def detected(device: BLEDevice, adv: AdvertisementData) -> None:
        if not found.done() and advertises_profile(adv):
            name = adv.local_name or device.name or ""
            found.set_result(ScanResult(name, device.address, adv.rssi, device))

    try:
        async with BleakScanner(
            detected, service_uuids=[gatt_profile.SERVICE_UUID], **backend.scanner_kwargs
        ):
            return await asyncio.wait_for(found, timeout_s)
    except TimeoutError:
        raise LinkError(
            f"no meter advertising the IHD profile was heard on {backend.name} "
            f"within {timeout_s:.0f} s"
        ) from None
    except BleakError as exc:
        raise LinkError(f"scanning on {backend.name} failed: {exc}") from None


def advertises_profile(adv: AdvertisementData) -> bool:
    """Whether an advertisement names the profile's service."""
    return gatt_profile.SERVICE_UUID.lower() in (u.lower() for u in adv.service_uuids)
