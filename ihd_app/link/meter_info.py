"""The Meter Info characteristic as the display reads it (docs/protocol.md §2)."""

from __future__ import annotations

from dataclasses import dataclass

import cbor2

from ihd_app.link.errors import LinkError
from ihd_app.protocol import gatt_profile


@dataclass(frozen=True)
class MeterInfo:
    """The Meter Info characteristic.

    Attributes:
        meter_id: The meter's EUI-64 (its envelopes' ``iss``; operator messages' ``aud``).
        name: Human-readable name.
        fuels: Fuels it meters.
        profile_version: GATT profile version.
        certificate_sha256: SHA-256 of the meter's certificate (its envelopes' ``kid``), as
            the meter claims it: the handshake proves it.
        challenge: The meter's handshake challenge for this connection (empty from a meter that
            does not run the handshake).
    """

    meter_id: str
    name: str
    fuels: tuple[str, ...]
    profile_version: int
    certificate_sha256: bytes
    challenge: bytes = b""

    @classmethod
    def decode(cls, data: bytes) -> MeterInfo:
        """Read the CBOR map.

        Raises:
            LinkError: Not the map the profile defines.
        """
        try:
            value = cbor2.loads(data)
            info = cls(
                meter_id=str(value["meter_id"]),
                name=str(value.get("name", "")),
                fuels=tuple(str(f) for f in value["fuels"]),
                profile_version=int(value["profile_version"]),
                certificate_sha256=bytes(value["certificate_sha256"]),
                challenge=bytes(value.get("challenge", b"")),
            )
        except Exception as exc:  # cbor2 and malformed maps raise many kinds
            raise LinkError(f"Meter Info is not a valid profile map ({exc!r})") from None
        if info.profile_version != gatt_profile.PROFILE_VERSION:
            raise LinkError(
                f"the meter speaks profile version {info.profile_version}; this display speaks "
                f"{gatt_profile.PROFILE_VERSION}"
            )
        return info
