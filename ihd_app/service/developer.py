"""What the developer panel asks of the IHD service: the meter's GATT table, read-only reads,
the recent event records and the HCI capture.

Kept apart from :mod:`ihd_app.service.ihd_service` so the service only forwards to it. Nothing
here writes to the meter.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import cbor2

from ihd_app.link.meter_link import LinkError, MeterLink
from ihd_app.link.radios import OpenRadio
from ihd_app.protocol import gatt_profile
from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.radio_spec import RadioKind, RadioSpec
from ihd_app.service.api import (
    CaptureState,
    CharacteristicValue,
    GattCharacteristicInfo,
    GattDescriptorInfo,
    GattServiceInfo,
)

#: Event records the service keeps for a panel opened later (about an hour of readings).
RECENT_EVENTS = 5000
#: The Client Characteristic Configuration Descriptor.
CCCD_UUID = "00002902-0000-1000-8000-00805f9b34fb"
#: What the panel says where the radio cannot capture.
SYSTEM_CAPTURE_NOTE = (
    "The system radio's HCI belongs to BlueZ: capture it with btmon "
    "(sudo btmon -w FILE.btsnoop) while the display runs."
)
BUMBLE_CAPTURE_NOTE = (
    "Captures every HCI packet of the display's Bumble host from now on (btsnoop, readable "
    "by Wireshark and bumble-show); a capture started on a connected link lacks its setup."
)
CLOSED_CAPTURE_NOTE = "The radio is not open: a capture can start once it is."


def recent_events_buffer() -> deque[dict[str, Any]]:
    """The bounded buffer of recent event records."""
    return deque(maxlen=RECENT_EVENTS)


def cccd_state(value: bytes) -> str:
    """A CCCD's value in words."""
    if len(value) < 2:
        return f"unreadable value {value.hex(' ').upper() or '(empty)'}"
    bits = int.from_bytes(value[:2], "little")
    on = [name for bit, name in ((1, "notifications"), (2, "indications")) if bits & bit]
    return " + ".join(on) + " on" if on else "off"


def describe_meter_info(data: bytes) -> str:
    """Meter Info's CBOR map as indented JSON (byte strings in hex), or why it is not one."""
    try:
        value = cbor2.loads(data)
    except Exception as exc:  # cbor2 raises many kinds on garbage
        return f"not CBOR: {exc}"

    def plain(item: object) -> object:
        if isinstance(item, bytes):
            return item.hex()
        if isinstance(item, dict):
            return {str(k): plain(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [plain(v) for v in item]
        return item

    return json.dumps(plain(value), indent=2, ensure_ascii=False, default=str)


def _connected(link: MeterLink | None) -> tuple[MeterLink, Any]:
    services = link.gatt_services if link is not None else None
    if link is None or services is None:
        raise LinkError("not connected to a meter: connect first (Meter screen)")
    return link, services


async def gatt_table(link: MeterLink | None) -> list[GattServiceInfo]:
    """The connected meter's services as discovered, with each CCCD's state read.

    Raises:
        LinkError: Not connected.
    """
    link, services = _connected(link)
    table: list[GattServiceInfo] = []
    for service in sorted(services.services.values(), key=lambda s: s.handle):
        characteristics = []
        for char in sorted(service.characteristics, key=lambda c: c.handle):
            spec = gatt_profile.characteristic_by_uuid(char.uuid)
            descriptors = []
            for descriptor in sorted(char.descriptors, key=lambda d: d.handle):
                state = ""
                if descriptor.uuid.lower() == CCCD_UUID:
                    try:
                        state = cccd_state(await link.read_descriptor(descriptor.handle))
                    except LinkError as exc:
                        state = f"not read: {exc}"
                descriptors.append(
                    GattDescriptorInfo(
                        descriptor.uuid.lower(), descriptor.handle, descriptor.description, state
                    )
                )
            characteristics.append(
                GattCharacteristicInfo(
                    uuid=char.uuid.lower(),
                    handle=char.handle,
                    name=spec.name if spec is not None else char.description,
                    in_profile=spec is not None,
                    properties=tuple(char.properties),
                    descriptors=tuple(descriptors),
                )
            )
        uuid = service.uuid.lower()
        name = "IHD meter profile" if uuid == gatt_profile.SERVICE_UUID else service.description
        table.append(GattServiceInfo(uuid, service.handle, name, tuple(characteristics)))
    return table


async def read_characteristic(link: MeterLink | None, uuid: str) -> CharacteristicValue:
    """Read ``uuid`` from the connected meter (readable characteristics only).

    Raises:
        LinkError: Not connected, no such characteristic, not readable, or refused.
    """
    link, services = _connected(link)
    wanted = uuid.strip().lower()
    found = [c for c in services.characteristics.values() if c.uuid.lower() == wanted]
    if not found:
        raise LinkError(f"the meter has no characteristic {wanted}")
    if "read" not in found[0].properties:
        properties = ", ".join(found[0].properties)
        raise LinkError(f"{wanted} is not readable (its properties: {properties})")
    data = await link.read_characteristic(wanted)
    decoded = describe_meter_info(data) if wanted == gatt_profile.METER_INFO_UUID else ""
    return CharacteristicValue(wanted, data, decoded)


def capture_state(spec: RadioSpec, radio: OpenRadio | None, data_dir: Path) -> CaptureState:
    """Whether the radio can capture now, the file being written, what to tell the developer."""
    directory = data_dir / "captures"
    if spec.kind is RadioKind.SYSTEM:
        return CaptureState(False, None, SYSTEM_CAPTURE_NOTE, directory)
    if radio is None or radio.capture is None:
        return CaptureState(False, None, CLOSED_CAPTURE_NOTE, directory)
    return CaptureState(True, radio.capture.path, BUMBLE_CAPTURE_NOTE, directory)


def start_capture(spec: RadioSpec, radio: OpenRadio | None, path: Path) -> None:
    """Start writing the radio's HCI traffic to ``path``.

    Raises:
        IhdError: The radio cannot capture, or ``path`` cannot be written.
    """
    if spec.kind is RadioKind.SYSTEM:
        raise IhdError(SYSTEM_CAPTURE_NOTE)
    if radio is None or radio.capture is None:
        raise IhdError(CLOSED_CAPTURE_NOTE)
    radio.capture.start(path)


def stop_capture(radio: OpenRadio | None) -> Path | None:
    """Stop the capture; the file it wrote (``None`` if none ran)."""
    if radio is None or radio.capture is None:
        return None
    path = radio.capture.path
    radio.capture.stop()
    return path


def suggested_capture_path(directory: Path, now: datetime) -> Path:
    """``<data dir>/captures/ihd-YYYYmmdd-HHMMSS.btsnoop``."""
    return directory / f"ihd-{now.strftime('%Y%m%d-%H%M%S')}.btsnoop"


def snapshot(buffer: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """A copy of the recent events, oldest first."""
    return list(buffer or ())


__all__ = [
    "BUMBLE_CAPTURE_NOTE",
    "CCCD_UUID",
    "RECENT_EVENTS",
    "SYSTEM_CAPTURE_NOTE",
    "CaptureState",
    "CharacteristicValue",
    "GattServiceInfo",
    "capture_state",
    "cccd_state",
    "describe_meter_info",
    "gatt_table",
    "read_characteristic",
    "recent_events_buffer",
    "snapshot",
    "start_capture",
    "stop_capture",
    "suggested_capture_path",
]
