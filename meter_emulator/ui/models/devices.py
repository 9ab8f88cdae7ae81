"""The device log panel's table: each display on the meter's HAN device log, its certificate,
who added it and when, and whether it is connected now."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject

from meter_emulator.device_log import HanDevice
from meter_emulator.han_candidates import short_fingerprint
from meter_emulator.ui.models.table import Column, RecordTableModel

NON_BREAKING_HYPHEN = "\u2011"


@dataclass(frozen=True)
class DeviceRow:
    """One display on the log, as the panel shows it.

    Attributes:
        device: Its entry on the device log.
        connected: Whether the meter serves it now (its handshake is done on a link).
    """

    device: HanDevice
    connected: bool


def device_rows(devices: Sequence[HanDevice], served: Iterable[str]) -> list[DeviceRow]:
    """The log's displays in the order added, each marked connected when it is ``served``."""
    now_served = set(served)
    return [DeviceRow(d, d.ihd_id in now_served) for d in devices]


def added(row: DeviceRow) -> str:
    """When and by whom: ``22 Nov 12:01 by Brightwater Energy Supply``."""
    try:
        moment = datetime.fromisoformat(row.device.added_at).astimezone()
        when = moment.strftime("%d %b %H:%M")
    except ValueError:
        when = row.device.added_at
    # Non-breaking hyphens: "--commission" must not wrap after its dashes.
    by = row.device.added_by.replace("-", NON_BREAKING_HYPHEN)
    return f"{when} by {by}"


def connection(row: DeviceRow) -> str:
    """Connected now, or not."""
    return "connected now" if row.connected else "not connected"


COLUMNS: tuple[Column[DeviceRow], ...] = (
    Column("Display", lambda r: r.device.ihd_id),
    Column(
        "Certificate",
        lambda r: short_fingerprint(r.device.fingerprint),
        tooltip=lambda r: f"SHA-256 {r.device.fingerprint}",
    ),
    Column("Added", added),
    Column("Link", connection, tone=lambda r: "good" if r.connected else "muted"),
)


class DeviceLogModel(RecordTableModel[DeviceRow]):
    """The meter's device log, in the order the displays were added."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(COLUMNS, parent)

    def show_devices(self, devices: Sequence[HanDevice], served: Iterable[str]) -> None:
        """Show ``devices``, marking those ``served`` now as connected."""
        self.set_rows(device_rows(devices, served))

    def ihd_id_of(self, number: int) -> str | None:
        """The identifier of the display in row ``number``."""
        row = self.row(number)
        return None if row is None else row.device.ihd_id
