"""Deliberately broken meters: ``meter-emulator --fault NAME``.

Each :class:`Fault` breaks exactly one rule of the profile (docs/protocol.md), so that
``ihd conformance`` can be shown failing, naming the rule, against a meter known to be wrong; a
firmware developer can compare their board's failure with the emulator's. The meter takes the
set of faults as a dependency (:attr:`meter_emulator.runtime.MeterConfig.faults`, passed on to
:class:`~meter_emulator.gatt.server.MeterGattServer` and
:class:`~meter_emulator.gatt.peripheral.MeterPeripheral`); the hooks below are the only places
where a fault changes behaviour, and a meter with no faults never reaches them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from enum import StrEnum
from typing import Final

import cbor2

from ihd_app.protocol.gatt_profile import CharacteristicSpec
from ihd_app.protocol.segmentation.wire import FLAG_FIRST, parse_segment


class Fault(StrEnum):
    """One deliberately broken rule.

    The value is the ``--fault`` name; :attr:`description` says what the meter then does and
    :attr:`check` names the ``ihd conformance`` check that must fail.
    """

    NO_AUTH = "no-auth"
    WRONG_PROPERTIES = "wrong-properties"
    BAD_ADVERTISING = "bad-advertising"
    BAD_SEGMENTATION = "bad-segmentation"
    STALE_COUNTER = "stale-counter"
    MISSING_RECEIPT = "missing-receipt"
    IGNORE_CONFIRMATION = "ignore-confirmation"
    BAD_METER_INFO = "bad-meter-info"
    SLOW_METERING = "slow-metering"
    NO_HISTORY = "no-history"

    @property
    def description(self) -> str:
        """What the broken meter does, one sentence."""
        return _DESCRIPTIONS[self]

    @property
    def check(self) -> str:
        """The ``ihd conformance`` check this fault fails."""
        return _CHECKS[self]


_DESCRIPTIONS: Final = {
    Fault.NO_AUTH: "Every characteristic can be read, written and subscribed to without "
    "pairing (no authenticated link required).",
    Fault.WRONG_PROPERTIES: "Messages to IHD is declared with notify instead of indicate.",
    Fault.BAD_ADVERTISING: "The advertisement leaves out the profile's service UUID.",
    Fault.BAD_SEGMENTATION: "Units of more than one segment are sent with a gap in the segment "
    "indexes (0, 2, 3, ...).",
    Fault.STALE_COUNTER: "Every message is indicated twice, the copy repeating the originator "
    "counter of the first (a replay).",
    Fault.MISSING_RECEIPT: "The IHD's signed receipts (message.receipt) are refused with an ATT "
    "error instead of being confirmed.",
    Fault.IGNORE_CONFIRMATION: "The IHD's MessageConfirmation (message.confirmation) is refused "
    "with an ATT error instead of being confirmed.",
    Fault.BAD_METER_INFO: "Meter Info's certificate_sha256 is 16 bytes instead of the 32-byte "
    "SHA-256 of the meter certificate.",
    Fault.SLOW_METERING: "Metering reports are sent ten times less often than the report interval.",
    Fault.NO_HISTORY: "GetProfile requests (history.request) are never answered on History.",
}

_CHECKS: Final = {
    Fault.NO_AUTH: "security",
    Fault.WRONG_PROPERTIES: "gatt-service",
    Fault.BAD_ADVERTISING: "advertising",
    Fault.BAD_SEGMENTATION: "segmentation",
    Fault.STALE_COUNTER: "replay-counter",
    Fault.MISSING_RECEIPT: "message-receipt",
    Fault.IGNORE_CONFIRMATION: "message-confirmation",
    Fault.BAD_METER_INFO: "meter-info",
    Fault.SLOW_METERING: "metering",
    Fault.NO_HISTORY: "history",
}

#: How much slower ``slow-metering`` reports.
SLOW_METERING_FACTOR: Final = 10.0

#: The ``--fault`` argument that lists the faults instead of running.
LIST: Final = "list"

#: Reply types each fault refuses on IHD to Meter.
_REFUSED_REPLIES: Final = {
    Fault.MISSING_RECEIPT: frozenset({"message.receipt"}),
    Fault.IGNORE_CONFIRMATION: frozenset({"message.confirmation"}),
}


class FaultRefusalError(Exception):
    """Raised by the meter's handler of IHD to Meter when a fault makes it refuse a unit; the
    GATT server answers the write with an ATT error."""


def parse_fault(text: str) -> Fault:
    """A ``--fault`` value as a :class:`Fault`.

    Raises:
        ValueError: Not a fault name.
    """
    try:
        return Fault(text)
    except ValueError:
        names = ", ".join(f.value for f in Fault)
        raise ValueError(f"unknown fault '{text}'; the faults are: {names}") from None


def describe_faults() -> list[dict[str, str]]:
    """Every fault as ``{"fault", "description", "check"}`` (``--fault list``)."""
    return [{"fault": f.value, "description": f.description, "check": f.check} for f in Fault]


# -- hooks -------------------------------------------------------------------------------------


def characteristic_spec(faults: Collection[Fault], spec: CharacteristicSpec) -> CharacteristicSpec:
    """The characteristic as the broken meter declares it."""
    if Fault.WRONG_PROPERTIES in faults and "indicate" in spec.properties:
        return dataclasses.replace(spec, properties=(spec.properties - {"indicate"}) | {"notify"})
    return spec


def meter_info_value(faults: Collection[Fault], value: bytes) -> bytes:
    """The Meter Info value as the broken meter serves it."""
    if Fault.BAD_METER_INFO not in faults:
        return value
    info = cbor2.loads(value)
    info["certificate_sha256"] = bytes(info["certificate_sha256"])[:16]
    return bytes(cbor2.dumps(info))


def segments(faults: Collection[Fault], values: Sequence[bytes]) -> list[bytes]:
    """The segments of one unit as the broken meter sends them."""
    if Fault.BAD_SEGMENTATION not in faults or len(values) < 2:
        return list(values)
    broken = [values[0]]
    for value in values[1:]:
        parsed = parse_segment(value)
        if parsed.first:  # pragma: no cover - only the first segment is FIRST
            broken.append(value)
            continue
        # Skip index 1: the receiver sees a gap after the FIRST segment.
        broken.append(bytes([value[0] & ~FLAG_FIRST & 0xFF, (parsed.index + 1) & 0xFF]) + value[2:])
    return broken


def advertises_service_uuid(faults: Collection[Fault]) -> bool:
    """Whether the advertisement carries the service UUID."""
    return Fault.BAD_ADVERTISING not in faults


def indications_per_message(faults: Collection[Fault]) -> int:
    """How many times each message is indicated."""
    return 2 if Fault.STALE_COUNTER in faults else 1


def refuses_reply(faults: Collection[Fault], type_name: str) -> bool:
    """Whether the meter refuses a verified reply of the IHD of this type."""
    return any(type_name in _REFUSED_REPLIES.get(fault, ()) for fault in faults)


def report_interval_s(faults: Collection[Fault], interval_s: float) -> float:
    """Seconds between Metering reports."""
    return interval_s * SLOW_METERING_FACTOR if Fault.SLOW_METERING in faults else interval_s


def answers_history(faults: Collection[Fault]) -> bool:
    """Whether GetProfile requests are answered."""
    return Fault.NO_HISTORY not in faults
