"""The voltage at the meter: the network's, less the drop the premises' own current makes
across the service cable (:mod:`meter_emulator.simulation.network_quality` summarises it per
half hour; :class:`~meter_emulator.simulation.premises.Premises` reads it live)."""

from __future__ import annotations

import hashlib
import math
from datetime import datetime

#: GB statutory supply voltage: 230 V +10 % / -6 %.
NOMINAL_V = 230.0
LOW_LIMIT_V = 216.2
HIGH_LIMIT_V = 253.0
#: The service cable and transformer's impedance seen from the meter, in ohms.
SOURCE_OHMS = 0.15


def network_side_v(seed: int, at: datetime) -> float:
    """The voltage the network offers at ``at`` before the household's own drop: about 231.5 V,
    lower at the evening peak (16:00-23:00), with a volt of noise per second."""
    seconds = at.hour * 3600 + at.minute * 60 + at.second
    daily = -3.0 * math.sin(math.pi * min(max(0.0, seconds / 3600 - 16), 7.0) / 7)
    key = repr((seed, "volts", int(at.timestamp()))).encode()
    noise = int.from_bytes(hashlib.blake2b(key, digest_size=2).digest(), "big") / 65536 - 0.5
    return NOMINAL_V + 1.5 + daily + noise


def voltage_at(seed: int, at: datetime, net_w: float) -> float:
    """The voltage at the meter at ``at`` while the premises draw ``net_w`` (negative: export),
    to a tenth of a volt."""
    return round(network_side_v(seed, at) - SOURCE_OHMS * net_w / NOMINAL_V, 1)


__all__ = [
    "HIGH_LIMIT_V",
    "LOW_LIMIT_V",
    "NOMINAL_V",
    "SOURCE_OHMS",
    "network_side_v",
    "voltage_at",
]
