"""``--radio SPEC``: which Bluetooth radio a program uses (DESIGN.md §4).

- ``virtual`` or ``virtual:PORT`` (default port 9301): the emulator hosts a virtual air (two
  Bumble controllers on a LocalLink) and exposes the IHD's controller as an HCI transport on
  ``tcp-server:127.0.0.1:PORT``; the IHD attaches with ``tcp-client:127.0.0.1:PORT``.
- ``bumble:<moniker>``: any Bumble transport (``usb:0``, ``hci-socket:0``, ``serial:...``,
  ``tcp-client:...``), e.g. a USB dongle.
- ``system``: the operating system's Bluetooth through bleak (IHD only).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from enum import StrEnum

DEFAULT_VIRTUAL_PORT = 9301


def free_virtual_port() -> int:
    """A loopback TCP port nothing listens on right now, for a virtual radio of one's own."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RadioKind(StrEnum):
    """The three kinds of radio."""

    VIRTUAL = "virtual"
    BUMBLE = "bumble"
    SYSTEM = "system"


@dataclass(frozen=True)
class RadioSpec:
    """A parsed ``--radio`` value.

    Attributes:
        kind: Virtual air, a Bumble transport, or the system's Bluetooth.
        port: TCP port of the virtual air's HCI transport (virtual only).
        moniker: The Bumble transport moniker (bumble only).
    """

    kind: RadioKind
    port: int = DEFAULT_VIRTUAL_PORT
    moniker: str = ""

    @classmethod
    def parse(cls, text: str) -> RadioSpec:
        """Parse ``virtual[:PORT]``, ``bumble:<moniker>`` or ``system``.

        Raises:
            ValueError: With a sentence naming the accepted forms.
        """
        kind, _, rest = text.strip().partition(":")
        if kind == RadioKind.VIRTUAL:
            if not rest:
                return cls(RadioKind.VIRTUAL)
            if rest.isdigit() and 0 < int(rest) < 65536:
                return cls(RadioKind.VIRTUAL, port=int(rest))
            raise ValueError(f"'{text}': the virtual radio's port must be 1-65535")
        if kind == RadioKind.BUMBLE:
            if not rest:
                raise ValueError(f"'{text}': say which Bumble transport, e.g. bumble:usb:0")
            return cls(RadioKind.BUMBLE, moniker=rest)
        if kind == RadioKind.SYSTEM and not rest:
            return cls(RadioKind.SYSTEM)
        raise ValueError(
            f"'{text}' is not a radio; use virtual, virtual:PORT, bumble:<transport> or system"
        )

    @property
    def ihd_transport(self) -> str:
        """The Bumble transport moniker the IHD's host opens for this radio.

        Raises:
            ValueError: For ``system``, which goes through bleak's OS backend instead.
        """
        if self.kind is RadioKind.VIRTUAL:
            return f"tcp-client:127.0.0.1:{self.port}"
        if self.kind is RadioKind.BUMBLE:
            return self.moniker
        raise ValueError("the system radio has no Bumble transport")

    def __str__(self) -> str:
        if self.kind is RadioKind.VIRTUAL:
            return f"virtual:{self.port}"
        if self.kind is RadioKind.BUMBLE:
            return f"bumble:{self.moniker}"
        return "system"
