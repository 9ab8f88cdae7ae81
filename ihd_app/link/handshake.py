"""What the link needs of the handshake that proves who the meter is on every connection
(:mod:`ihd_app.protocol.session`), without knowing how it is signed or checked: the
:class:`Handshake` is passed in (the display's service makes one with its identity and trust
store), and the link gives it a :class:`HandshakeExchange` to talk to the meter through.

Until the handshake ends the link holds back everything else the meter sends: readings, history
and messages are used only from a meter that proved who it is, and dropped when it could not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from ihd_app.link.errors import LinkError, MeterNotTrustedError
from ihd_app.link.meter_info import MeterInfo

__all__ = [
    "Handshake",
    "HandshakeExchange",
    "LinkError",
    "MeterNotTrustedError",
    "VerifiedMeter",
]


@dataclass(frozen=True)
class VerifiedMeter:
    """The meter as the handshake proved it.

    Attributes:
        meter_id: Its entity id, from its certificate (replies are addressed to it).
        session: The session id every reply on this connection carries.
        fingerprint: Hex SHA-256 of its certificate.
        certificate_der: Its certificate as the proof carried it (``None`` when the proof
            carried only the key id of a signer the display's trust store knows): the meter's
            envelopes on the link may then carry the key id alone.
    """

    meter_id: str
    session: str
    fingerprint: str
    certificate_der: bytes | None = None


class HandshakeExchange:
    """The handshake's channel on one connection.

    Args:
        send: Writes a unit to IHD to Meter.
        messages_uuid: The UUID of Messages to IHD, where the meter answers.
    """

    def __init__(self, send: Callable[[bytes], Awaitable[None]], messages_uuid: str) -> None:
        self._send = send
        self._messages_uuid = messages_uuid
        self._answers: asyncio.Queue[bytes] = asyncio.Queue()
        #: Every unit that arrived during the handshake, in order: (characteristic, unit).
        self.held: list[tuple[str, bytes]] = []

    async def send(self, unit: bytes) -> None:
        """Write ``unit`` to the meter (IHD to Meter).

        Raises:
            LinkError: The write failed.
        """
        await self._send(unit)

    async def receive(self) -> bytes:
        """The next unit the meter indicated on Messages to IHD."""
        return await self._answers.get()

    def consumed(self, unit: bytes) -> None:
        """``unit`` was the handshake's answer: it is not handed on afterwards."""
        for index, (_uuid, held) in enumerate(self.held):
            if held is unit:
                del self.held[index]
                return

    def arrived(self, uuid: str, unit: bytes) -> None:
        """A unit arrived on ``uuid`` while the handshake runs (the link calls this)."""
        self.held.append((uuid, unit))
        if uuid == self._messages_uuid:
            self._answers.put_nowait(unit)


class Handshake(Protocol):
    """Proves who the meter is, once the link is paired, Meter Info read and subscribed."""

    async def run(self, info: MeterInfo, exchange: HandshakeExchange) -> VerifiedMeter:
        """Run the handshake.

        Raises:
            MeterNotTrustedError: The meter did not prove who it is, or refused this display.
            LinkError: The link failed on the way (the link retries).
        """
        ...
