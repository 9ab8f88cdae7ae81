"""The conformance run's first steps: finding the device (**advertising**), connecting and
discovering its service unpaired (**gatt-service**), and touching it unpaired before pairing
(**security**)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakError

from ihd_app.conformance.checks import (
    DiscoveredCharacteristic,
    failed,
    judge_advertising,
    judge_service,
    passed,
)
from ihd_app.conformance.run_state import (
    RunState,
    Stop,
    att_error_code,
    characteristic_uuid,
    describe_error,
)
from ihd_app.protocol import gatt_profile
from ihd_app.protocol.segmentation.segmenter import Segmenter

_CCCD_UUID = "00002902-0000-1000-8000-00805f9b34fb"
#: ATT errors that mean "not secure enough" (the profile answers 0x05; 0x0F is tolerated).
_SECURITY_ERRORS = frozenset(
    {
        gatt_profile.ATT_ERROR_INSUFFICIENT_AUTHENTICATION,
        gatt_profile.ATT_ERROR_INSUFFICIENT_ENCRYPTION,
    }
)
#: Seconds to wait, once the device is heard, for its scan response (the name).
_SCAN_RESPONSE_WAIT_S = 2.0


async def scan(run: RunState) -> BLEDevice:
    """Find the device and judge its advertisement (**advertising**)."""
    config = run.config
    loop = asyncio.get_running_loop()
    heard: asyncio.Future[None] = loop.create_future()
    complete = asyncio.Event()
    latest: dict[str, Any] = {}
    wanted = config.address.upper() if config.address else None

    def detected(device: BLEDevice, adv: AdvertisementData) -> None:
        uuids = {u.lower() for u in adv.service_uuids}
        name = adv.local_name or device.name or ""
        if wanted is not None:
            match = device.address.upper() == wanted
        else:
            match = gatt_profile.SERVICE_UUID in uuids or name.startswith(
                gatt_profile.ADVERTISED_NAME_PREFIX
            )
        if not match or latest.get("address", device.address) != device.address:
            return
        latest.update(device=device, address=device.address, name=name, uuids=uuids)
        if not heard.done():
            heard.set_result(None)
        if name and gatt_profile.SERVICE_UUID in uuids:
            complete.set()

    async with BleakScanner(detected, **run.backend.scanner_kwargs):
        try:
            await asyncio.wait_for(heard, config.scan_timeout_s)
        except TimeoutError:
            who = f"device {config.address}" if config.address else "device advertising the profile"
            run.record(
                failed(
                    "advertising",
                    f"no {who} was heard on {run.backend.name} within {config.scan_timeout_s:g} s.",
                )
            )
            raise Stop("the device was not found") from None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(complete.wait(), _SCAN_RESPONSE_WAIT_S)
    run.device.update(address=latest["address"], name=latest["name"])
    run.record(judge_advertising(latest["name"], latest["uuids"]))
    device: BLEDevice = latest["device"]
    return device


async def connect(run: RunState, device: BLEDevice) -> BleakClient:
    """Connect unpaired and discover the service (**gatt-service**)."""
    client = BleakClient(device, timeout=run.config.connect_timeout_s, **run.backend.client_kwargs)
    try:
        await client.connect()
    except (BleakError, TimeoutError, OSError) as exc:
        run.record(failed("gatt-service", f"connecting failed: {describe_error(exc)}."))
        raise Stop("the device could not be connected") from None
    run.client = client
    service = client.services.get_service(gatt_profile.SERVICE_UUID)
    discovered = []
    if service is not None:
        for characteristic in service.characteristics:
            discovered.append(
                DiscoveredCharacteristic(
                    uuid=str(characteristic.uuid).lower(),
                    properties=frozenset(characteristic.properties),
                    has_cccd=any(
                        str(d.uuid).lower() == _CCCD_UUID for d in characteristic.descriptors
                    ),
                )
            )
    system = run.backend.name == "system"
    run.record(judge_service(service is not None, discovered, check_cccd=not system))
    if service is None:
        raise Stop("the profile's service is missing")
    return client


async def _refused_unpaired(what: str, attempt: Callable[[], Any]) -> str | None:
    """``None`` when ``attempt`` was refused as the profile says; else the problem."""
    try:
        await attempt()
    except BleakError as exc:
        code = att_error_code(exc)
        if code is None or code in _SECURITY_ERRORS:
            return None
        return f"{what} over an unpaired link was refused with ATT error 0x{code:02X}, not 0x05"
    return f"{what} succeeded over an unpaired link (expected ATT error 0x05)"


async def check_security(run: RunState, client: BleakClient) -> None:
    """Touch the device unpaired, then pair (**security**)."""
    problems: list[str] = []
    probed = run.config.probe_unauthenticated
    if probed:
        for what, attempt in (
            (
                "reading Meter Info",
                lambda: client.read_gatt_char(characteristic_uuid("Meter Info")),
            ),
            (
                "writing IHD to Meter",
                lambda: client.write_gatt_char(
                    characteristic_uuid("IHD to Meter"), Segmenter().segment(b"")[0], response=True
                ),
            ),
            (
                "subscribing to Metering",
                lambda: client.start_notify(characteristic_uuid("Metering"), lambda _c, _d: None),
            ),
        ):
            problem = await _refused_unpaired(what, attempt)
            if problem is not None:
                problems.append(problem)
                if what.startswith("subscribing"):
                    with contextlib.suppress(BleakError):
                        await client.stop_notify(characteristic_uuid("Metering"))
    try:
        await client.pair()
    except NotImplementedError:
        pass  # CoreBluetooth: the OS pairs by itself at the first protected access
    except BleakError as exc:
        run.record(failed("security", f"pairing failed: {describe_error(exc)}."))
        raise Stop("the device could not be paired") from None
    security = run.backend.security(client)
    if not (security.encrypted and security.authenticated):
        problems.append("pairing did not give an encrypted link with an authenticated key")
    if run.backend.name != "system" and not security.secure_connections:
        problems.append("the key is not from LE Secure Connections pairing")
    if problems:
        run.record(failed("security", "; ".join(problems) + "."))
        return
    unpaired = (
        "unpaired reads, writes and subscriptions were refused"
        if probed
        else "unpaired access not probed (the system radio pairs by itself)"
    )
    run.record(
        passed(
            "security",
            f"{unpaired}; paired with LE Secure Connections and MITM protection.",
            bonded=security.bonded,
            key_size=security.key_size,
        )
    )


__all__ = ["check_security", "connect", "scan"]
