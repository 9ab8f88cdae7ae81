"""The developer panel's side of the display service: the meter's GATT table read-only, the
event records so far, and the HCI capture (the window's Developer screen)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ihd_app.link.meter_link import MeterLink
from ihd_app.protocol.events import EventLog
from ihd_app.service import developer
from ihd_app.service.config import ServiceConfig
from ihd_app.service.radio_link import RadioLink


class DeveloperPanel:
    """What :class:`~ihd_app.service.ihd_service.IhdService` offers the Developer screen
    (part of :class:`~ihd_app.service.api.IhdServiceApi`), and its link; mixed into the
    service, whose events, configuration and radio it reads."""

    config: ServiceConfig
    events: EventLog
    _radio_link: RadioLink

    @property
    def link(self) -> MeterLink | None:
        """The MeterLink, while the radio is open."""
        return self._radio_link.link

    async def gatt_table(self) -> Sequence[developer.GattServiceInfo]:
        return await developer.gatt_table(self.link)

    async def read_characteristic(self, uuid: str) -> developer.CharacteristicValue:
        return await developer.read_characteristic(self.link, uuid)

    def recent_events(self) -> Sequence[dict[str, Any]]:
        return developer.snapshot(getattr(self, "_recent_events", None))

    def subscribe_events(self, listener: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        return self.events.subscribe(listener)

    @property
    def capture(self) -> developer.CaptureState:
        return developer.capture_state(
            self.config.radio, self._radio_link.radio, self.config.data_dir
        )

    def start_capture(self, path: Path) -> None:
        developer.start_capture(self.config.radio, self._radio_link.radio, path)
        self.events.emit("capture.started", path=str(path))

    def stop_capture(self) -> None:
        path = developer.stop_capture(self._radio_link.radio)
        if path is not None:
            size = path.stat().st_size if path.exists() else 0
            self.events.emit("capture.stopped", path=str(path), bytes=size)
