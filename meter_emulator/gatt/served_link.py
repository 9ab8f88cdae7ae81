"""One display's link as the meter's GATT server keeps it: its handshake challenge and session,
its subscriptions, one segmenter and lock per characteristic, and the indication of a message
to it, segment by confirmed segment."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from bumble import hci
from bumble.device import Connection, Device
from bumble.gatt import Characteristic

from ihd_app.protocol import gatt_profile
from ihd_app.protocol.segmentation.reassembler import Reassembler
from ihd_app.protocol.segmentation.segmenter import Segmenter
from meter_emulator import faults as fault_hooks
from meter_emulator.faults import Fault
from meter_emulator.gatt.errors import IndicationTimeoutError, LinkLostError, NoSubscriberError

MESSAGES: Final = gatt_profile.characteristic("Messages to IHD")
#: Client Characteristic Configuration bits.
CCCD_NOTIFY: Final = 0x01
CCCD_INDICATE: Final = 0x02


@dataclass(frozen=True)
class DisplaySession:
    """The display at the other end of a link, once the handshake proved who it is.

    Attributes:
        ihd_id: The display's entity id.
        session: The session id its replies carry.
    """

    ihd_id: str
    session: str


@dataclass
class ServedLink:
    """What the server keeps per connected display."""

    connection: Connection
    reassembler: Reassembler
    lost: asyncio.Future[int]
    #: Meter Info's challenge for this connection: a hello must answer it.
    challenge: bytes = field(default_factory=lambda: os.urandom(16))
    #: Set once the handshake completed: only then is anything but the proof sent.
    session: DisplaySession | None = None
    # Per characteristic name: CCCD bits, the sender's transfer ids, one unit at a time.
    cccd: dict[str, int] = field(default_factory=dict)
    segmenters: dict[str, Segmenter] = field(default_factory=dict)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    listener: Callable[[int], None] | None = None

    def segmenter(self, name: str) -> Segmenter:
        segmenter = self.segmenters.setdefault(name, Segmenter())
        segmenter.mtu = self.connection.att_mtu
        return segmenter

    def lock(self, name: str) -> asyncio.Lock:
        return self.locks.setdefault(name, asyncio.Lock())

    async def indicate(
        self,
        device: Device,
        characteristic: Characteristic[bytes],
        envelope: bytes,
        faults: frozenset[Fault],
    ) -> None:
        """Indicate ``envelope`` on Messages to IHD, one confirmed segment after another.

        Raises:
            LinkLostError: The link dropped before the last segment was confirmed.
            NoSubscriberError: The display disabled indications part-way.
            IndicationTimeoutError: A segment was not confirmed within 30 s.
        """
        link = self
        name = MESSAGES.name
        async with link.lock(name):
            segments = fault_hooks.segments(faults, link.segmenter(name).segment(envelope))
            for index, segment in enumerate(segments):
                progress = f"{index} of {len(segments)} segments of the message were confirmed"
                if link.lost.done():
                    raise LinkLostError(f"the IHD's link dropped after {progress}")
                if not link.cccd.get(name, 0) & CCCD_INDICATE:
                    raise NoSubscriberError(
                        f"the IHD disabled indications of {name} after {progress}"
                    )
                sending = asyncio.ensure_future(
                    device.indicate_subscriber(link.connection, characteristic, segment, force=True)
                )
                try:
                    # Bumble would wait out its 30 s timeout after a disconnection.
                    await asyncio.wait({sending, link.lost}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    if not sending.done():
                        sending.cancel()
                        await asyncio.wait({sending})
                if sending.cancelled():
                    raise LinkLostError(
                        f"the IHD's link dropped ({_describe_reason(link.lost.result())}) "
                        f"after {progress}"
                    )
                try:
                    sending.result()
                except TimeoutError as error:
                    raise IndicationTimeoutError(
                        f"the IHD did not confirm segment {index + 1} of {len(segments)} "
                        "of the message within 30 s"
                    ) from error


def _describe_reason(reason: int) -> str:
    with contextlib.suppress(ValueError):
        return f"{reason:#04x} {hci.HCI_ErrorCode(reason).name}"
    return f"{reason:#04x}"
