"""Commissioning: the meter's HAN device log (:mod:`meter_emulator.device_log`) and what a change
to it does on the air. A display taken off the log is disconnected and its bond deleted at
once; a display not on the log is refused by the handshake
(:mod:`meter_emulator.link_sessions`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bumble.device import Connection

from ihd_app.protocol.events import EventLog
from ihd_app.protocol.session import Hello
from meter_emulator.device_log import DeviceLog, HanDevice, device_of
from meter_emulator.gatt import MeterGattServer
from meter_emulator.link_sessions import Admission


class HanDevices:
    """The device log of a running meter.

    Args:
        log: The device log.
        server: The GATT server, once started.
        drop: Disconnects a display and deletes its bond.
        spawn: Runs a drop in the background (a change may come from a synchronous caller).
        events: Where events go.
        clock: The wall clock.
    """

    def __init__(
        self,
        log: DeviceLog,
        server: Callable[[], MeterGattServer | None],
        drop: Callable[[Connection], Awaitable[bool]],
        spawn: Callable[[Awaitable[None], str], None],
        events: EventLog,
        clock: Callable[[], datetime],
    ) -> None:
        self._log = log
        self._server = server
        self._drop = drop
        self._spawn = spawn
        self._events = events
        self._clock = clock

    @property
    def devices(self) -> list[HanDevice]:
        """The displays on the log."""
        return self._log.devices

    def admit(self, hello: Hello) -> Admission:
        """Whether the display of ``hello`` is served."""
        return self._log.admit(hello)

    def commission(self, ihd_id: str, fingerprint: str, by: str) -> bool:
        """Put display ``ihd_id`` (certificate ``fingerprint``) on the log; whether it changed.

        Args:
            ihd_id: The display's identifier.
            fingerprint: Hex SHA-256 of its certificate.
            by: Who (the supplier's organisation, ``window``, ``--commission``).
        """
        if not self._log.add(device_of(ihd_id, fingerprint.lower(), by, self._clock)):
            return False
        self._events.emit("han.device-added", ihd_id=ihd_id, fingerprint=fingerprint, by=by)
        return True

    def decommission(self, ihd_id: str, by: str) -> bool:
        """Take display ``ihd_id`` off the log and off the air; whether it was on the log."""
        if not self._log.remove(ihd_id):
            return False
        self._events.emit("han.device-removed", ihd_id=ihd_id, by=by)
        server = self._server()
        if server is not None:
            for connection in server.connections_of(ihd_id):
                self._spawn(self._dropped(connection), "han-device-removed")
        return True

    async def _dropped(self, connection: Connection) -> None:
        await self._drop(connection)
