"""The Meter Info characteristic's value as the meter serves it (docs/protocol.md §2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import cbor2

from ihd_app.protocol import gatt_profile

#: Fuels a meter can report, as Meter Info spells them.
FUELS: Final = frozenset({"electricity", "gas"})


@dataclass(frozen=True, slots=True)
class MeterInfo:
    """What the Meter Info characteristic tells the IHD.

    Attributes:
        meter_id: The meter's id (EUI-64, e.g. ``00-1D-A6-00-00-00-00-01``).
        name: A name for people, e.g. the advertised name.
        fuels: The fuels it meters, a subset of ``electricity`` and ``gas``.
        certificate_sha256: SHA-256 of the meter's DER certificate (32 bytes). The certificate
            itself (~610 bytes) exceeds the 512-byte attribute limit; it travels in the meter's
            signed envelopes.
        profile_version: The GATT profile version spoken.

    Raises:
        ValueError: A field is malformed or the encoded value exceeds 512 bytes.
    """

    meter_id: str
    name: str
    fuels: tuple[str, ...] = ("electricity", "gas")
    certificate_sha256: bytes = bytes(32)
    profile_version: int = gatt_profile.PROFILE_VERSION

    def __post_init__(self) -> None:
        if not self.meter_id:
            raise ValueError("Meter Info needs a meter id")
        unknown = set(self.fuels) - FUELS
        if unknown or not self.fuels:
            raise ValueError(f"Meter Info fuels {list(self.fuels)} must be electricity and/or gas")
        if len(self.certificate_sha256) != 32:
            raise ValueError(
                f"certificate_sha256 must be 32 bytes, not {len(self.certificate_sha256)}"
            )
        size = len(self.encode())
        if size > gatt_profile.MAX_ATTRIBUTE_VALUE_BYTES:
            raise ValueError(
                f"Meter Info encodes to {size} bytes; an attribute holds at most "
                f"{gatt_profile.MAX_ATTRIBUTE_VALUE_BYTES}"
            )

    def encode(self, challenge: bytes = bytes(16)) -> bytes:
        """Return the CBOR map the characteristic's value holds.

        Args:
            challenge: The connection's handshake challenge (:mod:`ihd_app.protocol.session`).
        """
        return bytes(
            cbor2.dumps(
                {
                    "meter_id": self.meter_id,
                    "name": self.name,
                    "fuels": list(self.fuels),
                    "profile_version": self.profile_version,
                    "certificate_sha256": self.certificate_sha256,
                    "challenge": challenge,
                }
            )
        )
