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


#: libusb's errors (python-libusb1's class names) and what each means for a person with a dongle.
_USB_ADVICE = {
    "USBErrorAccess": "no permission to open the Bluetooth USB dongle at {moniker}: run as root, "
    "or give your user the device with a udev rule",
    "USBErrorBusy": "the Bluetooth USB dongle at {moniker} is in use (by the system's Bluetooth "
    "or another program): stop it (sudo systemctl stop bluetooth) or use another dongle",
}
_NO_DONGLE = (
    "no Bluetooth USB dongle at {moniker}: plug one in (lsusb lists it) and try again, "
    "or use --radio virtual to run without one"
)


def describe_transport_failure(moniker: str, error: BaseException) -> str:
    """One sentence for a Bumble transport that did not open: what is wrong, what to do.

    USB transports fail with libusb's codes (``LIBUSB_ERROR_OTHER [-99]`` when there is no USB
    device at all, e.g. in a container) or Bumble's ``device not found``; neither tells a person
    that the dongle is missing.
    """
    if moniker.startswith("usb:"):
        advice = _USB_ADVICE.get(type(error).__name__, _NO_DONGLE)
        return f"{advice.format(moniker=moniker)} ({error})"
    detail = error.strerror if isinstance(error, OSError) and error.strerror else error
    return f"cannot open the Bluetooth transport {moniker}: {detail}"


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
