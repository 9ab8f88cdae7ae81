"""The meter on the air: its radio, the peripheral (advertising, pairing, bonds) and the GATT
server, opened together and closed together.

:class:`~meter_emulator.runtime.MeterRuntime` holds one; the parts that send and receive reach
the server through it once it is open (``None`` before).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bumble.device import Connection

from ihd_app.protocol.set_aside import SET_ASIDE_EVENT, check_bond_file
from meter_emulator import faults as fault_hooks
from meter_emulator.config import MeterConfig
from meter_emulator.faults import Fault
from meter_emulator.gatt import (
    AutoAcceptPolicy,
    MeterGattServer,
    MeterInfo,
    MeterPeripheral,
    advertised_name,
)
from meter_emulator.gatt.pairing_window import PairingWindow
from meter_emulator.gatt.server import ErrorCallback, UnitCallback
from meter_emulator.radio.meter_radio import MeterRadio, open_meter_radio

if TYPE_CHECKING:
    from ihd_app.protocol.events import EventLog


class MeterAir:
    """The radio side of one meter.

    Args:
        config: The radio, pairing mode and policy, faults and data directory (bonds).
        meter_id: The meter's EUI-64 (advertised name, Meter Info).
        certificate_sha256: The meter certificate's key id (Meter Info).
        pairing_window: When a new display may pair.
        events: Where ``meter.started`` and the link's events go.
    """

    def __init__(
        self,
        config: MeterConfig,
        meter_id: str,
        certificate_sha256: bytes,
        pairing_window: PairingWindow,
        events: EventLog,
    ) -> None:
        self._config = config
        self._meter_id = meter_id
        self._kid = certificate_sha256
        self._pairing_window = pairing_window
        self._events = events
        self.radio: MeterRadio | None = None
        self.peripheral: MeterPeripheral | None = None
        self.server: MeterGattServer | None = None

    @property
    def address(self) -> str | None:
        """The meter's Bluetooth address, once open."""
        return self.peripheral.address if self.peripheral is not None else None

    async def open(
        self,
        route: UnitCallback,
        on_segment_error: ErrorCallback,
        on_link_event: Callable[..., None],
    ) -> str:
        """Open the radio, serve GATT, open the pairing window and advertise; the name advertised.

        Args:
            route: Where the displays' writes go (the link sessions).
            on_segment_error: Told of a write that cannot be reassembled.
            on_link_event: Told of connections, pairing and subscriptions.

        Raises:
            IhdError: The radio cannot be opened (port in use, no dongle, ...).
        """
        config = self._config
        self.radio = await open_meter_radio(config.radio, btsnoop=config.btsnoop)
        name = advertised_name(self._meter_id)
        device = self.radio.create_device(name)
        bonds_file = config.data_dir / "bonds.json"
        damaged = check_bond_file(bonds_file, "the meter")
        if damaged is not None:
            self._events.emit(SET_ASIDE_EVENT, **damaged.event_fields())
        self.peripheral = MeterPeripheral(
            device,
            policy=config.pairing_policy or AutoAcceptPolicy(),
            keystore_path=bonds_file,
            mode=config.pairing_mode,
            on_event=on_link_event,
            advertise_service_uuid=fault_hooks.advertises_service_uuid(config.faults),
            pairing_window=self._pairing_window,
        )
        self.server = MeterGattServer(
            device,
            MeterInfo(
                meter_id=self._meter_id,
                name="Smart meter (electricity and gas)",
                certificate_sha256=self._kid,
            ),
            route,
            on_error=on_segment_error,
            security=self.peripheral.security,
            require_authentication=Fault.NO_AUTH not in config.faults,
            faults=config.faults,
        )
        # Open before advertising: a display that connects at once must find it open.
        self._pairing_window.open(config.pairing_window_s, by="start")
        await self.peripheral.start()
        return name

    async def forget_household_links(self) -> int:
        """Delete every display's bond and drop its link (a change of occupier); how many
        bonds were deleted."""
        if self.peripheral is None:
            return 0
        deleted = await self.peripheral.forget_bonds()
        await self.peripheral.disconnect()
        return deleted

    async def drop(self, connection: Connection) -> bool:
        """Drop one display's link; whether there was one to drop."""
        return self.peripheral is not None and await self.peripheral.drop(connection)

    async def drop_link(self) -> None:
        """Disconnect the IHD as radio interference would (the IHD should reconnect by itself)."""
        if self.peripheral is not None:
            self._events.emit("link.dropped")
            await self.peripheral.disconnect()

    async def close(self) -> None:
        """Stop advertising, disconnect, close the server and the radio."""
        self._pairing_window.shutdown()
        if self.peripheral is not None:
            await self.peripheral.close()
        if self.server is not None:
            await self.server.close()
        if self.radio is not None:
            await self.radio.close()


__all__ = ["MeterAir"]
