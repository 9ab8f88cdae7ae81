"""What the meter advertises: its name (the profile's prefix and the meter id's last hex digits),
an advertisement with the flags and the profile's 128-bit service UUID (what an IHD filters on),
and a scan response with the complete local name (``IHD-Meter 0A1B``), because the two together
exceed the 31 bytes of a legacy advertisement. Every central merges the two."""

from __future__ import annotations

from typing import Final

from bumble.core import UUID, AdvertisingData

from ihd_app.protocol import gatt_profile

#: Hex digits of the meter id shown after the advertised name prefix.
NAME_SUFFIX_DIGITS: Final = 4


def advertised_name(meter_id: str) -> str:
    """Return the name the meter advertises: the profile prefix and the id's last hex digits.

    Args:
        meter_id: The meter's id, e.g. ``00-1D-A6-00-00-00-0A-1B``.

    Returns:
        E.g. ``IHD-Meter 0A1B``.
    """
    digits = "".join(c for c in meter_id.upper() if c in "0123456789ABCDEF")
    suffix = digits[-NAME_SUFFIX_DIGITS:].rjust(NAME_SUFFIX_DIGITS, "0")
    return f"{gatt_profile.ADVERTISED_NAME_PREFIX} {suffix}"


def advertising_data(*, service_uuid: bool = True) -> bytes:
    """Return the advertisement: flags (LE general discoverable, no BR/EDR) and the service UUID
    (left out only by the ``bad-advertising`` fault)."""
    flags = (
        AdvertisingData.Flags.LE_GENERAL_DISCOVERABLE_MODE
        | AdvertisingData.Flags.BR_EDR_NOT_SUPPORTED
    )
    fields = [(AdvertisingData.Type.FLAGS, bytes([flags]))]
    if service_uuid:
        fields.append(
            (
                AdvertisingData.Type.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
                UUID(gatt_profile.SERVICE_UUID).to_bytes(force_128=True),
            )
        )
    return bytes(AdvertisingData(fields))


def scan_response_data(name: str) -> bytes:
    """Return the scan response: the complete local name."""
    return bytes(AdvertisingData([(AdvertisingData.Type.COMPLETE_LOCAL_NAME, name.encode())]))
