"""The conformance checks: their names, their results, and the pure judgements behind them.

Everything here works on values the runner (:mod:`ihd_app.conformance.runner`) observed on the
air: advertisement fields, discovered characteristic properties, the Meter Info value, the
times and contents of the units received. Nothing here touches a radio, so each rule is tested
(and documented) on its own.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

import cbor2

from ihd_app.protocol import gatt_profile
from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.zcl import METERING, Endpoint, GetProfileResponse, ReportAttributes, Unit
from ihd_app.protocol.zcl.clusters import MeteringAttribute
from ihd_app.protocol.zcl.unit import decode_unit


class Status(StrEnum):
    """How one check came out."""

    #: The device follows the rule.
    PASS = "pass"  # noqa: S105 - not a password
    #: The device breaks the rule.
    FAIL = "fail"
    #: The rule could not be exercised (nothing arrived to judge, or an earlier step failed);
    #: not a failure.
    SKIP = "skip"


@dataclass(frozen=True)
class Check:
    """One named check.

    Attributes:
        name: Its name in the table and in ``--json``.
        title: What it checks, one line.
    """

    name: str
    title: str


#: Every check, in the order they run and are printed.
CHECKS: Final = (
    Check("advertising", "advertises the service UUID and an 'IHD-Meter' complete local name"),
    Check("gatt-service", "the primary service and its five characteristics, properties and CCCDs"),
    Check("security", "unauthenticated access refused; LE Secure Connections pairing with MITM"),
    Check(
        "meter-info",
        "Meter Info is a CBOR map with valid meter_id, name, fuels, "
        "profile_version and certificate_sha256",
    ),
    Check(
        "handshake",
        "the device proves the meter id of Meter Info with a signed session.proof "
        "(meter certificate, the display's nonce, a session id)",
    ),
    Check(
        "metering",
        "Metering units decode as Report Attributes; each fuel reported at the report interval",
    ),
    Check(
        "message",
        "an envelope indicated on Messages to IHD verifies (signature, chain, "
        "policy, target, validity)",
    ),
    Check("replay-counter", "every envelope's originator counter is above the last one accepted"),
    Check(
        "message-receipt",
        "the IHD's signed receipt (message.receipt) is confirmed by the write response",
    ),
    Check(
        "message-confirmation",
        "the IHD's signed MessageConfirmation is confirmed by the write response",
    ),
    Check("history", "a signed GetProfile is answered on History with a GetProfileResponse"),
    Check(
        "segmentation",
        "every unit received reassembles; a broken segment written to IHD to Meter is refused",
    ),
    Check(
        "device-log",
        "a display not on the device's HAN device log gets no session.proof, its link is "
        "dropped with nothing served, and its bond deleted",
    ),
)

CHECK_NAMES: Final = tuple(check.name for check in CHECKS)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    Attributes:
        name: The check's name (one of :data:`CHECK_NAMES`).
        status: Pass, fail or skip.
        reason: One sentence: why it failed or was skipped, or what was seen when it passed.
        details: Extra facts for ``--json`` (counts, codes).
    """

    name: str
    status: Status
    reason: str
    details: Mapping[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form."""
        return {
            "check": self.name,
            "status": self.status.value,
            "reason": self.reason,
            "details": dict(self.details),
        }


def passed(check: str, reason: str, /, **details: object) -> CheckResult:
    """A passing result."""
    return CheckResult(check, Status.PASS, reason, details)


def failed(check: str, reason: str, /, **details: object) -> CheckResult:
    """A failing result."""
    return CheckResult(check, Status.FAIL, reason, details)


def skipped(check: str, reason: str, /, **details: object) -> CheckResult:
    """A check that was not exercised."""
    return CheckResult(check, Status.SKIP, reason, details)


# -- advertising ---------------------------------------------------------------------------------


def judge_advertising(local_name: str | None, service_uuids: Iterable[str]) -> CheckResult:
    """The advertisement (with its scan response) as a central merged it."""
    uuids = {u.lower() for u in service_uuids}
    problems = []
    if gatt_profile.SERVICE_UUID not in uuids:
        problems.append(f"the service UUID {gatt_profile.SERVICE_UUID} is not advertised")
    if not (local_name or "").startswith(gatt_profile.ADVERTISED_NAME_PREFIX):
        problems.append(
            f"the complete local name {local_name!r} does not start with "
            f"'{gatt_profile.ADVERTISED_NAME_PREFIX}'"
        )
    if problems:
        return failed("advertising", "; ".join(problems) + ".", device_name=local_name)
    return passed(
        "advertising", f"advertises the service as '{local_name}'.", device_name=local_name
    )


# -- the service ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiscoveredCharacteristic:
    """A characteristic as discovered.

    Attributes:
        uuid: Its UUID, lower case.
        properties: Its properties in bleak's spelling.
        has_cccd: Whether it has a Client Characteristic Configuration Descriptor.
    """

    uuid: str
    properties: frozenset[str]
    has_cccd: bool


def judge_service(
    service_found: bool,
    characteristics: Sequence[DiscoveredCharacteristic],
    *,
    check_cccd: bool = True,
) -> CheckResult:
    """The discovered service against :data:`gatt_profile.CHARACTERISTICS`.

    ``check_cccd=False`` where the central's stack hides CCCDs (BlueZ handles them itself); the
    subscriptions made later show they are there.
    """
    if not service_found:
        return failed(
            "gatt-service", f"the primary service {gatt_profile.SERVICE_UUID} was not discovered."
        )
    found = {c.uuid.lower(): c for c in characteristics}
    problems = []
    for spec in gatt_profile.CHARACTERISTICS:
        discovered = found.get(spec.uuid)
        if discovered is None:
            problems.append(f"{spec.name} ({spec.uuid}) is missing")
            continue
        # Extra properties (e.g. write-without-response) are as wrong as missing ones: the
        # display relies on ATT confirming every segment.
        if discovered.properties != spec.properties:
            problems.append(
                f"{spec.name} has properties {sorted(discovered.properties)}, the profile "
                f"says {sorted(spec.properties)}"
            )
        if check_cccd and spec.properties & {"notify", "indicate"} and not discovered.has_cccd:
            problems.append(f"{spec.name} has no CCCD")
    if problems:
        return failed("gatt-service", "; ".join(problems) + ".")
    return passed(
        "gatt-service",
        f"all {len(gatt_profile.CHARACTERISTICS)} characteristics with the profile's properties.",
    )


# -- Meter Info ----------------------------------------------------------------------------------

_EUI64: Final = re.compile(r"^[0-9A-F]{2}(-[0-9A-F]{2}){7}$")
_FUELS: Final = frozenset({"electricity", "gas"})


@dataclass(frozen=True)
class MeterInfoValue:
    """The fields of a valid Meter Info value the other checks need.

    Attributes:
        meter_id: The meter's EUI-64.
        fuels: Its fuels.
        certificate_sha256: The ``kid`` of its envelopes.
    """

    meter_id: str
    fuels: tuple[str, ...]
    certificate_sha256: bytes


def judge_meter_info(value: bytes) -> tuple[CheckResult, MeterInfoValue | None]:
    """Meter Info's value (docs/protocol.md §2): the result, and the parsed value when it is
    usable by the later checks (a meter id, even if another field is wrong)."""
    if len(value) > gatt_profile.MAX_ATTRIBUTE_VALUE_BYTES:
        return failed("meter-info", f"the value is {len(value)} bytes; at most 512."), None
    try:
        decoded = cbor2.loads(value)
    except Exception as exc:  # cbor2 raises many kinds on garbage
        return failed("meter-info", f"the value is not CBOR ({exc})."), None
    if not isinstance(decoded, dict):
        return failed(
            "meter-info", f"the value is a CBOR {type(decoded).__name__}, not a map."
        ), None
    problems = []
    meter_id = decoded.get("meter_id")
    if not isinstance(meter_id, str) or not _EUI64.match(meter_id):
        problems.append(f"meter_id {meter_id!r} is not an EUI-64 text like 00-1D-A6-00-00-00-00-01")
    name = decoded.get("name")
    if not isinstance(name, str):
        problems.append(f"name {name!r} is not text")
    fuels = decoded.get("fuels")
    if (
        not isinstance(fuels, list)
        or not fuels
        or not all(isinstance(f, str) and f in _FUELS for f in fuels)
        or len(set(fuels)) != len(fuels)
    ):
        problems.append(f"fuels {fuels!r} is not a non-empty array of 'electricity' and/or 'gas'")
    version = decoded.get("profile_version")
    if isinstance(version, bool) or version != gatt_profile.PROFILE_VERSION:
        problems.append(f"profile_version {version!r} is not {gatt_profile.PROFILE_VERSION}")
    sha = decoded.get("certificate_sha256")
    if not isinstance(sha, bytes) or len(sha) != 32:
        shown = f"{len(sha)} bytes" if isinstance(sha, bytes) else repr(sha)
        problems.append(f"certificate_sha256 is {shown}, not a 32-byte byte string")
    usable = None
    if isinstance(meter_id, str) and meter_id:
        usable = MeterInfoValue(
            meter_id=meter_id,
            fuels=tuple(f for f in fuels if isinstance(f, str)) if isinstance(fuels, list) else (),
            certificate_sha256=sha if isinstance(sha, bytes) else b"",
        )
    if problems:
        return failed("meter-info", "; ".join(problems) + ".", value=value.hex()), usable
    return (
        passed(
            "meter-info",
            f"meter {meter_id}, fuels {', '.join(map(str, fuels or ()))}, profile version "
            f"{version}.",
            meter_id=meter_id,
            fuels=fuels,
        ),
        usable,
    )


# -- Metering ------------------------------------------------------------------------------------

_READINGS: Final = frozenset(
    {MeteringAttribute.INSTANTANEOUS_DEMAND, MeteringAttribute.CURRENT_SUMMATION_DELIVERED}
)
_FUEL_ENDPOINT: Final = {"electricity": Endpoint.ELECTRICITY, "gas": Endpoint.GAS}


def cadence_tolerance_s(interval_s: float) -> float:
    """The longest gap between two readings of a fuel that still counts as "every interval":
    three intervals plus half a second for a busy link."""
    return 3 * interval_s + 0.5


def judge_metering(
    units: Sequence[tuple[float, bytes]],
    fuels: Sequence[str],
    *,
    start: float,
    end: float,
    interval_s: float,
) -> CheckResult:
    """Metering units received between ``start`` (subscription) and ``end`` (monotonic seconds).

    Every unit must decode as a Metering (0x0702) Report Attributes; electricity must have a
    reading (InstantaneousDemand or CurrentSummationDelivered) at least every
    :func:`cadence_tolerance_s`, counting from the subscription to the end of the window. Gas
    must have one within that time of the subscription: a GB gas meter, on its battery, then
    reports once a half hour, longer than the window.
    """
    readings: dict[Endpoint, list[float]] = {}
    for at, data in units:
        try:
            unit = decode_unit(data)
        except DecodeError as exc:
            return failed(
                "metering",
                f"a Metering unit does not decode: {exc.reason.value}: {exc.detail}.",
                unit=data.hex(),
            )
        if unit.cluster_id != METERING or not isinstance(unit.command, ReportAttributes):
            return failed(
                "metering",
                f"a Metering unit is {type(unit.command).__name__} on cluster "
                f"0x{unit.cluster_id:04X}, not a Metering (0x0702) Report Attributes.",
                unit=data.hex(),
            )
        if any(r.attribute_id in _READINGS for r in unit.command.records):
            readings.setdefault(unit.endpoint, []).append(at)
    tolerance = cadence_tolerance_s(interval_s)
    window = end - start
    counts = {e.name.lower(): len(t) for e, t in readings.items()}
    for fuel in fuels or ("electricity",):
        endpoint = _FUEL_ENDPOINT.get(fuel)
        if endpoint is None:
            continue
        times = readings.get(endpoint, [])
        if not times:
            expected = (
                "one at subscription" if endpoint is Endpoint.GAS else f"one every {interval_s:g} s"
            )
            return failed(
                "metering",
                f"no {fuel} reading arrived in {window:.1f} s (expected {expected}).",
                reports=counts,
            )
        marks = [start, times[0]] if endpoint is Endpoint.GAS else [start, *times, end]
        gap = max(b - a for a, b in itertools.pairwise(marks))
        if gap > tolerance and endpoint is Endpoint.GAS:
            return failed(
                "metering",
                f"the first gas reading came {gap:.2f} s after subscribing (expected at once, "
                f"within {tolerance:.2f} s; then every half hour).",
                reports=counts,
                longest_gap_s=round(gap, 3),
            )
        if gap > tolerance:
            return failed(
                "metering",
                f"{fuel} readings were {gap:.2f} s apart (expected one every {interval_s:g} s, "
                f"tolerated {tolerance:.2f} s); {len(times)} in {window:.1f} s.",
                reports=counts,
                longest_gap_s=round(gap, 3),
            )
    summary = ", ".join(f"{n} {fuel} reading{'s' * (n != 1)}" for fuel, n in sorted(counts.items()))
    return passed("metering", f"{summary} in {window:.1f} s, all decoded.", reports=counts)


# -- History -------------------------------------------------------------------------------------


def judge_history(data: bytes, requested_periods: int) -> CheckResult:
    """The first unit on History after a GetProfile request of ``requested_periods``."""
    try:
        unit: Unit = decode_unit(data)
    except DecodeError as exc:
        return failed(
            "history",
            f"the History unit does not decode: {exc.reason.value}: {exc.detail}.",
            unit=data.hex(),
        )
    command = unit.command
    if unit.cluster_id != METERING or not isinstance(command, GetProfileResponse):
        return failed(
            "history",
            f"History carried {type(command).__name__} on cluster 0x{unit.cluster_id:04X}, not a "
            "Metering GetProfileResponse.",
        )
    if len(command.intervals) > requested_periods:
        return failed(
            "history",
            f"{len(command.intervals)} intervals answered a request for {requested_periods}.",
        )
    return passed(
        "history",
        f"GetProfileResponse with {len(command.intervals)} of {requested_periods} intervals, "
        f"status {int(command.status)}.",
        intervals=len(command.intervals),
    )
