"""The meter's HAN device log: the displays it serves, each by its identifier and the
fingerprint of its certificate (GB practice: a display joins only after the supplier has put it
on the meter's device log). A display not on it completes no handshake
(:mod:`meter_emulator.link_sessions`).

Kept in ``han-device-log.json`` in the meter's data dir, written atomically on every change.
On the first start of a data dir (no file yet) the log holds the display of the meter's own PKI
(``identities/ihd``), as a meter and display supplied together arrive commissioned; after that
only the supplier's signed ``han.device-add`` / ``han.device-remove`` (or the emulator's window
or ``--commission``, for demonstrations) change it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from ihd_app.protocol.errors import ConfigurationError
from ihd_app.protocol.pki import Identity
from ihd_app.protocol.session import Hello
from meter_emulator.link_sessions import Admission

#: The file in the meter's data dir.
DEVICE_LOG_FILE: Final = "han-device-log.json"
_VERSION: Final = 1


class DeviceLogError(ValueError):
    """The device log file cannot be read."""


@dataclass(frozen=True)
class HanDevice:
    """One display on the device log.

    Attributes:
        ihd_id: The display's identifier (its certificate's entity id).
        fingerprint: Hex SHA-256 of its certificate.
        added_at: When it was added (ISO-8601).
        added_by: Who added it (the supplier's organisation, ``window``, ``--commission``, ...).
    """

    ihd_id: str
    fingerprint: str
    added_at: str
    added_by: str


class DeviceLog:
    """The device log, backed by a JSON file.

    Args:
        path: The file (created on the first change, or at once with ``first_display``).
        first_display: The display commissioned when the file does not exist yet.

    Raises:
        DeviceLogError: The file exists but is not a device log.
    """

    def __init__(self, path: Path, first_display: HanDevice | None = None) -> None:
        self._path = path
        self._devices: dict[str, HanDevice] = {}
        if path.exists():
            self._devices = _read(path)
        elif first_display is not None:
            self._devices[first_display.ihd_id] = first_display
            self._save()

    @property
    def devices(self) -> list[HanDevice]:
        """Every display on the log, in the order added."""
        return list(self._devices.values())

    def find(self, ihd_id: str) -> HanDevice | None:
        """The entry of display ``ihd_id``, if it is on the log."""
        return self._devices.get(ihd_id)

    def add(self, device: HanDevice) -> bool:
        """Put a display on the log (replacing its entry: a new certificate); whether it
        changed anything."""
        if self._devices.get(device.ihd_id) == device:
            return False
        known = self._devices.get(device.ihd_id)
        if known is not None and known.fingerprint == device.fingerprint:
            return False
        self._devices[device.ihd_id] = device
        self._save()
        return True

    def remove(self, ihd_id: str) -> bool:
        """Take a display off the log; whether it was on it."""
        if self._devices.pop(ihd_id, None) is None:
            return False
        self._save()
        return True

    def admit(self, hello: Hello) -> Admission:
        """Whether the display that sent ``hello`` is served (:class:`LinkSessions` asks)."""
        known = self._devices.get(hello.ihd_id)
        if known is None:
            return Admission(False, f"display {hello.ihd_id} is not on the meter's device log")
        if known.fingerprint != hello.fingerprint:
            return Admission(
                False,
                f"display {hello.ihd_id} is on the device log with certificate "
                f"{known.fingerprint[:16]}, not {hello.fingerprint[:16]}",
            )
        return Admission(True)

    def _save(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_suffix(".tmp")
        document = {"version": _VERSION, "devices": [asdict(d) for d in self._devices.values()]}
        temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, self._path)


def _read(path: Path) -> dict[str, HanDevice]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("version") != _VERSION:
            raise DeviceLogError(f"version {document.get('version')!r} is not {_VERSION}")
        devices = [HanDevice(**{str(k): str(v) for k, v in d.items()}) for d in document["devices"]]
    except DeviceLogError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DeviceLogError(f"{path} is not a HAN device log ({exc})") from exc
    return {d.ihd_id: d for d in devices}


def device_of(ihd_id: str, fingerprint: str, by: str, clock: Callable[[], datetime]) -> HanDevice:
    """An entry for display ``ihd_id`` added now by ``by``."""
    return HanDevice(ihd_id, fingerprint, clock().isoformat(timespec="seconds"), by)


def first_display(
    identity_of: Callable[[str], Identity], clock: Callable[[], datetime]
) -> HanDevice | None:
    """The display of the meter's own PKI, commissioned on a first start (a meter and display
    supplied together arrive paired on the device log); ``None`` if the PKI has none."""
    try:
        display = identity_of("ihd")
    except ConfigurationError:
        return None
    return device_of(display.entity_id, display.kid.hex(), "first start", clock)
