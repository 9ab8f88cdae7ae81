"""What one conformance run has seen so far, shared by its steps: the results recorded, the
device, the units that arrived on each subscribed characteristic, the envelopes verified, and the
display's originator counter and session (for signing its replies)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bleak import BleakClient
from bleak.backends.device import BLEDevice
from bleak.exc import BleakGATTProtocolError

from ihd_app.conformance.checks import CheckResult, MeterInfoValue
from ihd_app.conformance.config import ConformanceConfig
from ihd_app.link.meter_link import LinkBackend
from ihd_app.protocol import gatt_profile
from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.segmentation.reassembler import Reassembler
from ihd_app.protocol.segmentation.segmenter import Segmenter
from ihd_app.protocol.verification import Verdict, Verifier
from ihd_app.service.replies import ReplySigner


def characteristic_uuid(name: str) -> str:
    """The UUID of the profile's characteristic ``name``."""
    return gatt_profile.characteristic(name).uuid


def att_error_code(error: BaseException) -> int | None:
    """The ATT error code of a failed GATT operation, when the backend reports one."""
    code = getattr(error, "att_error_code", None)
    if isinstance(code, int):
        return code
    if isinstance(error, BleakGATTProtocolError) and isinstance(error.args[0], int):
        return int(error.args[0])
    return None


def describe_error(error: BaseException) -> str:
    code = att_error_code(error)
    return f"ATT error 0x{code:02X}" if code is not None else (str(error) or type(error).__name__)


@dataclass
class Channel:
    """What arrived on one subscribed characteristic."""

    reassembler: Reassembler = field(default_factory=Reassembler)
    units: list[tuple[float, bytes]] = field(default_factory=list)
    queue: asyncio.Queue[bytes] = field(default_factory=asyncio.Queue)
    errors: list[str] = field(default_factory=list)
    segments_in_unit: int = 0
    most_segments: int = 0

    def listener(self, monotonic: Callable[[], float]) -> Callable[[Any, bytearray], None]:
        """A bleak notification callback feeding this channel, timing units with ``monotonic``."""

        def on_value(_characteristic: Any, data: bytearray) -> None:
            self.segments_in_unit += 1
            try:
                unit = self.reassembler.feed(bytes(data))
            except DecodeError as exc:
                self.segments_in_unit = 0
                self.errors.append(f"{exc.reason.value}: {exc.detail}")
                return
            if unit is None:
                return
            self.most_segments = max(self.most_segments, self.segments_in_unit)
            self.segments_in_unit = 0
            self.units.append((monotonic(), unit))
            self.queue.put_nowait(unit)

        return on_value


class Stop(Exception):
    """Later checks cannot run; the reason is in the result already recorded."""


class RunState:
    """One run's observations and the display's signing state.

    Args:
        backend: The radio, as for MeterLink.
        config: What to check and how long to wait.
        monotonic: The clock cadence is measured with.
    """

    def __init__(
        self, backend: LinkBackend, config: ConformanceConfig, monotonic: Callable[[], float]
    ) -> None:
        self.backend = backend
        self.config = config
        self.monotonic = monotonic
        #: Each check's result, the first recorded for a name winning.
        self.results: dict[str, CheckResult] = {}
        #: What was tested (address, name, meter id).
        self.device: dict[str, object] = {}
        #: The device found by the scan.
        self.target: BLEDevice | None = None
        #: The connected client of the main run.
        self.client: BleakClient | None = None
        #: What arrived on each subscribed characteristic.
        self.channels: dict[str, Channel] = {}
        #: Meter Info, if it was a valid value.
        self.info: MeterInfoValue | None = None
        #: Every envelope on Messages to IHD, verified in order.
        self.verdicts: list[Verdict] = []
        self.verifier: Verifier | None = None
        #: The display's last originator counter.
        self.counter = 0
        #: The session the device opened in the handshake.
        self.session: str | None = None
        #: The device's certificate as its proof carried it: its own envelopes may carry only
        #: the key id.
        self.meter_certificate: bytes | None = None
        self.segmenter = Segmenter()

    def record(self, result: CheckResult) -> None:
        """Record a check's result (a later one for the same check is ignored)."""
        self.results.setdefault(result.name, result)

    async def write_unit(self, client: BleakClient, unit: bytes) -> None:
        """Write a unit to IHD to Meter, segmented to the link's MTU, each segment answered."""
        self.segmenter.mtu = client.mtu_size
        for segment in self.segmenter.segment(unit):
            await client.write_gatt_char(
                characteristic_uuid("IHD to Meter"), segment, response=True
            )

    def next_counter(self) -> int:
        """The display's next originator counter."""
        self.counter = max(self.counter + 1, time.time_ns() // 1_000_000)
        return self.counter

    def signer(self) -> ReplySigner | None:
        """Signs the display's replies to the meter of Meter Info (``None`` without one)."""
        if self.info is None:
            return None

        def last() -> int | None:
            return self.counter or None

        def save(counter: int) -> None:
            self.counter = counter

        return ReplySigner(
            self.config.identity,
            self.info.meter_id,
            self.session,
            last,
            save,
            lambda: datetime.now(UTC),
        )


__all__ = [
    "Channel",
    "RunState",
    "Stop",
    "att_error_code",
    "characteristic_uuid",
    "describe_error",
]
